"""Everything that changes districts, schools, school years, users and memberships.

Services that write a district's rows run inside that district's tenant context (a request, or
`system_context` in tasks and commands) and refuse any other district's objects.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import (
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
from .tenancy import CrossTenantAccess, current_tenant, operator_context

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


def require_working_for(district: District) -> None:
    if current_tenant().district_id != district.pk:
        raise CrossTenantAccess(f"This work is for {district}, not the current tenant.")


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


@transaction.atomic
def membership_revoke(*, membership: Membership) -> None:
    """Ends someone's role in a district and, at once, every session they have: they sign in
    again to reach the districts where they still have a role. Their account stays."""
    require_working_for(membership.district)
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
    require_working_for(district)
    if membership.district_id != district.pk:
        raise CrossTenantAccess(f"{membership} is not a member of {district}.")
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
