"""Reminders of follow-up check-ins, sent by the daily beat task (tasks.remind_check_ins) in
each district's own context: CHECK_IN_REMINDER_DAYS before a check-in the team has not
reported at, and once more when it is overdue. A CheckInReminder row is written with each, in
the same transaction, and its uniqueness is what makes a repeated run (or two at once) send
nothing twice: once per check-in, team and kind. The reminder goes the way every
notification goes (districts.services.notification_send): in the app, and by email unless the
person turned email off."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from districts.models import District, Membership
from districts.roles import RESPOND_TO_WORKSHOPS
from districts.services import notification_send
from districts.tenancy import require_working_for

from .models import (
    CheckIn,
    CheckInReminder,
    Invitation,
    InvitationStatus,
    ReminderKind,
    TeamCheckIn,
    TeamMember,
)


def _recipients(invitation: Invitation) -> list[Membership]:
    """The team's members with a login; a team that names none is reminded through the
    district's administrators, who name the team."""
    people = Membership.objects.filter(user__is_active=True).select_related("user")
    team = people.filter(
        user_id__in=TeamMember.objects.filter(invitation=invitation, user__isnull=False).values(
            "user_id"
        )
    )
    return list(team) or list(people.filter(role__in=RESPOND_TO_WORKSHOPS))


def _message(invitation: Invitation, check_in: CheckIn, kind: ReminderKind) -> tuple[str, str]:
    workshop = invitation.workshop
    day = f"{check_in.due_on:%B %-d, %Y}"
    if kind == ReminderKind.OVERDUE:
        subject = f"Check-in overdue since {day}: {workshop.title}"
        opening = f"Your team’s check-in for {workshop.title} was due on {day}."
    else:
        subject = f"Check-in due on {day}: {workshop.title}"
        opening = f"Your team’s check-in for {workshop.title} is due on {day}."
    body = (
        f"{opening} Update each action’s status and note on the check-in page, so the "
        "facilitator and your team see how the strategy is going."
    )
    return subject, body


@transaction.atomic
def check_in_reminders_send(*, district: District, today: date) -> int:
    """Reminds each accepted team of the district of its coming and overdue check-ins not yet
    sent for; returns how many reminders (teams × check-ins) went out."""
    require_working_for(district)
    soon = today + timedelta(days=settings.CHECK_IN_REMINDER_DAYS)
    sent = 0
    for invitation in Invitation.objects.filter(status=InvitationStatus.ACCEPTED).select_related(
        "workshop", "district"
    ):
        reported = TeamCheckIn.objects.filter(invitation=invitation).values("check_in_id")
        due = CheckIn.objects.filter(workshop_id=invitation.workshop_id, due_on__lte=soon).exclude(
            pk__in=reported
        )
        for check_in in due:
            kind = ReminderKind.OVERDUE if check_in.due_on < today else ReminderKind.DUE_SOON
            _, created = CheckInReminder.objects.get_or_create(
                district_id=district.pk,
                invitation=invitation,
                check_in=check_in,
                kind=kind,
                defaults={"workshop_id": invitation.workshop_id},
            )
            if not created:
                continue
            subject, body = _message(invitation, check_in, kind)
            link = reverse(
                "district_workshops:check_in",
                kwargs={
                    "district_slug": district.slug,
                    "invitation_id": invitation.pk,
                    "check_in_id": check_in.pk,
                },
            )
            for membership in _recipients(invitation):
                notification_send(
                    district=district,
                    membership=membership,
                    key=f"workshops:check-in:{check_in.pk}:{kind}",
                    subject=subject,
                    body=body,
                    email_body=body,
                    link=link,
                )
            sent += 1
    return sent
