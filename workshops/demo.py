"""The demo's workshop: the Thriving Schools Strategy Workshop run by the demo facilitator, to
which the demo district is invited and has accepted, sharing its band mix and its breakdowns
under the alias "District A", with a cross-departmental team of two logins and two people
without one. Only the demo district is invited: the demo has no second district yet.

Idempotent: an existing workshop of that title is left as it is."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from districts.models import District, User
from districts.tenancy import system_context

from . import checkins, packets, services
from .context import facilitating
from .models import (
    ActionStatus,
    CheckIn,
    ConsentItem,
    Department,
    Invitation,
    PlanAction,
    PlanKind,
    Workshop,
)

TITLE = "Thriving Schools Strategy Workshop"
PLACE = "Sacramento County Office of Education"
SHARED = [ConsentItem.BANDS, ConsentItem.BREAKDOWNS]
# (login or None, name for someone without one, department)
TEAM = (
    ("admin@cedarvalley.example", "", Department.CABINET),
    ("team@cedarvalley.example", "", Department.ATTENDANCE),
    (None, "Renee Alvarez, district nurse", Department.HEALTH),
    (None, "Tomas Reyes, family engagement coordinator", Department.FAMILY_ENGAGEMENT),
)


def seed_demo_workshop(
    *, district: District, facilitator: User, admin: User, as_of: date
) -> Workshop:
    with facilitating(facilitator):
        workshop = Workshop.objects.facilitated_by(facilitator).filter(title=TITLE).first()
        if workshop is not None:
            return workshop
        # The 2-day workshop three weeks after the data's date: time for the pre-work.
        first_day = as_of + timedelta(days=21)
        workshop = services.workshop_create(
            created_by=facilitator,
            fields=services.WorkshopFields(
                title=TITLE,
                first_day=first_day,
                last_day=first_day + timedelta(days=1),
                place=PLACE,
            ),
        )
    # A new context, as the next request's: it names the new workshop among the facilitator's.
    with facilitating(facilitator):
        invitation = services.invitation_create(
            workshop=workshop, district=district, invited_by=facilitator
        )
    with system_context(district, reason="command:seed_demo"):
        invitation = Invitation.objects.get(pk=invitation.pk)
        services.invitation_respond(invitation=invitation, accept=True, items=SHARED, by=admin)
        for email, name, department in TEAM:
            services.team_member_add(
                invitation=invitation,
                department=department,
                user=User.objects.get(email=email) if email else None,
                name=name,
            )
        # What the task queued by the answer does, here, so the demo opens with its packet.
        packets.packet_refresh(invitation=invitation)
        seed_demo_check_in(invitation=invitation, admin=admin)
    return workshop


# The team's first strategic actions (for a plan still empty when its check-in is seeded),
# with their status and note at the first check-in.
DEMO_ACTIONS = (
    (
        "Pair each school nurse with a school attendance team",
        ActionStatus.IN_PROGRESS,
        "Three schools paired so far; each pair meets every two weeks.",
    ),
    (
        "Send a health-and-attendance message home before each break",
        ActionStatus.DONE,
        "Sent before the last break, in English and Spanish.",
    ),
)


def seed_demo_check_in(*, invitation: Invitation, admin: User) -> None:
    """The team's report at the first follow-up check-in (made early: the demo's workshop is
    still to come) and its interim goal, two points under the rate its packet published; in
    the district's context. Actions seeded before it are reported on as they stand."""
    if not PlanAction.objects.filter(invitation=invitation).exists():
        for text, _, _ in DEMO_ACTIONS:
            action = services.plan_action_add(
                invitation=invitation, kind=PlanKind.STRATEGIC_ACTION, by=admin
            )
            services.plan_field_save(
                action=action, field="action", value=text, base_revision=0, editor=admin
            )
    reported = {text: checkins.ActionReport(status, note) for text, status, note in DEMO_ACTIONS}
    reports = {
        action.pk: reported.get(action.action, checkins.ActionReport(ActionStatus.IN_PROGRESS))
        for action in PlanAction.objects.filter(invitation=invitation)
    }
    first = CheckIn.objects.filter(workshop_id=invitation.workshop_id).first()
    checkins.check_in_record(
        invitation=invitation,
        check_in=first,
        reports=reports,
        note="Nurses and attendance teams now meet every two weeks.",
        by=admin,
    )
    rate = checkins.team_check_ins(invitation=invitation, today=first.due_on).rate
    # A district whose rate is not published aims at a rate typical of its state's.
    published = rate.value if rate is not None and rate.value is not None else 17
    checkins.interim_goal_set(
        invitation=invitation,
        target_rate=Decimal(max(published - 2, 1)),
        target_date=invitation.workshop.last_day + timedelta(days=180),
        by=admin,
    )
