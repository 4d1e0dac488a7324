"""Two-factor sign-in (issue 8; security-notes.md checklist 21): a code from an authenticator
app (TOTP, RFC 6238) after the password, with one-time backup codes for a lost phone, on
django-otp's devices.

Anyone may turn it on for their account. Once on, the password alone only half signs a session
in: `TwoFactorMiddleware` sends every request to the code page until django-otp's
`request.user.is_verified()`. A district may require it of its administrators
(`District.require_admin_two_factor`, enforced where the district is resolved, in
`tenancy.TenantMiddleware`), and `OPERATORS_REQUIRE_TWO_FACTOR` requires it on the operators'
admin.

Device rows are secrets belonging to one account: the database lets the app's login role reach
only the signed-in user's rows (`db_walls.account_table_sql`), so every read and write here
runs inside `own_rows(user)`.
"""

from __future__ import annotations

import time
from base64 import b32encode
from binascii import unhexlify
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import middleware as otp_middleware
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from .audit import audit_account_change
from .models import User
from .tenancy import MEMBERSHIPS_READ, district_page, own_memberships_read, own_rows

AUTHENTICATOR = "Authenticator app"
BACKUP_CODES = "Backup codes"
BACKUP_CODE_COUNT = 10
# django-otp's defaults, written down because the pages and the setup key depend on them.
DIGITS = 6
STEP = 30
BACKUP_CODE_LENGTH = 8


class CodeRefused(Exception):
    """A code that did not sign anyone in, with what the person should do next."""

    def __init__(self, message: str, *, retry_at: datetime | None = None):
        super().__init__(message)
        self.retry_at = retry_at


# --- Reading one account's two-factor state


def authenticator_of(user: User) -> TOTPDevice | None:
    with own_rows(user):
        return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def has_two_factor(user: User) -> bool:
    with own_rows(user):
        return _has_authenticator(user)


