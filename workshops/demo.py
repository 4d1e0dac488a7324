"""The demo's workshop: the Thriving Schools Strategy Workshop run by the demo facilitator, to
which the demo district is invited and has accepted, sharing its band mix and its breakdowns
under the alias "District A", with a cross-departmental team of two logins and two people
without one. Only the demo district is invited: the demo has no second district yet.

Idempotent: an existing workshop of that title is left as it is."""

from __future__ import annotations

from datetime import date, timedelta

from districts.models import District, User
from districts.tenancy import system_context

from . import packets, services
from .context import facilitating
from .models import ConsentItem, Department, Invitation, Workshop

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
    return workshop
