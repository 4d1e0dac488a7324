"""Sign-in throttling and idle sign-out (security-notes.md checklist 18, 20, 22)."""

import re
import time

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client

from attendance_platform.middleware import LAST_SEEN
from attendance_platform.signin import client_ip
from districts.tenancy import operator_context

from ..factories import PERSONA_PASSWORD

LOGIN = "/accounts/login/"
ALICES = "198.51.100.2"  # the address Alice signs in from


def _sign_in(client, email, password, ip="203.0.113.7", **headers):
    return client.post(
        LOGIN, {"username": email, "password": password}, REMOTE_ADDR=ip, headers=headers
    )


def test_it_locks_out_an_address_after_five_wrong_passwords(client, district_admin, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = _sign_in(client, "alice@riverside.org", "wrong password")
        assert response.status_code == 200
        assert "match an account" in response.content.decode()
    locked = _sign_in(client, "alice@riverside.org", "wrong password")
    assert locked.status_code == 429
    assert "Sign-in paused" in locked.content.decode()
    # The right password is refused too while the lockout lasts, however the address is typed.
    assert _sign_in(client, "alice@riverside.org", PERSONA_PASSWORD).status_code == 429
    assert _sign_in(client, " Alice@Riverside.org", PERSONA_PASSWORD).status_code == 429
    # From another computer, Alice still signs in: the lockout is per address and IP.
    assert (
        _sign_in(client, "alice@riverside.org", PERSONA_PASSWORD, ip="198.51.100.2").status_code
        == 302
    )


def _attempted_from(email: str) -> set[str]:
    with operator_context(reason="test assertion"):
        return set(
            AccessAttempt.objects.filter(username=email).values_list("ip_address", flat=True)
        )


def test_a_forged_forwarded_for_is_ignored_without_a_trusted_proxy(
    client, district_admin, settings
):
    assert settings.TRUSTED_PROXY_COUNT == 0  # the default
    # A guesser names a different address in each attempt: every one counts against the
    # address that connected, and the fifth locks it out.
    for n in range(settings.AXES_FAILURE_LIMIT - 1):
        forged = f"198.51.100.{n + 10}"
        response = _sign_in(client, "alice@riverside.org", "guess", X_Forwarded_For=forged)
        assert response.status_code == 200
    locked = _sign_in(client, "alice@riverside.org", "guess", X_Forwarded_For="198.51.100.99")
    assert locked.status_code == 429
    assert _attempted_from("alice@riverside.org") == {"203.0.113.7"}
    # Naming Alice's address lets the guesser in no more than it locks Alice out.
    named = _sign_in(client, "alice@riverside.org", PERSONA_PASSWORD, X_Forwarded_For=ALICES)
    assert named.status_code == 429
    assert _sign_in(Client(), "alice@riverside.org", PERSONA_PASSWORD, ip=ALICES).status_code == 302


def test_behind_one_trusted_proxy_the_lockout_keys_on_the_forwarded_client(
    client, district_admin, settings
):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.2"  # every request arrives from the proxy
    for n in range(settings.AXES_FAILURE_LIMIT):
        # The guesser's own header entries (left) vary; the proxy appends where it came from.
        forwarded = f"{ALICES}, 192.0.2.{n}, 203.0.113.66"
        response = _sign_in(
            client, "alice@riverside.org", "guess", proxy, X_Forwarded_For=forwarded
        )
    assert response.status_code == 429
    assert _attempted_from("alice@riverside.org") == {"203.0.113.66"}
    assert (
        _sign_in(
            client, "alice@riverside.org", PERSONA_PASSWORD, proxy, X_Forwarded_For="203.0.113.66"
        ).status_code
        == 429
    )
    # Alice, through the same proxy from her own address, is not locked out by the guesser.
    alice = _sign_in(
        Client(), "alice@riverside.org", PERSONA_PASSWORD, proxy, X_Forwarded_For=ALICES
    )
    assert alice.status_code == 302


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "198.51.100.2", "10.0.0.2"),
        (1, "198.51.100.2", "198.51.100.2"),
        (1, "6.6.6.6, 198.51.100.2", "198.51.100.2"),
        (2, "6.6.6.6, 198.51.100.2, 10.0.0.9", "198.51.100.2"),
        (1, "2001:db8::7", "2001:db8::7"),
        # Did not come through every trusted proxy, or not a proxy's entry: the peer's address.
        (2, "198.51.100.2", "10.0.0.2"),
        (1, None, "10.0.0.2"),
        (1, "6.6.6.6, not-an-address", "10.0.0.2"),
    ],
)
def test_the_client_address_comes_from_the_trusted_proxies_entries_only(
    rf, settings, proxies, forwarded, expected
):
    settings.TRUSTED_PROXY_COUNT = proxies
    headers = {"X-Forwarded-For": forwarded} if forwarded is not None else {}
    request = rf.post(LOGIN, REMOTE_ADDR="10.0.0.2", headers=headers)
    assert client_ip(request) == expected


def test_it_does_not_reveal_whether_an_account_exists(client, district_admin):
    known = _sign_in(client, "alice@riverside.org", "wrong password").content.decode()
    unknown = _sign_in(client, "nobody@riverside.org", "wrong password").content.decode()
    assert known.replace("alice@riverside.org", "X").count("match an account") == 1

    def without_token(page, email):
        # CSRF tokens differ on every page; 64 letters and digits.
        return re.sub(r"[A-Za-z0-9]{64}", "", page.replace(email, "X"))

    assert without_token(unknown, "nobody@riverside.org") == without_token(
        known, "alice@riverside.org"
    )


def test_an_idle_session_ends(client, district_admin, settings):
    client.force_login(district_admin)
    assert client.get("/d/riverside/").status_code == 200
    session = client.session
    session[LAST_SEEN] = time.time() - settings.SESSION_IDLE_TIMEOUT - 1
    session.save()
    response = client.get("/d/riverside/")
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


def test_an_active_session_goes_on(client, district_admin, settings):
    client.force_login(district_admin)
    session = client.session
    session[LAST_SEEN] = time.time() - settings.SESSION_IDLE_TIMEOUT + 60
    session.save()
    assert client.get("/d/riverside/").status_code == 200
    assert client.session[LAST_SEEN] > time.time() - 60


def test_the_password_policy_refuses_short_and_common_passwords(district_admin):
    for weak in ("short1", "password123", "1234567890123"):
        try:
            validate_password(weak, user=district_admin)
        except ValidationError:
            continue
        raise AssertionError(f"{weak!r} was accepted")
    validate_password("correct horse battery staple", user=district_admin)
