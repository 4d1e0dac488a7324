"""Sign-in throttling and idle sign-out (security-notes.md checklist 18, 20, 22)."""

import re
import time

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from attendance_platform.middleware import LAST_SEEN

from ..factories import PERSONA_PASSWORD

LOGIN = "/accounts/login/"


def _sign_in(client, email, password, ip="203.0.113.7"):
    return client.post(LOGIN, {"username": email, "password": password}, REMOTE_ADDR=ip)


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
