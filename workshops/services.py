"""What changes a workshop: the facilitator's side (the workshop, its sessions, invitations)
in a facilitator's context, the district's side (its answer, consent item by item, its team) in
its tenant context. Withdrawn consent takes the district's figures out of the packet in the
same transaction."""

from __future__ import annotations

import string
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from districts.models import District, Membership, User
from districts.tenancy import require_working_for

from . import tasks
from .context import current_facilitator
from .models import (
    DEFAULT_SESSION_TITLES,
    OBJECTIVES,
    Consent,
    ConsentItem,
    Department,
    Invitation,
    InvitationStatus,
    PacketTable,
    TeamMember,
    Workshop,
    WorkshopFacilitator,
    WorkshopSession,
)
from .packets import PACKET_ITEMS
from .suppression import DEFAULT_MINIMUM_N

# --- The facilitator's side -------------------------------------------------------------------


@dataclass(frozen=True)
class WorkshopFields:
    title: str
    first_day: date
    last_day: date
    place: str
    minimum_n: int = DEFAULT_MINIMUM_N


@dataclass(frozen=True)
class SessionFields:
    day: date
    title: str
    agenda: str


def _require_facilitator(user: User) -> None:
    if current_facilitator() != user:
        raise PermissionDenied("Workshops are changed by their facilitators, in their context.")


@transaction.atomic
def workshop_create(*, created_by: User, fields: WorkshopFields) -> Workshop:
    """A workshop with its creator as facilitator and the flyer's three objectives as the
    agenda: one session each, the first two on the first day, the plan on the last."""
    _require_facilitator(created_by)
    workshop = Workshop(created_by=created_by, **fields.__dict__)
    workshop.full_clean()
    workshop.save()
    WorkshopFacilitator.objects.create(workshop=workshop, user=created_by)
    days = (workshop.first_day, workshop.first_day, workshop.last_day)
    WorkshopSession.objects.bulk_create(
        WorkshopSession(workshop=workshop, day=day, title=title, agenda=agenda, position=n)
        for n, (day, title, agenda) in enumerate(
            zip(days, DEFAULT_SESSION_TITLES, OBJECTIVES, strict=True)
        )
    )
    return workshop


@transaction.atomic
def workshop_update(
    *, workshop: Workshop, fields: WorkshopFields, sessions: list[SessionFields], by: User
) -> Workshop:
    """Changes the workshop and replaces its sessions. A new minimum n re-suppresses every
    accepted district's packet, which each district's own task rewrites."""
    _require_facilitator(by)
    minimum_changed = workshop.minimum_n != fields.minimum_n
    for name, value in fields.__dict__.items():
        setattr(workshop, name, value)
    workshop.full_clean()
    workshop.save()
    WorkshopSession.objects.filter(workshop=workshop).delete()
    WorkshopSession.objects.bulk_create(
        WorkshopSession(workshop=workshop, position=n, **s.__dict__) for n, s in enumerate(sessions)
    )
    if minimum_changed:
        for invitation in Invitation.across_districts.filter(
            workshop=workshop, status=InvitationStatus.ACCEPTED
        ):
            tasks.packets_queue(district_id=invitation.district_id, invitation_id=invitation.pk)
    return workshop


def _alias(n: int) -> str:
    """District A … Z, then AA, AB, …"""
    letters = string.ascii_uppercase
    name = ""
    n += 1
    while n:
        n, rest = divmod(n - 1, 26)
        name = letters[rest] + name
    return f"District {name}"


@transaction.atomic
def invitation_create(*, workshop: Workshop, district: District, invited_by: User) -> Invitation:
    _require_facilitator(invited_by)
    invited = Invitation.across_districts.filter(workshop=workshop)
    if invited.filter(district=district).exists():
        raise ValidationError(f"{district.name} is already invited to this workshop.")
    invitation = Invitation(
        district=district,
        workshop=workshop,
        alias=_alias(invited.count()),
        invited_by=invited_by,
    )
    # Constraints are checked by the database: validating them here would read the district's
    # rows through its tenant manager, which a facilitator has no context for.
    invitation.full_clean(validate_constraints=False)
    invitation.save()
    return invitation


# --- The district's side ----------------------------------------------------------------------


@dataclass(frozen=True)
class ConsentChange:
    given: list[ConsentItem]
    withdrawn: list[ConsentItem]


@transaction.atomic
def invitation_respond(
    *, invitation: Invitation, accept: bool, items: list[ConsentItem], by: User
) -> ConsentChange:
    """Accepting is consenting to `items`; declining (at any time) withdraws every item."""
    require_working_for(invitation.district, invitation)
    invitation.status = InvitationStatus.ACCEPTED if accept else InvitationStatus.DECLINED
    invitation.responded_by = by
    invitation.responded_at = timezone.now()
    invitation.save(update_fields=["status", "responded_by", "responded_at"])
    return consent_set(invitation=invitation, items=items if accept else [], by=by)


@transaction.atomic
def consent_set(*, invitation: Invitation, items: list[ConsentItem], by: User) -> ConsentChange:
    """The items the district shares from now on. A withdrawn item's figures leave the packet
    here, in this transaction; a newly given one's are materialised by the district's task."""
    require_working_for(invitation.district, invitation)
    wanted = {ConsentItem(i) for i in items}
    if wanted and invitation.status != InvitationStatus.ACCEPTED:
        raise ValidationError("Accept the invitation to share anything with the workshop.")
    current = set(Consent.objects.filter(invitation=invitation).values_list("item", flat=True))
    given = sorted(wanted - current)
    withdrawn = sorted({ConsentItem(i) for i in current} - wanted)
    Consent.objects.filter(invitation=invitation, item__in=withdrawn).delete()
    PacketTable.objects.filter(invitation=invitation, item__in=withdrawn).delete()
    for item in given:
        consent = Consent(
            district_id=invitation.district_id,
            invitation=invitation,
            workshop_id=invitation.workshop_id,
            item=item,
            given_by=by,
        )
        consent.full_clean()
        consent.save()
    if set(given) & set(PACKET_ITEMS):
        tasks.packets_queue(district_id=invitation.district_id, invitation_id=invitation.pk)
    return ConsentChange(given=given, withdrawn=withdrawn)


@transaction.atomic
def team_member_add(
    *, invitation: Invitation, department: Department, user: User | None = None, name: str = ""
) -> TeamMember:
    require_working_for(invitation.district, invitation)
    if user is not None and not Membership.objects.filter(user=user).exists():
        raise ValidationError("Only people of this district can be named by their account.")
    member = TeamMember(
        district_id=invitation.district_id,
        invitation=invitation,
        workshop_id=invitation.workshop_id,
        user=user,
        name="" if user else name.strip(),
        department=department,
    )
    member.full_clean()
    member.save()
    return member


@transaction.atomic
def team_member_remove(*, member: TeamMember) -> None:
    require_working_for(member.invitation.district, member)
    member.delete()
