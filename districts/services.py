"""Everything that changes districts, schools, school years, users and memberships.

Services that write a district's rows run inside that district's tenant context (a request, or
`system_context` in tasks and commands) and refuse any other district's objects.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Model
from django.utils import timezone

from . import affiliations, api_tokens, invitations
from .models import (
    ApiToken,
    ApiTokenKind,
    District,
    Grade,
    Membership,
    MembershipSchool,
    Notification,
    School,
    SchoolYear,
    User,
)
from .roles import SCHOOL_ROLES, Role
from .tenancy import operator_context, require_working_for

logger = logging.getLogger(__name__)


@transaction.atomic
def district_create(
    *,
    slug: str,
    name: str,
    state: str,
    timezone: str = "America/New_York",
    minimum_days_enrolled: int = 10,
    school_year_start_month: int = 8,
    school_year_start_day: int = 1,
) -> District:
    district = District(
        slug=slug,
        name=name,
        state=state.upper(),
        timezone=timezone,
        minimum_days_enrolled=minimum_days_enrolled,
        school_year_start_month=school_year_start_month,
        school_year_start_day=school_year_start_day,
    )
    # Setting up a district is operators' work across districts.
    with operator_context(reason="district_create"):
        district.full_clean()
        district.save()
    return district


@transaction.atomic
def school_create(
    *, district: District, sis_code: str, name: str, low_grade: Grade, high_grade: Grade
) -> School:
    require_working_for(district)
    school = School(
        district=district,
        sis_code=sis_code.strip(),
        name=name.strip(),
        low_grade=low_grade,
        high_grade=high_grade,
    )
    school.full_clean()
    school.save()
    return school


@transaction.atomic
def school_year_create(
    *, district: District, label: str, first_day: date, last_day: date, instructional_days: int
) -> SchoolYear:
    require_working_for(district)
    year = SchoolYear(
        district=district,
        label=label,
        first_day=first_day,
        last_day=last_day,
        instructional_days=instructional_days,
    )
    year.full_clean()
    year.save()
    return year


@transaction.atomic
def user_create(
    *, email: str, password: str | None, full_name: str = "", is_facilitator: bool = False
) -> User:
    return User.objects.create_user(
        email, password, full_name=full_name, is_facilitator=is_facilitator
    )


def sessions_end(*, user_ids: Iterable[int]) -> None:
    """Ends every session these people have, in every browser, at its next request: Django
    checks each session against a hash that includes the generation raised here, and deletes
    a session that no longer matches. For when someone's access ends; nothing else is needed
    however many sessions they have or wherever sessions are stored."""
    User.objects.filter(pk__in=list(user_ids)).update(
        session_generation=F("session_generation") + 1
    )


def user_sessions_end(*, user: User) -> None:
    sessions_end(user_ids=[user.pk])
    user.refresh_from_db(fields=["session_generation"])


@transaction.atomic
def user_deactivate(*, user: User) -> None:
    """Stops someone signing in at all (their memberships and records stay, to reactivate them
    later), and ends the sessions they have: reactivation does not bring those back."""
    user.is_active = False
    user.save(update_fields=["is_active"])
    user_sessions_end(user=user)


def _require_another_administrator(membership: Membership, *, then: str) -> None:
    """A district keeps at least one administrator who can sign in: without one, nobody could
    manage its people but the operators."""
    if membership.role != Role.DISTRICT_ADMIN:
        return
    # Locked until the transaction ends: two administrators removing each other at the same
    # moment must not both succeed.
    administrators = (
        Membership.objects.for_district(membership.district)
        .filter(role=Role.DISTRICT_ADMIN)
        .select_related("user")
        .select_for_update(of=("self",))
    )
    others = [
        m
        for m in administrators
        if m.pk != membership.pk and m.user.is_active and m.user.has_usable_password()
    ]
    if not others:
        raise ValidationError(
            f"{membership.user} is the only district administrator of {membership.district}. "
            "Make someone else a district administrator first (invite them, or change their "
            f"role), then {then}."
        )


@transaction.atomic
def membership_revoke(*, membership: Membership) -> None:
    """Ends someone's role in a district and, at once, every session they have: they sign in
    again to reach the districts where they still have a role. Their account stays. The last
    district administrator stays."""
    require_working_for(membership.district)
    _require_another_administrator(membership, then="deactivate this access")
    user = membership.user
    membership.delete()
    user_sessions_end(user=user)


@transaction.atomic
def membership_grant(
    *, district: District, user: User, role: Role, schools: Iterable[School] = ()
) -> Membership:
    """Gives `user` a role in `district` (replacing any role they held there)."""
    require_working_for(district)
    schools = list(schools)
    foreign = [s for s in schools if s.district_id != district.pk]
    if foreign:
        raise ValidationError(
            f"{', '.join(s.name for s in foreign)} belongs to another district than {district}."
        )
    if role in SCHOOL_ROLES and not schools:
        raise ValidationError(f"A {Role(role).label.lower()} must be assigned at least one school.")
    if role not in SCHOOL_ROLES and schools:
        raise ValidationError(
            f"A {Role(role).label.lower()} covers the whole district; do not name schools."
        )
    existing = Membership.unscoped.filter(district=district, user=user).first()
    if existing is not None and role != Role.DISTRICT_ADMIN:
        _require_another_administrator(existing, then="change this role")
    membership, _created = Membership.unscoped.update_or_create(
        district=district, user=user, defaults={"role": role}
    )
    membership.full_clean()
    MembershipSchool.unscoped.filter(district=district, membership=membership).exclude(
        school__in=schools
    ).delete()
    MembershipSchool.unscoped.bulk_create(
        [MembershipSchool(district=district, membership=membership, school=s) for s in schools],
        ignore_conflicts=True,
    )
    return membership


def _invitation_about(role: Role, schools: list[School], affiliation_name: str) -> str:
    where = ""
    if schools:
        where = " at " + ", ".join(s.name for s in schools)
    elif affiliation_name:
        where = f" for {affiliation_name}"
    return f"Your role: {Role(role).label.lower()}{where}."


@transaction.atomic
def person_invite(
    *,
    district: District,
    email: str,
    full_name: str,
    role: Role,
    schools: Iterable[School] = (),
    affiliated_with: Model | None = None,
    invited_by: User,
) -> Membership:
    """Gives someone a role in the district and emails them: a person new to the platform
    gets a one-time link to choose their password, which expires; someone who already signs
    in (for another district) is told where to sign in. Partner staff name the organisation
    they work for (`affiliated_with`, districts/affiliations.py)."""
    require_working_for(district)
    email = email.strip().lower()
    affiliation = affiliations.for_role(role)
    if affiliation is not None and affiliated_with is None:
        raise ValidationError(
            f"Choose the {affiliation.label.lower()} this {Role(role).label.lower()} works for."
        )
    if affiliation is None and affiliated_with is not None:
        raise ValidationError(
            f"A {Role(role).label.lower()} works for the district itself; leave the "
            "organisation empty."
        )
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = user_create(email=email, password=None, full_name=full_name.strip())
    existing = Membership.unscoped.filter(district=district, user=user).first()
    if existing is not None:
        raise ValidationError(
            f"{email} already has a role in {district} ({existing.get_role_display().lower()}"
            f"{', invited' if existing.is_invitation else ''}). Change it on their row of the "
            "People page instead."
        )
    schools = list(schools)
    membership = membership_grant(district=district, user=user, role=role, schools=schools)
    if affiliation is not None:
        affiliation.link(membership, affiliated_with, invited_by)
    invitation_send(
        membership=membership,
        invited_by=invited_by,
        about=_invitation_about(role, schools, str(affiliated_with or "")),
    )
    return membership


@transaction.atomic
def invitation_send(*, membership: Membership, invited_by: User, about: str) -> None:
    """Emails the invitation (districts/invitations.py). For someone who has yet to choose a
    password this is a new link, and every earlier link stops working; the link's lifetime
    starts now."""
    require_working_for(membership.district)
    user = membership.user
    if not user.has_usable_password():
        # Ends nothing (they have never signed in) but the earlier links, which carry the
        # session generation in their hash.
        user_sessions_end(user=user)
        membership.invited_at = timezone.now()
        membership.save(update_fields=["invited_at"])
    invitations.invitation_email(
        user=user,
        district=membership.district,
        invited_by=invited_by,
        subject=f"{membership.district}: you are invited to the Attendance Platform",
        about=about,
    )


@transaction.atomic
def invitation_resend(*, membership: Membership, invited_by: User) -> None:
    """A new link for an invitation not yet accepted (an expired one, or a lost email)."""
    require_working_for(membership.district)
    if not membership.is_invitation:
        raise ValidationError(
            f"{membership.user.email} has already accepted and signs in with their own password."
        )
    affiliation = affiliations.for_role(membership.role)
    affiliation_name = ""
    if affiliation is not None:
        affiliation_name = affiliation.names(invited_by, [membership]).get(membership.pk, "")
    invitation_send(
        membership=membership,
        invited_by=invited_by,
        about=_invitation_about(membership.role, list(membership.schools.all()), affiliation_name),
    )


@transaction.atomic
def invitation_cancel(*, membership: Membership) -> None:
    """Withdraws an invitation not yet accepted: the role goes, and with it (through the
    session generation) every link sent. The account stays, unusable, for a later invitation."""
    if not membership.is_invitation:
        raise ValidationError(
            f"{membership.user.email} has already accepted the invitation: deactivate their "
            "access instead."
        )
    membership_revoke(membership=membership)


@transaction.atomic
def membership_change(
    *, membership: Membership, role: Role, schools: Iterable[School]
) -> Membership:
    """A new role or new schools for someone already in the district. Partner staff stay
    partner staff (they sign in with the partner's address): to make a partner's staff member
    district staff, or the other way round, invite the other address."""
    require_working_for(membership.district)
    partner_now = membership.role == Role.PARTNER_STAFF
    if partner_now != (role == Role.PARTNER_STAFF):
        raise ValidationError(
            "Partner staff and district staff sign in with different addresses: deactivate "
            "this access and invite the person's other address with the new role."
        )
    return membership_grant(
        district=membership.district, user=membership.user, role=role, schools=schools
    )


@transaction.atomic
def notification_send(
    *,
    district: District,
    membership: Membership,
    key: str,
    subject: str,
    body: str,
    email_body: str,
    link: str = "",
    email: bool = True,
) -> Notification | None:
    """Adds a notification to the member's list and, unless they turned email off (or
    ``email`` is False: news only worth a look in the app), mails ``email_body`` once the
    transaction commits (so work that rolls back tells nobody). A key already used for this
    member sends nothing and returns None: a retried task is harmless."""
    require_working_for(district, membership)
    notification, created = Notification.objects.get_or_create(
        district=district,
        user_id=membership.user_id,
        key=key,
        defaults={"subject": subject[:200], "body": body, "link": link},
    )
    if not created:
        return None
    if email and membership.email_notifications:
        address = membership.user.email
        url = f"{settings.SITE_URL}{link}" if link else settings.SITE_URL
        message = f"{email_body}\n\n{url}\n\n" + (
            "You receive this because you have a role in "
            f"{district.name} on the Attendance Platform. To stop these emails, open "
            "Notifications in the platform and turn email off."
        )

        def mail() -> None:
            try:
                send_mail(subject[:200], message, None, [address])
            except OSError:
                # The notification is in the app already; a mail server that is down must not
                # undo it. Operators see the address and the cause here.
                logger.exception("Could not email notification %s to %s", key, address)

        transaction.on_commit(mail)
    return notification


@transaction.atomic
def notifications_mark_read(*, user: User, notification_ids: Iterable[int] | None = None) -> int:
    """Marks the user's own notifications read (all of them when no ids are given)."""
    rows = Notification.objects.for_user(user).unread()
    if notification_ids is not None:
        rows = rows.filter(pk__in=list(notification_ids))
    return rows.update(read_at=timezone.now())