def _has_authenticator(user: User) -> bool:
    """`has_two_factor`, in the `own_rows(user)` transaction the caller has open."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def backup_codes_left(user: User) -> int:
    with own_rows(user):
        return StaticToken.objects.filter(device__user=user).count()


def normalise(code: str) -> str:
    """Codes as people type them: spaces and hyphens (how backup codes are printed) dropped."""
    return "".join(code.split()).replace("-", "").lower()


# --- Enrolment: a secret kept in the session until the person proves their app has it


def new_secret() -> str:
    return random_hex(20)


def setup_key(secret: str) -> str:
    """The secret as authenticator apps ask for it when typed in: base32, in groups of four."""
    text = b32encode(unhexlify(secret)).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def provisioning_uri(user: User, secret: str) -> str:
    # An unsaved device builds the otpauth:// address exactly as django-otp's would.
    return TOTPDevice(user=user, key=secret, digits=DIGITS, step=STEP).config_url


def qr_code_svg(uri: str) -> str:
    """Inline SVG: the Content-Security-Policy allows no image from elsewhere, and this one
    carries the secret, so it must not leave the page anyway."""
    return segno.make(uri, error="m").svg_inline(
        scale=4, border=4, dark="#000", light="#fff", title="QR code of your setup key"
    )


def _matching_step(secret: str, code: str) -> int | None:
    if not (code.isdigit() and len(code) == DIGITS):
        return None
    totp = TOTP(unhexlify(secret), step=STEP, digits=DIGITS)
    totp.time = time.time()
    if totp.verify(int(code), tolerance=1):
        return totp.t()
    return None


def _new_backup_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=BACKUP_CODES)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@transaction.atomic
def two_factor_enable(
    *, user: User, secret: str, code: str, path: str = ""
) -> tuple[TOTPDevice, list[str]]:
    """Confirms the authenticator app holding `secret` with a code it shows now, and makes it
    the account's second factor (replacing any earlier one), with a fresh set of backup codes,
    returned in clear: they are shown once."""
    step = _matching_step(secret, normalise(code))
    if step is None:
        raise CodeRefused(
            "That code doesn't match. Check that your app added this account (scan the QR code "
            "again, or type the setup key), then enter the 6-digit code it shows now."
        )
    with own_rows(user):
        TOTPDevice.objects.filter(user=user).delete()
        # The code just used must not sign anyone in again: later codes only (last_t).
        device = TOTPDevice(
            user=user, name=AUTHENTICATOR, key=secret, digits=DIGITS, step=STEP, last_t=step
        )
        device.full_clean()
        device.save()
        codes = _new_backup_codes(user)
    audit_account_change(user=user, by=user, purpose="Two-factor sign-in turned on", path=path)
    return device, codes


@transaction.atomic
def backup_codes_replace(*, user: User, by: User, path: str = "") -> list[str]:
    """New backup codes for the account; earlier ones stop working. Returns them in clear:
    they are shown once."""
    with own_rows(user):
        codes = _new_backup_codes(user)
    audit_account_change(user=user, by=by, purpose="New backup codes made", path=path)
    return codes


@transaction.atomic
def two_factor_disable(*, user: User, by: User, path: str = "") -> bool:
    """Removes the authenticator and the backup codes: the password alone signs in again.
    `by` is the person themselves (after a code) or an operator resetting a lost phone.
    Returns whether there was anything to turn off."""
    with own_rows(user):
        removed, _ = TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
    if not removed:
        return False
    purpose = "Two-factor sign-in turned off"
    if by != user:
        purpose += " by an operator"
    audit_account_change(user=user, by=by, purpose=purpose, path=path)
    return True


# --- Verifying a code (the second step of signing in, and confirming a change)


@dataclass(frozen=True)
class Verified:
    device: TOTPDevice | StaticDevice
    used_backup_code: bool


def code_verify(*, user: User, code: str) -> Verified:
    """The device that accepts `code`: an authenticator code (each is used once), or a
    backup code (used up). Raises CodeRefused, saying what to do next.

    Wrong codes slow the device down (django-otp's throttling: 1, 2, 4 … seconds, kept on
    the device, so signing in again does not reset it); the caller also counts them as failed
    sign-ins (districts/views.py)."""
    code = normalise(code)
    if code.isdigit() and len(code) == DIGITS:
        model, backup = TOTPDevice, False
    elif len(code) == BACKUP_CODE_LENGTH:
        model, backup = StaticDevice, True
    else:
        raise CodeRefused(
            "Enter the 6-digit code your authenticator app shows now, or one of your "
            "8-character backup codes."
        )
    with own_rows(user), transaction.atomic():
        # Locked, so two requests cannot both use one code.
        device = model.objects.select_for_update().filter(user=user, confirmed=True).first()
        if device is None:
            raise CodeRefused(
                "You have no backup codes left. Enter the code your authenticator app shows."
                if backup
                else "Two-factor sign-in is not on for your account."
            )
        allowed, details = device.verify_is_allowed()
        # Decided in here, refused out there: an exception in here would roll back the
        # failure count that slows the next guess down.
        accepted = allowed and device.verify_token(code)
    if accepted:
        return Verified(device=device, used_backup_code=backup)
    if not allowed:
        retry_at = details["locked_until"]
        wait = max(1, round((retry_at - timezone.now()).total_seconds()))
        raise CodeRefused(
            f"Too many wrong codes in a row: wait {wait} second{'s' if wait != 1 else ''}, "
            "then enter the code your app shows at that moment.",
            retry_at=retry_at,
        )
    raise CodeRefused(
        "That backup code isn't one of yours, or it was used already. Check it, or enter the "
        "code your authenticator app shows."
        if backup
        else "That code doesn't match. Enter the code your authenticator app shows now (it "
        "changes every 30 seconds); if it keeps failing, check that your phone's clock is "
        "set automatically, or use a backup code."
    )


# --- Where a session must go before anything else


def with_next(url_name: str, request: HttpRequest) -> HttpResponseRedirect:
    url = reverse(url_name)
    if request.method == "GET":
        url += "?" + urlencode({"next": request.get_full_path()})
    return HttpResponseRedirect(url)


# What a session half signed in (password, no code yet) may still reach.
OPEN_BEFORE_CODE = frozenset({"two_factor_verify", "logout"})


def _required_step(request: HttpRequest, user: User) -> str | None:
    if _has_authenticator(user):
        return None if _view_name(request) in OPEN_BEFORE_CODE else "two_factor_verify"
    if settings.OPERATORS_REQUIRE_TWO_FACTOR and user.is_staff:
        name = _view_name(request) or ""
        if name.startswith("admin:") and name != "admin:logout":
            return "two_factor_setup"
    return None


def _view_name(request: HttpRequest) -> str | None:
    try:
        return resolve(request.path_info).view_name
    except Resolver404:
        return None


class TwoFactorMiddleware:
    """A signed-in session that has not passed the code step goes to the code page (its user
    turned two-factor on) or, on the operators' admin when operators must use it, to setting
    it up. Goes after OTPMiddleware and the idle sign-out."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and not user.is_verified():
            with own_rows(user):
                step = _required_step(request, user)
                if step is None and district_page(request):
                    # What TenantMiddleware reads next, read in this transaction: 3 statements
                    # fewer on every district page (its own transaction's begin, settings and
                    # commit; the read in it was 2.7 of the tiered list's 47 ms, bench
                    # page_latency). Only once the session may go on: a half-signed-in one
                    # learns nothing about districts.
                    setattr(request, MEMBERSHIPS_READ, own_memberships_read(user))
            if step is not None:
                return with_next(step, request)
        return self.get_response(request)


class DistrictRequirementMiddleware:
    """In a district that requires two-factor of its administrators, an administrator whose
    session has not passed a code (so has none set up) is sent to set it up, from every page
    of that district. Goes after TenantMiddleware, which resolves request.membership."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        membership = getattr(request, "membership", None)
        if (
            membership is not None
            and membership.district.requires_two_factor(membership.role)
            and not is_verified(request.user)
        ):
            return with_next("two_factor_setup", request)
        return self.get_response(request)


class OTPMiddleware(otp_middleware.OTPMiddleware):
    """django-otp's middleware, reading the session's device as its own user would: device
    rows are visible only inside `own_rows`. (Overrides a private method of django-otp; the
    pinned version is tested by tests/districts/test_two_factor.py.)"""

    def _verify_user_sync(self, request, user):
        # Most sessions name no device: no need to switch the transaction's role for nothing.
        if not (user.is_authenticated and DEVICE_ID_SESSION_KEY in request.session):
            return super()._verify_user_sync(request, user)
        with own_rows(user):
            return super()._verify_user_sync(request, user)


def is_verified(user) -> bool:
    """Fails closed where OTPMiddleware did not run."""
    check = getattr(user, "is_verified", None)
    return bool(check and check())
