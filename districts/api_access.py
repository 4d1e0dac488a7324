"""The REST API's walls (design.md §3): the same as the pages', reached through DRF.

A request to /api/v1/districts/<slug>/… is authenticated by a personal or integration token
(`Authorization: Bearer apt_…`) or by the browser session (with CSRF), resolved to a
membership of that district (another district is 404, as on the pages: nobody can probe which
exist), checked against the operation's role policy (403), throttled per token, and only then
runs, inside the tenant context and persona of that membership, in one transaction
(`DistrictApi`): for a read, the tenant context's own transaction, as the token's and the
membership's lookups before it have theirs; for a write, the request's transaction, as on the
pages. A token never outranks its membership: it carries no role of its own, and
takes its membership's role and schools at each request.

Every app's `api.py` builds its operations on `DistrictApi`.
"""

from __future__ import annotations

from contextlib import ExitStack
from datetime import timedelta
from typing import ClassVar

from django import forms
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.postgres.expressions import ArraySubquery
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connection, transaction
from django.db.models import OuterRef
from django.http import Http404
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.authentication import (
    BaseAuthentication,
    SessionAuthentication,
    get_authorization_header,
)
from rest_framework.permissions import SAFE_METHODS
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from . import api_tokens
from .models import ApiToken, Membership, MembershipSchool
from .replica import READ_METHODS, replica_reads
from .roles import Role
from .tenancy import (
    TenantContext,
    context_for_membership,
    membership_for,
    tenant_context,
    token_rows,
)
from .two_factor import is_verified

# Writing last_used_at on every request would write the token's row each time; once a minute
# says when it was last used closely enough.
LAST_USED_REFRESH = timedelta(minutes=1)


class TokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer <secret>`. A secret that matches no token, or a revoked or
    expired token, or one whose person is deactivated or whose membership is gone, is refused
    (401) at once: nothing is cached between requests."""

    keyword = b"bearer"

    def authenticate(self, request: Request):
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Send the token as: Authorization: Bearer <token>."
            )
        try:
            secret = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("This token is not valid.") from None
        token = _usable_token(secret)
        if token.is_integration:
            return AnonymousUser(), token
        return token.membership.user, token

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


def _usable_token(secret: str) -> ApiToken:
    # The token with, for a personal one, its membership as it is now (its role and schools,
    # and whether its person may still sign in), in one statement (token_membership_sql).
    digest = api_tokens.digest(secret)
    with token_rows(digest):
        token = (
            ApiToken.unscoped.select_related("district", "membership__district", "membership__user")
            .annotate(
                own_school_ids=ArraySubquery(
                    MembershipSchool.unscoped.filter(membership=OuterRef("membership_id")).values(
                        "school_id"
                    )
                )
            )
            .filter(secret_digest=digest)
            .first()
        )
    if token is None:
        raise exceptions.AuthenticationFailed("This token is not valid.")
    if token.revoked_at is not None:
        raise exceptions.AuthenticationFailed("This token has been revoked.")
    if not token.is_usable():
        raise exceptions.AuthenticationFailed("This token has expired.")
    if token.is_integration:
        return token
    membership = token.membership
    # A personal token is made by the person it belongs to (api_token_create).
    if (
        membership is None
        or membership.user_id != token.created_by_id
        or not membership.user.is_active
    ):
        raise exceptions.AuthenticationFailed("This token's access has ended.")
    membership.own_school_ids = token.own_school_ids
    return token


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = TokenAuthentication
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "A personal token from the district's API tokens page (it acts with your role "
                "and schools there), or an administrator's integration token (importing only)."
            ),
        }


class ApiThrottle(SimpleRateThrottle):
    """Requests per token (per person for the browser session), counted in the cache: Redis
    when REDIS_URL is set, so every web process counts together."""

    scope = "api"

    def get_rate(self) -> str:
        return settings.API_THROTTLE_RATE

    def get_cache_key(self, request: Request, view) -> str:
        if isinstance(request.auth, ApiToken):
            ident = f"token:{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"address:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


_ERROR = inline_serializer("Error", {"detail": serializers.CharField()})
# Every district operation may answer these, whatever it does when it succeeds: the schema
# says so, so that a client (and schemathesis) knows each answer it can get.
ERROR_RESPONSES = {
    "400": OpenApiResponse(
        OpenApiTypes.OBJECT, description="The request's mistakes, by field (as the page's form)."
    ),
    "401": OpenApiResponse(_ERROR, description="No session or token, or a token not usable."),
    "403": OpenApiResponse(_ERROR, description="Your role in this district does not include it."),
    "404": OpenApiResponse(
        _ERROR, description="No such district, or nothing by that id you may see."
    ),
    "429": OpenApiResponse(_ERROR, description="Too many requests with this token: wait."),
}


class DistrictSchema(AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, response in ERROR_RESPONSES.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(response, code, direction=direction)
        return responses


def _field_name(field: str) -> str:
    return "non_field_errors" if field == NON_FIELD_ERRORS else field


def form_data(form: forms.Form) -> dict:
    """The cleaned data of a page's form filled from the request's JSON body, or 400 with the
    form's own messages by field: the API validates exactly as the page does."""
    if not form.is_valid():
        raise exceptions.ValidationError(
            {
                _field_name(field): [error["message"] for error in errors]
                for field, errors in form.errors.get_json_data().items()
            }
        )
    return form.cleaned_data


def json_object(request: Request) -> dict:
    """The request's JSON body, which a page's form reads as it reads a posted form."""
    if not isinstance(request.data, dict):
        raise exceptions.ValidationError({"non_field_errors": ["Send a JSON object."]})
    return request.data


class DistrictApi(APIView):
    """One operation on one district's data. Subclasses name the role policy (roles.py)
    that may use it; `accepts_integration_tokens` opens it to integration tokens too. Its
    reads (GET) come from the replica when one is configured (districts/replica.py); the
    access record and every other write go to the primary."""

    policy: ClassVar[frozenset[Role]]
    # The policy of the operation's writes (POST, PUT), when the same address also reads.
    write_policy: ClassVar[frozenset[Role] | None] = None
    accepts_integration_tokens: ClassVar[bool] = False

    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes: ClassVar[list] = []
    throttle_classes = [ApiThrottle]
    renderer_classes = [JSONRenderer]
    schema = DistrictSchema()

    membership: Membership | None = None
    _walls: ExitStack | None = None

    @classmethod
    def as_view(cls, **initkwargs):
        # A read opens no transaction of its own around the request (ATOMIC_REQUESTS): each
        # step's walls (the token's lookup, the membership's, the tenant context) are then a
        # whole transaction, whose settings end with it, rather than a savepoint whose
        # settings are given back by another statement. Six round trips fewer on every read;
        # its tenant reads and access record still share one transaction. Writes keep the
        # request's transaction (`dispatch`).
        return transaction.non_atomic_requests(super().as_view(**initkwargs))

    def dispatch(self, request, *args, **kwargs):
        if request.method in READ_METHODS:
            return super().dispatch(request, *args, **kwargs)
        with transaction.atomic():
            return super().dispatch(request, *args, **kwargs)

    def get_exception_handler(self):
        handler = super().get_exception_handler()
        if self.request.method not in READ_METHODS:
            return handler

        def without_rollback(exc, context):
            # DRF's handler marks the atomic block around the request for rollback, taking it
            # for the request's transaction. A read has none (its walls' transaction has
            # already ended with the exception): a block that encloses it (a caller's, a
            # test's) is not the read's to roll back.
            enclosing = connection.in_atomic_block and connection.needs_rollback
            response = handler(exc, context)
            if connection.in_atomic_block:
                transaction.set_rollback(enclosing)
            return response

        return without_rollback

    @property
    def token(self) -> ApiToken | None:
        return self.request.auth if isinstance(self.request.auth, ApiToken) else None

    def check_permissions(self, request: Request) -> None:
        token = self.token
        if token is None and not request.user.is_authenticated:
            raise exceptions.NotAuthenticated()
        slug = self.kwargs["district_slug"]
        if token is not None:
            if token.district.slug != slug:
                raise Http404("No such district.")
            self.membership = None if token.is_integration else token.membership
        else:
            self.membership = membership_for(request.user, slug)
            if self.membership is None:
                raise Http404("No such district.")
            district = self.membership.district
            if district.requires_two_factor(self.membership.role) and not is_verified(request.user):
                raise exceptions.PermissionDenied(
                    "This district requires two-factor sign-in of its administrators: set it "
                    "up, or use an API token."
                )
        if self.membership is None:
            if not self.accepts_integration_tokens:
                raise exceptions.PermissionDenied(
                    "An integration token may only import attendance."
                )
        elif self.membership.role not in self._policy(request.method):
            raise exceptions.PermissionDenied("Your role in this district does not include this.")

    def _policy(self, method: str) -> frozenset[Role]:
        if self.write_policy is not None and method not in SAFE_METHODS:
            return self.write_policy
        return self.policy

    def initial(self, request: Request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        self._walls = ExitStack()
        self._walls.enter_context(tenant_context(self._tenant()))
        if request.method in READ_METHODS:
            self._walls.enter_context(replica_reads())
        token = self.token
        now = timezone.now()
        if token is not None and (
            token.last_used_at is None or now - token.last_used_at >= LAST_USED_REFRESH
        ):
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)

    def _tenant(self) -> TenantContext:
        if self.membership is not None:
            return context_for_membership(self.membership)
        # An integration token acts for the whole district, as the nightly import's task does.
        return TenantContext(
            district_id=self.token.district_id,
            user_id=None,
            role=None,
            school_ids=None,
            reason=f"api:integration token {self.token.prefix}",
        )

    def handle_exception(self, exc):
        # Leave the tenant context as the exception leaves it (its transaction, or for a
        # write its savepoint, rolled back) before DRF marks a write's transaction for
        # rollback.
        if self._walls is not None:
            walls, self._walls = self._walls, None
            walls.__exit__(type(exc), exc, exc.__traceback__)
        if isinstance(exc, DjangoValidationError):
            # A service's refusal (the page shows it above its form): 400 with its messages.
            by_field = exc.message_dict if hasattr(exc, "error_dict") else {}
            exc = exceptions.ValidationError(
                {_field_name(field): list(messages) for field, messages in by_field.items()}
                or {"non_field_errors": exc.messages}
            )
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        if self._walls is not None:
            walls, self._walls = self._walls, None
            walls.close()
        return super().finalize_response(request, response, *args, **kwargs)

    @property
    def district(self):
        return self.membership.district if self.membership else self.token.district
