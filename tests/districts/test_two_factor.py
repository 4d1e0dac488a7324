"""Two-factor sign-in (issue 8; security-notes.md checklist 21): turning it on with a code
from the app, the code step of signing in, backup codes, throttling and lockout, turning it
off, and the district's and the operators' requirement. Codes are computed from the device's
key, as an authenticator app would."""

import html
import time
from binascii import unhexlify

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from districts import two_factor
from districts.models import AuditEvent, District, User
from districts.roles import Role
from districts.services import district_two_factor_require, membership_grant
from districts.tenancy import operator_context, own_rows, system_context

from ..factories import PERSONA_PASSWORD, UserFactory

SETUP = "/accounts/two-factor/set-up/"
CODE = "/accounts/two-factor/code/"
ACCOUNT = "/accounts/two-factor/"
BACKUP_CODES = "/accounts/two-factor/backup-codes/"
LOGIN = "/accounts/login/"


def text(response) -> str:
    return html.unescape(response.content.decode())


def code_at(secret: str, steps_ahead: int = 0) -> str:
    """What an authenticator app holding `secret` shows now, or `steps_ahead` steps later."""
    totp = TOTP(unhexlify(secret))
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def enrol(user) -> tuple[str, list[str]]:
    """Two-factor turned on for `user` (with the current code); their secret and backup codes."""
    secret = two_factor.new_secret()
    _device, codes = two_factor.two_factor_enable(user=user, secret=secret, code=code_at(secret))
    return secret, codes


def sign_in_with_password(client, user, ip="203.0.113.7"):
    return client.post(
        LOGIN, {"username": user.email, "password": PERSONA_PASSWORD}, REMOTE_ADDR=ip
    )


def verified_login(client, user):
    """Signed in and past the code step, as after a real sign-in with the authenticator."""
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = two_factor.authenticator_of(user).persistent_id
    session.save()


def devices_of(user) -> list[TOTPDevice]:
    with own_rows(user):
        return list(TOTPDevice.objects.filter(user=user))


def events(district, purpose_start: str) -> list[AuditEvent]:
    with system_context(district, reason="test"):
        return list(AuditEvent.objects.filter(purpose__startswith=purpose_start).order_by("pk"))


@pytest.fixture(autouse=True)
def _no_slow_down(settings):
    # The exponential slow-down after a wrong code has a test of its own; elsewhere it would
    # refuse the right code typed a moment after a wrong one.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


# --- Turning it on


def test_it_turns_on_with_a_code_from_the_app_and_shows_the_backup_codes_once(
    client, district, principal
):
    client.force_login(principal)
    page = client.get(SETUP + "?next=/d/riverside/")
    assert page.status_code == 200
    assert page["Cache-Control"].startswith("max-age=0") and "no-store" in page["Cache-Control"]
    page_text = text(page)
    secret = client.session["two_factor_pending_key"]
    assert "<svg" in page_text and "QR code of your setup key" in page_text
    assert two_factor.setup_key(secret) in page_text  # for typing in by hand
    # Reloading the page keeps the same key: a QR code already scanned stays valid.
    client.get(SETUP)
    assert client.session["two_factor_pending_key"] == secret

    refused = client.post(SETUP, {"code": "000000" if code_at(secret) != "000000" else "111111"})
    assert refused.status_code == 422
    assert "doesn't match" in text(refused)
    assert devices_of(principal) == []

    done = client.post(SETUP, {"code": code_at(secret), "next": "/d/riverside/"})
    assert done.status_code == 302 and done["Location"].startswith(BACKUP_CODES)
    [device] = devices_of(principal)
    assert device.confirmed and device.key == secret
    assert "two_factor_pending_key" not in client.session
    # This session proved the code: it is verified, and carries on without asking again.
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert client.get("/d/riverside/").status_code == 200

    codes_page = client.get(done["Location"])
    assert codes_page.status_code == 200 and "no-store" in codes_page["Cache-Control"]
    with own_rows(principal):
        codes = sorted(StaticToken.objects.values_list("token", flat=True))
    assert len(codes) == two_factor.BACKUP_CODE_COUNT
    for code in codes:
        assert f"{code[:4]}-{code[4:]}" in text(codes_page)
    download = client.get(BACKUP_CODES + "download/")
    assert download["Content-Type"] == "text/plain; charset=utf-8"
    assert "attachment" in download["Content-Disposition"]
    assert all(f"{code[:4]}-{code[4:]}" in text(download) for code in codes)

    onward = client.post(BACKUP_CODES, {"next": "/d/riverside/"})
    assert onward["Location"] == "/d/riverside/"
    # Never shown again: the account page offers new ones instead.
    assert client.get(BACKUP_CODES)["Location"] == ACCOUNT
    assert client.get(BACKUP_CODES + "download/")["Location"] == ACCOUNT
    [event] = events(district, "Two-factor sign-in turned on")
    assert (event.user, event.action, event.object_type) == (principal, "change", "districts.user")
    assert event.object_ids == [principal.pk]
    assert event.purpose == "Two-factor sign-in turned on: pat@riverside.org"


