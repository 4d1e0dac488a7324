"""API tokens for tests, made through the service as the token page makes them."""

from __future__ import annotations

from datetime import timedelta

from django.test import Client
from django.utils import timezone

from districts.services import api_token_create
from districts.tenancy import context_for_membership, membership_for, tenant_context


def personal_token(user, district, *, name: str = "Test token", days: int = 90) -> str:
    return _token(user, district, name=name, days=days, personal=True)


def integration_token(admin, district, *, name: str = "SIS nightly") -> str:
    return _token(admin, district, name=name, days=30, personal=False)


def _token(user, district, *, name: str, days: int, personal: bool) -> str:
    membership = membership_for(user, district.slug)
    with tenant_context(context_for_membership(membership)):
        _made, secret = api_token_create(
            district=district,
            created_by=user,
            name=name,
            expires_at=timezone.now() + timedelta(days=days),
            membership=membership if personal else None,
        )
    return secret


def token_client(secret: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}", raise_request_exception=False)
