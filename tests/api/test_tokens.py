"""Personal and integration tokens: made on the page, used, expired, revoked, and never more
than their membership."""

from __future__ import annotations

import re
from datetime import timedelta

from django.test import Client
from django.utils import timezone

from districts.models import ApiToken, AuditEvent, Membership
from districts.roles import Role
from districts.services import membership_grant, membership_revoke, user_deactivate
from districts.tenancy import operator_context, system_context
from tiering.models import Student

from .tokens import integration_token, personal_token, token_client

SECRET = re.compile(r'value="(apt_[A-Za-z0-9_-]+)"')


def _tokens(district) -> list[ApiToken]:
    with system_context(district, reason="test"):
        return list(ApiToken.objects.select_related("membership__user").order_by("pk"))


def test_it_shows_the_secret_once_and_keeps_only_its_digest(client, district, principal):
    client.force_login(principal)
    refused = client.post("/d/riverside/api-tokens/", {"name": "Dashboard", "expires_on": ""})
    assert "This field is required" in refused.content.decode() and not _tokens(district)
    day = (district.today() + timedelta(days=90)).isoformat()
    page = client.post("/d/riverside/api-tokens/", {"name": "Dashboard", "expires_on": day})
    assert "no-store" in page["Cache-Control"]
    [secret] = SECRET.findall(page.content.decode())
    [token] = _tokens(district)
    assert token.name == "Dashboard" and token.membership.user == principal
    assert secret not in (token.secret_digest, token.prefix) and secret.startswith(token.prefix)
    with system_context(district, reason="test"):
        stored = " ".join(str(v) for v in ApiToken.objects.values_list().get())
    assert secret not in stored
    again = client.get("/d/riverside/api-tokens/").content.decode()
    assert "Dashboard" in again and secret not in again and token.prefix in again


def test_a_token_reads_then_expires_and_revoked_401s_at_once(district, principal, school_a):
    secret = personal_token(principal, district)
    api = token_client(secret)
    response = api.get("/api/v1/districts/riverside/schools/")
    assert response.status_code == 200
    assert [s["name"] for s in response.json()] == ["Adams Elementary School"]
    [token] = _tokens(district)
    assert token.last_used_at is not None

    with system_context(district, reason="test"):
        ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now())
    expired = api.get("/api/v1/districts/riverside/schools/")
    assert expired.status_code == 401 and expired["WWW-Authenticate"].startswith("Bearer")

    fresh = token_client(personal_token(principal, district, name="Second"))
    assert fresh.get("/api/v1/districts/riverside/schools/").status_code == 200
    page = Client()
    page.force_login(principal)
    second = next(t for t in _tokens(district) if t.name == "Second")
    page.post(f"/d/riverside/api-tokens/{second.pk}/revoke/")
    assert fresh.get("/api/v1/districts/riverside/schools/").status_code == 401


def test_last_used_is_written_at_most_once_a_minute(district, principal, school_a):
    """Each request would otherwise write the token's row: the list of tokens shows when it
    was last used to the minute."""
    api = token_client(personal_token(principal, district))
    assert api.get("/api/v1/districts/riverside/schools/").status_code == 200
    [token] = _tokens(district)
    first = token.last_used_at
    assert first is not None
    assert api.get("/api/v1/districts/riverside/schools/").status_code == 200
    assert _tokens(district)[0].last_used_at == first
    with system_context(district, reason="test"):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - timedelta(seconds=61))
    assert api.get("/api/v1/districts/riverside/schools/").status_code == 200
    assert _tokens(district)[0].last_used_at > first


def test_a_wrong_or_malformed_token_401s(district, principal):
    assert (
        token_client("apt_nothing").get("/api/v1/districts/riverside/schools/").status_code == 401
    )
    anonymous = token_client("").get("/api/v1/districts/riverside/schools/")
    assert anonymous.status_code == 401


def test_a_token_follows_its_membership(district, principal, school_a, school_b):
    api = token_client(personal_token(principal, district))
    names = lambda: [s["name"] for s in api.get("/api/v1/districts/riverside/schools/").json()]  # noqa: E731
    assert names() == ["Adams Elementary School"]
    with system_context(district, reason="test"):
        membership_grant(district=district, user=principal, role=Role.PRINCIPAL, schools=[school_b])
    assert names() == ["Banneker Elementary School"]
    with operator_context(reason="test"):
        user_deactivate(user=principal)
    assert api.get("/api/v1/districts/riverside/schools/").status_code == 401
    with operator_context(reason="test"):
        principal.is_active = True
        principal.save(update_fields=["is_active"])
    assert names() == ["Banneker Elementary School"]
    with system_context(district, reason="test"):
        membership = Membership.objects.select_related("district", "user").get(user=principal)
        membership_revoke(membership=membership)
    assert api.get("/api/v1/districts/riverside/schools/").status_code == 401


def test_an_integration_token_cannot_read_students(district, district_admin, tiered):
    api = token_client(integration_token(district_admin, district))
    for path in ("schools/", "standings/", "snapshots/", f"students/{_student(district)}/"):
        response = api.get(f"/api/v1/districts/riverside/{path}")
        assert response.status_code == 403, path
        assert "only import attendance" in response.json()["detail"]


def test_only_administrators_make_integration_tokens(client, district, principal, district_admin):
    day = (district.today() + timedelta(days=30)).isoformat()
    client.force_login(principal)
    client.post("/d/riverside/api-tokens/", {"name": "X", "expires_on": day, "kind": "integration"})
    assert [t.kind for t in _tokens(district)] == ["personal"]
    client.force_login(district_admin)
    client.post("/d/riverside/api-tokens/", {"name": "Y", "expires_on": day, "kind": "integration"})
    assert [t.kind for t in _tokens(district)] == ["personal", "integration"]
    assert _tokens(district)[1].membership is None


def test_reading_students_by_token_is_recorded_with_the_token(district, principal, tiered):
    api = token_client(personal_token(principal, district, name="Nightly dashboard"))
    assert api.get("/api/v1/districts/riverside/standings/").status_code == 200
    with system_context(district, reason="test"):
        [event] = AuditEvent.objects.all()
    assert event.user == principal and event.api_token.startswith("Nightly dashboard (apt_")
    assert event.object_type == "tiering.student" and event.row_count > 0


def test_requests_are_throttled_per_token(settings, district, principal, school_a):
    settings.API_THROTTLE_RATE = "3/minute"
    api = token_client(personal_token(principal, district))
    codes = [api.get("/api/v1/districts/riverside/schools/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    other = token_client(personal_token(principal, district, name="Another"))
    assert other.get("/api/v1/districts/riverside/schools/").status_code == 200


def _student(district) -> int:
    with system_context(district, reason="test"):
        return Student.objects.order_by("pk").values_list("pk", flat=True).first()