@transaction.atomic
def district_two_factor_require(*, district: District, required: bool) -> District:
    """Whether the district's administrators must sign in with two-factor
    (districts/two_factor.py enforces it)."""
    require_working_for(district)
    district.require_admin_two_factor = required
    district.full_clean()
    district.save(update_fields=["require_admin_two_factor"])
    return district


@transaction.atomic
def notification_email_set(*, membership: Membership, enabled: bool) -> Membership:
    require_working_for(membership.district)
    membership.email_notifications = enabled
    membership.save(update_fields=["email_notifications"])
    return membership


@transaction.atomic
def api_token_create(
    *,
    district: District,
    created_by: User,
    name: str,
    expires_at: datetime,
    membership: Membership | None = None,
) -> tuple[ApiToken, str]:
    """A personal token for `membership` (acting with its role and schools), or with no
    membership an integration token that may only import attendance. Returns the token and
    its secret, which is stored nowhere and cannot be shown again."""
    require_working_for(district, membership)
    if membership is not None and membership.user_id != created_by.pk:
        raise ValidationError("A personal token is made by the person it belongs to.")
    now = timezone.now()
    if expires_at <= now:
        raise ValidationError("The expiry date must be in the future.")
    if expires_at > now + timedelta(days=api_tokens.MAX_LIFETIME_DAYS):
        raise ValidationError(
            f"A token lasts at most {api_tokens.MAX_LIFETIME_DAYS} days: make a new one then."
        )
    secret = api_tokens.new_secret()
    token = ApiToken(
        district=district,
        kind=ApiTokenKind.PERSONAL if membership else ApiTokenKind.INTEGRATION,
        membership=membership,
        name=name.strip(),
        prefix=api_tokens.shown_part(secret),
        secret_digest=api_tokens.digest(secret),
        created_by=created_by,
        expires_at=expires_at,
    )
    token.full_clean()
    token.save()
    return token, secret


@transaction.atomic
def api_token_revoke(*, token: ApiToken) -> ApiToken:
    """Refused from the next request on; the row stays, so the list and the access record
    still name it."""
    require_working_for(token.district)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token