def test_the_setup_page_is_under_the_content_security_policy(client, principal):
    client.force_login(principal)
    page = client.get(SETUP)
    policy = page["Content-Security-Policy"]
    assert "img-src 'self' data:" in policy and "script-src 'self'" in policy
    # The QR code is drawn inline: nothing is loaded from elsewhere.
    assert "<img" not in text(page)


# --- Signing in


def test_signing_in_asks_for_the_code_after_the_password(client, district, principal):
    secret, _codes = enrol(principal)
    assert sign_in_with_password(client, principal).status_code == 302
    # Half signed in: every page leads to the code step, even another district's address,
    # which must not answer 404 and so say whether the person belongs there.
    for path in ("/d/riverside/", "/accounts/password/change/", "/d/lakeview/", "/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(CODE + "?next="), path
    page = client.get(CODE + "?next=/d/riverside/")
    assert page.status_code == 200 and "Enter your sign-in code" in text(page)

    wrong = client.post(CODE, {"code": "12345", "next": "/d/riverside/"})
    assert wrong.status_code == 422
    assert "6-digit code" in text(wrong)
    session_before = client.session.session_key

    signed_in = client.post(CODE, {"code": code_at(secret, 1), "next": "/d/riverside/"})
    assert signed_in.status_code == 302 and signed_in["Location"] == "/d/riverside/"
    assert client.session.session_key != session_before  # a new session id for the new rights
    assert client.get("/d/riverside/").status_code == 200


def test_a_half_signed_in_session_reads_nothing_of_its_districts(client, district, principal):
    # The memberships a district's page needs are read with the look for an authenticator,
    # in one transaction, only once the session may go on.
    enrol(principal)
    sign_in_with_password(client, principal)
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/d/riverside/").status_code == 302
    assert not any("districts_membership" in query["sql"] for query in captured.captured_queries)


def test_without_two_factor_the_password_alone_signs_in(client, district, principal):
    assert sign_in_with_password(client, principal).status_code == 302
    assert client.get("/d/riverside/").status_code == 200
    assert client.get(CODE)["Location"] == "/"


def test_the_code_page_sends_only_to_this_site(client, district, principal):
    secret, _codes = enrol(principal)
    sign_in_with_password(client, principal)
    response = client.post(CODE, {"code": code_at(secret, 1), "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_an_authenticator_code_signs_in_once(client, district, principal):
    secret, _codes = enrol(principal)
    code = code_at(secret, 1)
    sign_in_with_password(client, principal)
    assert client.post(CODE, {"code": code}).status_code == 302

    someone_else = Client()
    sign_in_with_password(someone_else, principal, ip="198.51.100.2")
    replayed = someone_else.post(CODE, {"code": code})
    assert replayed.status_code == 422 and "doesn't match" in text(replayed)
    # The code used to turn two-factor on is spent too.
    assert someone_else.post(CODE, {"code": code_at(secret)}).status_code == 422


def test_a_backup_code_signs_in_once(client, district, principal):
    _secret, codes = enrol(principal)
    sign_in_with_password(client, principal)
    # Typed as printed, with the hyphen, in capitals.
    printed = f"{codes[0][:4]}-{codes[0][4:]}".upper()
    response = client.post(CODE, {"code": printed, "next": "/d/riverside/"}, follow=True)
    assert response.status_code == 200
    assert "You signed in with a backup code; 9 left" in text(response)
    assert two_factor.backup_codes_left(principal) == 9

    again = Client()
    sign_in_with_password(again, principal, ip="198.51.100.2")
    refused = again.post(CODE, {"code": codes[0]})
    assert refused.status_code == 422 and "used already" in text(refused)
    assert again.post(CODE, {"code": codes[1]}).status_code == 302


def test_wrong_codes_count_toward_the_sign_in_lockout(client, district, principal, settings):
    secret, _codes = enrol(principal)
    sign_in_with_password(client, principal)
    limit = settings.AXES_FAILURE_LIMIT
    wrong = "000000" if code_at(secret, 1) != "000000" else "111111"
    for attempt in range(1, limit):
        response = client.post(CODE, {"code": wrong}, REMOTE_ADDR="203.0.113.7")
        assert response.status_code == 422
        left = limit - attempt
        assert f"After {left} more wrong code" in text(response)
    locked = client.post(CODE, {"code": wrong}, REMOTE_ADDR="203.0.113.7")
    assert locked.status_code == 429
    assert "Sign-in paused" in text(locked)
    # Signed out, and the password is refused for this address from this computer meanwhile.
    assert client.get("/d/riverside/")["Location"].startswith(LOGIN)
    assert sign_in_with_password(client, principal).status_code == 429


def test_a_session_is_signed_out_when_its_account_is_locked_elsewhere(
    client, district, principal, settings
):
    """Wrong passwords from the same computer lock the account while a session waits at the
    code step: the right code no longer helps."""
    secret, _codes = enrol(principal)
    sign_in_with_password(client, principal)
    guesser = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        guesser.post(
            LOGIN, {"username": principal.email, "password": "wrong"}, REMOTE_ADDR="203.0.113.7"
        )
    locked = client.post(CODE, {"code": code_at(secret, 1)}, REMOTE_ADDR="203.0.113.7")
    assert locked.status_code == 429
    assert client.get("/d/riverside/")["Location"].startswith(LOGIN)


def test_wrong_codes_slow_the_device_down(client, district, principal, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 600  # ten minutes after one wrong code
    secret, _codes = enrol(principal)
    sign_in_with_password(client, principal)
    wrong = "000000" if code_at(secret, 1) != "000000" else "111111"
    assert client.post(CODE, {"code": wrong}).status_code == 422
    # Even the right code waits: guessing from many computers is slowed down just the same.
    response = client.post(CODE, {"code": code_at(secret, 1)})
    assert response.status_code == 422
    assert "Too many wrong codes in a row: wait" in text(response)
    assert client.get("/d/riverside/")["Location"].startswith(CODE)


# --- Changing it later


def test_turning_it_off_needs_a_current_code(client, district, principal):
    secret, _codes = enrol(principal)
    verified_login(client, principal)
    assert client.get(ACCOUNT).status_code == 200

    refused = client.post(ACCOUNT + "turn-off/", {"off-code": "12345678"})
    assert refused.status_code == 422
    assert "isn't one of yours" in text(refused)
    assert len(devices_of(principal)) == 1

    done = client.post(ACCOUNT + "turn-off/", {"off-code": code_at(secret, 1)}, follow=True)
    assert "Two-factor sign-in is off" in text(done)
    assert devices_of(principal) == []
    assert two_factor.backup_codes_left(principal) == 0
    assert client.get("/d/riverside/").status_code == 200
    [event] = events(district, "Two-factor sign-in turned off")
    assert event.user == principal and event.object_ids == [principal.pk]


def test_new_backup_codes_replace_the_old_ones(client, district, principal):
    secret, old_codes = enrol(principal)
    verified_login(client, principal)
    made = client.post(ACCOUNT + "backup-codes/new/", {"new-code": code_at(secret, 1)})
    assert made["Location"] == BACKUP_CODES
    page = client.get(BACKUP_CODES).content.decode()
    with own_rows(principal):
        new_codes = set(StaticToken.objects.values_list("token", flat=True))
    assert len(new_codes) == two_factor.BACKUP_CODE_COUNT and not new_codes & set(old_codes)
    assert all(f"{c[:4]}-{c[4:]}" in page for c in new_codes)
    assert len(events(district, "New backup codes made")) == 1


def test_setting_up_again_while_on_is_refused(client, district, principal):
    enrol(principal)
    verified_login(client, principal)
    response = client.get(SETUP)
    assert response["Location"] == ACCOUNT


# --- The district's requirement


@pytest.fixture
def requiring(district):
    with system_context(district, reason="test"):
        district_two_factor_require(district=district, required=True)
    return district


def test_a_requiring_district_sends_its_admins_to_set_it_up_on_every_page(
    client, requiring, district_admin, cabinet_member, outsider
):
    client.force_login(district_admin)
    for path in ("/d/riverside/", "/d/riverside/people/", "/d/riverside/attendance/schools/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == f"{SETUP}?next={path.replace('/', '%2F')}", path
    page = client.get(SETUP)
    assert "Riverside Unified School District requires two-factor" in text(page)
    # Their account pages and other sites' pages stay open.
    assert client.get(ACCOUNT).status_code == 200
    assert client.get("/accounts/password/change/").status_code == 200

    # Other roles of the district, and other districts' administrators, are unaffected.
    client.force_login(cabinet_member)
    assert client.get("/d/riverside/").status_code == 200
    client.force_login(outsider)
    assert client.get("/d/lakeview/").status_code == 200


def test_an_admin_who_sets_it_up_gets_in(client, requiring, district_admin):
    client.force_login(district_admin)
    client.get(SETUP + "?next=/d/riverside/people/")
    secret = client.session["two_factor_pending_key"]
    client.post(SETUP, {"code": code_at(secret), "next": "/d/riverside/people/"})
    onward = client.post(BACKUP_CODES, {"next": "/d/riverside/people/"})
    assert onward["Location"] == "/d/riverside/people/"
    assert client.get("/d/riverside/people/").status_code == 200


def test_the_requirement_holds_only_in_the_requiring_district(client, requiring, other_district):
    dana = UserFactory(email="dana@both.org")
    for d in (requiring, other_district):
        with system_context(d, reason="test"):
            membership_grant(district=d, user=dana, role=Role.DISTRICT_ADMIN)
    client.force_login(dana)
    assert client.get("/d/lakeview/").status_code == 200
    assert client.get("/d/riverside/")["Location"].startswith(SETUP)


def test_a_district_admin_requires_it_after_turning_it_on_for_themselves(
    client, district, district_admin
):
    page = "/d/riverside/sign-in-security/"
    client.force_login(district_admin)
    assert client.get(page).status_code == 200
    refused = client.post(page, {"require_admin_two_factor": "on"})
    assert refused.status_code == 422
    assert "Turn on two-factor sign-in for your own account first" in text(refused)
    district.refresh_from_db()
    assert not district.require_admin_two_factor

    enrol(district_admin)
    verified_login(client, district_admin)
    assert client.post(page, {"require_admin_two_factor": "on"})["Location"] == page
    district.refresh_from_db()
    assert district.require_admin_two_factor
    assert client.get("/d/riverside/").status_code == 200  # verified: nothing to set up

    assert client.post(page, {})["Location"] == page
    district.refresh_from_db()
    assert not district.require_admin_two_factor
    purposes = [e.purpose for e in events(district, "Two-factor sign-in ")]
    assert purposes[-2:] == [
        "Two-factor sign-in required for district administrators",
        "Two-factor sign-in no longer required for district administrators",
    ]
    [required] = events(district, "Two-factor sign-in required")
    assert required.object_type == "districts.district" and required.object_ids == [district.pk]


# --- The operators' admin


@pytest.fixture
def operator(db):
    with operator_context(reason="test fixture"):
        return User.objects.create_superuser("olive@operators.example", "x" * 16)


def test_operators_need_two_factor_for_the_admin_when_the_setting_says_so(
    client, operator, settings
):
    client.force_login(operator)
    settings.OPERATORS_REQUIRE_TWO_FACTOR = False
    assert client.get("/operators/").status_code == 200

    settings.OPERATORS_REQUIRE_TWO_FACTOR = True
    for path in ("/operators/", "/operators/districts/user/"):
        response = client.get(path)
        assert response["Location"].startswith(SETUP + "?next="), path
    # Signing out of the admin stays possible.
    assert client.post("/operators/logout/").status_code in (200, 302)

    client.force_login(operator)
    enrol(operator)
    verified_login(client, operator)
    assert client.get("/operators/").status_code == 200


def test_an_operator_resets_a_lost_phone(client, operator, district, principal):
    enrol(principal)
    client.force_login(operator)
    response = client.post(
        "/operators/districts/user/",
        {"action": "two_factor_reset", "_selected_action": [principal.pk]},
        follow=True,
    )
    assert "Two-factor sign-in turned off for pat@riverside.org" in text(response)
    assert devices_of(principal) == []
    [event] = events(district, "Two-factor sign-in turned off")
    assert event.user == operator
    assert event.purpose == "Two-factor sign-in turned off by an operator: pat@riverside.org"


def test_the_admin_shows_who_has_two_factor_but_no_secret(client, operator, principal):
    secret, codes = enrol(principal)
    client.force_login(operator)
    listing = client.get("/operators/districts/user/").content.decode()
    assert "Two-factor" in listing
    assert client.get("/operators/otp_totp/totpdevice/").status_code == 404
    change = client.get(f"/operators/districts/user/{principal.pk}/change/").content.decode()
    assert secret not in change and codes[0] not in change


# --- Deleting a district deletes its people's devices


def test_deleting_a_district_removes_its_peoples_devices(district, district_admin):
    enrol(district_admin)
    call_command("delete_district", "riverside", confirm="riverside")
    assert not District.objects.filter(slug="riverside").exists()
    with operator_context(reason="test"), connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM otp_totp_totpdevice")
        assert cursor.fetchone() == (0,)
        cursor.execute("SELECT count(*) FROM otp_static_statictoken")
        assert cursor.fetchone() == (0,)
