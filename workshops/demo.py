"""The demo's workshop: the Thriving Schools Strategy Workshop run by the demo facilitator, to
which three districts are invited:

- the demo district accepted, sharing everything but its name (the others see "District A"),
  and shows the other teams its figures; its team is two logins and two people without one;
- the second accepted, sharing its band mix under its own name, and shows the other teams its
  figures; its team is its administrator and a nurse without a login;
- the third has not answered yet.

Each accepted team has written a few rows of its plan; the demo district's team has set its
interim goal and reported at the first follow-up check-in. Idempotent: an existing workshop of that
title is left as it is."""

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
# What each accepted district shares, in the order they are invited (the last has not answered).
SHARED = (
    [
        ConsentItem.BANDS,
        ConsentItem.BREAKDOWNS,
        ConsentItem.SELF_ASSESSMENT,
        ConsentItem.ACTION_PLAN,
        ConsentItem.PARTNER_COVERAGE,
        ConsentItem.PDSA_RESULTS,
        ConsentItem.COHORT,
    ],
    [ConsentItem.BANDS, ConsentItem.NAME, ConsentItem.COHORT],
)
# (login or None, name for someone without one, department), per accepted district.
TEAMS = (
    (
        ("admin@cedarvalley.example", "", Department.CABINET),
        ("team@cedarvalley.example", "", Department.ATTENDANCE),
        (None, "Renee Alvarez, district nurse", Department.HEALTH),
        (None, "Tomas Reyes, family engagement coordinator", Department.FAMILY_ENGAGEMENT),
    ),
    (
        ("admin@pineridge.example", "", Department.ATTENDANCE),
        (None, "Mei Chen, lead school nurse", Department.HEALTH),
    ),
)
# (part, action, next steps, responsible, days after the workshop), per accepted district.
PLANS = (
    (
        (
            PlanKind.STRATEGIC_ACTION,
            "Nurses join the attendance team's review every two weeks",
            "Add the district nurse to the review invitation; share the tiered list",
            "Attendance office with Renee Alvarez",
            30,
        ),
        (
            PlanKind.ALIGNMENT,
            "One shared goal for chronic absence in the health and attendance plans",
            "Draft the goal at the cabinet retreat",
            "Cabinet",
            60,
        ),
    ),
    (
        (
            PlanKind.STRATEGIC_ACTION,
            "Asthma action plans for every chronically absent student with asthma",
            "List the students with the school nurses",
            "Mei Chen",
            45,
        ),
        (
            PlanKind.ALIGNMENT,
            "A data-sharing agreement with the county health department",
            "Ask the county for its template",
            "Superintendent's office",
            90,
        ),
    ),
)


def seed_demo_workshop(
    *, districts: list[tuple[District, User]], facilitator: User, as_of: date
) -> Workshop:
    """`districts`: each invited district with its administrator, in the order of invitation;
    the first ones accept as SHARED says, the rest have not answered."""
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
        invitations = [
            services.invitation_create(workshop=workshop, district=d, invited_by=facilitator)
            for d, _ in districts
        ]
    answered = len(SHARED)
    for (district, admin), invitation, items, team, plan in zip(
        districts[:answered], invitations[:answered], SHARED, TEAMS, PLANS, strict=True
    ):
        with system_context(district, reason="command:seed_demo"):
            invitation = Invitation.objects.get(pk=invitation.pk)
            _accept(invitation, admin, items, team, plan)
            if district == districts[0][0]:
                seed_demo_check_in(invitation=invitation, admin=admin)
    return workshop


def _accept(invitation: Invitation, admin: User, items, team, plan) -> None:
    services.invitation_respond(invitation=invitation, accept=True, items=items, by=admin)
    for email, name, department in team:
        services.team_member_add(
            invitation=invitation,
            department=department,
            user=User.objects.get(email=email) if email else None,
            name=name,
        )
    for kind, action, next_steps, responsible, days in plan:
        row = services.plan_action_add(invitation=invitation, kind=kind, by=admin)
        fields = {
            "action": action,
            "next_steps": next_steps,
            "responsible": responsible,
            "target_date": invitation.workshop.last_day + timedelta(days=days),
        }
        for field, value in fields.items():
            row = services.plan_field_save(
                action=row, field=field, value=value, base_revision=0, editor=admin
            )
    # What the task queued by the answer does, here, so the demo opens with its packet.
    packets.packet_refresh(invitation=invitation)


# The demo district's report at the first check-in: its plan's actions (PLANS[0]) as they stood.
DEMO_REPORTS = {
    PLANS[0][0][1]: checkins.ActionReport(
        ActionStatus.IN_PROGRESS,
        "The nurses of three schools join so far; the rest after the break.",
    ),
    PLANS[0][1][1]: checkins.ActionReport(
        ActionStatus.DONE, "Adopted at the cabinet retreat: 15% chronic absence by June."
    ),
}


def seed_demo_check_in(*, invitation: Invitation, admin: User) -> None:
    """The team's report at the first follow-up check-in (made early: the demo's workshop is
    still to come) and its interim goal, two points under the rate its packet published; in
    the district's context."""
    reports = {
        action.pk: DEMO_REPORTS.get(action.action, checkins.ActionReport(ActionStatus.NOT_STARTED))
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
