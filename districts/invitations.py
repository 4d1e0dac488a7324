"""Invitations: the one way someone given a role (on the People page, or as a partner's staff
member in the registry) reaches the platform for the first time.

The link is Django's password-reset token, with its expiry (PASSWORD_RESET_TIMEOUT) and its
one-time use (choosing a password changes the hash it is made from), under a salt of its own so
that it opens only the invitation page. Its hash also holds the person's session generation
(districts.services.sessions_end), so resending an invitation or cancelling it (which ends the
person's sessions) makes every earlier link stop working.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from .models import District, User

logger = logging.getLogger(__name__)


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "districts.invitations.InvitationTokenGenerator"

    def _make_hash_value(self, user: User, timestamp: int) -> str:
        return f"{super()._make_hash_value(user, timestamp)}{user.session_generation}"


invitation_tokens = InvitationTokenGenerator()


def valid_days() -> int:
    return max(1, settings.PASSWORD_RESET_TIMEOUT // 86400)


def invitation_link(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = invitation_tokens.make_token(user)
    return settings.SITE_URL + reverse("invitation_accept", kwargs={"uidb64": uid, "token": token})


def invitation_email(
    *, user: User, district: District, invited_by: User, subject: str, about: str
) -> None:
    """Mails the invitation once the transaction commits (an invitation that rolls back tells
    nobody), through the configured email backend. Someone without a password gets a link to
    choose one; someone who has one is told where to sign in."""
    days = valid_days()
    if user.has_usable_password():
        action = f"Sign in with your existing password at {settings.SITE_URL}{reverse('login')}"
    else:
        action = (
            f"Accept the invitation by choosing your password here (the link works once, for "
            f"{days} day{'s' if days != 1 else ''}):\n{invitation_link(user)}\n\n"
            "If you did not expect this, ignore this email: nothing happens until you choose a "
            "password."
        )
    body = (
        f"Hello {user.get_short_name()},\n\n"
        f"{invited_by} of {district} has invited you to the Attendance Platform. {about}\n\n"
        f"{action}\n"
    )
    address = user.email

    def mail() -> None:
        try:
            send_mail(subject[:200], body, None, [address])
        except OSError:
            # The invitation stands and can be resent from the People page; operators see
            # the address and the cause here.
            logger.exception("Could not email the invitation to %s", address)

    transaction.on_commit(mail)
