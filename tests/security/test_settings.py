"""Headers, cookies and the deployment check (security-notes.md checklist 16–18)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from ..factories import PERSONA_PASSWORD

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DJANGO_SECRET_KEY": "k" * 20 + "-production-only-" + "Zq8#wX2!vB7$nM4%pL9&rT6*yH3@" * 2,
    "DJANGO_ALLOWED_HOSTS": "attendance.example.org",
    "DJANGO_HTTPS": "true",
    "DJANGO_DEBUG": "false",
}


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 — our own manage.py, fixed arguments
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        # The browser tests' switch for Django's live server has no place in production.
        env={**{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_deployment_check_passes_with_production_settings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_the_deployment_check_fails_without_https():
    """The check is real: the same settings over plain http are refused."""
    result = _manage(
        "check", "--deploy", "--fail-level", "WARNING", **{**PRODUCTION, "DJANGO_HTTPS": "false"}
    )
    assert result.returncode != 0
    assert "SESSION_COOKIE_SECURE" in result.stdout + result.stderr


def test_a_negative_trusted_proxy_count_stops_start_up():
    result = _manage("check", DJANGO_TRUSTED_PROXY_COUNT="-1")
    assert result.returncode != 0
    assert "DJANGO_TRUSTED_PROXY_COUNT must be 0 or more." in result.stderr


def test_pages_carry_the_security_headers(client, district_admin):
    client.force_login(district_admin)
    response = client.get("/d/riverside/")
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    for directive in (
        "default-src 'self'",
        "script-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ):
        assert directive in policy
    # Not even style attributes: the progress bars are SVG, htmx adds no <style>.
    assert "unsafe-inline" not in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["Referrer-Policy"] == "same-origin"


def test_production_cookies_are_secure_and_host_bound():
    script = (
        "from django.conf import settings as s;"
        "print(s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME, s.SESSION_COOKIE_SECURE,"
        " s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.SECURE_HSTS_SECONDS,"
        " s.SECURE_SSL_REDIRECT)"
    )
    result = _manage("shell", "-c", script, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-7:] == [
        "__Host-sessionid",
        "__Host-csrftoken",
        "True",
        "True",
        "True",
        "31536000",
        "True",
    ]


def test_signing_in_sets_an_http_only_same_site_session_cookie(client, district_admin):
    response = client.post(
        "/accounts/login/", {"username": "alice@riverside.org", "password": PERSONA_PASSWORD}
    )
    assert response.status_code == 302
    cookie = response.cookies[django_settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"


@pytest.mark.parametrize("path", ["/d/riverside/attendance/imports/", "/accounts/password/change/"])
def test_writes_need_the_csrf_token(path, district_admin):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(district_admin)
    assert client.post(path, {}).status_code == 403


def test_production_requires_two_factor_of_operators():
    script = "from django.conf import settings as s; print(s.OPERATORS_REQUIRE_TWO_FACTOR)"
    production = _manage("shell", "-c", script, **PRODUCTION)
    assert production.returncode == 0, production.stderr
    assert production.stdout.split()[-1] == "True"
    # A deployment may still decide otherwise, explicitly.
    opted_out = _manage("shell", "-c", script, **PRODUCTION, OPERATORS_REQUIRE_TWO_FACTOR="no")
    assert opted_out.stdout.split()[-1] == "False"
