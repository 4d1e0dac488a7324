"""What changes a workshop: the facilitator's side (the workshop, its sessions, invitations)
in a facilitator's context, the district's side (its answer, consent item by item, its team,
its plan) in its tenant context. Withdrawn consent takes the district's figures out of the
packet in the same transaction."""

from __future__ import annotations

import string
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from districts.models import District, Membership, User
from districts.tenancy import require_working_for
from selfassessment.models import Ingredient, Priority
from selfassessment.services import EditConflict, last_edit

from . import tasks
from .context import current_facilitator
from .models import (
    DEFAULT_CHECK_IN_DAYS,
    DEFAULT_SESSION_TITLES,
    OBJECTIVES,
    CheckIn,
    CohortPdf,
    CohortTable,
    Consent,
    ConsentItem,
    Department,
    Invitation,
    InvitationStatus,
    PacketTable,
    PlanAction,
    PlanKind,
    TeamMember,
    Workshop,
    WorkshopFacilitator,
    WorkshopSession,
)
from .packets import COHORT_ITEMS, REFRESHING_ITEMS
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
    """A workshop with its creator as facilitator, the flyer's three objectives as the agenda
    (one session each, the first two on the first day, the plan on the last) and its
    follow-up check-ins 30, 60 and 90 days after the last day."""
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
    CheckIn.objects.bulk_create(
        CheckIn(workshop=workshop, due_on=workshop.last_day + timedelta(days=days))
        for days in DEFAULT_CHECK_IN_DAYS
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


@transaction.atomic
def cohort_pdf_request(*, workshop: Workshop, by: User) -> CohortPdf:
    """A cohort PDF to build in the background, for the facilitator to download when ready."""
    _require_facilitator(by)
    pdf = CohortPdf(workshop=workshop, requested_by=by)
    pdf.full_clean()
    pdf.save()
    tasks.cohort_pdf_queue(pdf=pdf)
    return pdf


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
    and the other teams' cohort here, in this transaction; a newly given one's are materialised
    by the district's task."""
    require_working_for(invitation.district, invitation)
    wanted = {ConsentItem(i) for i in items}
    if wanted and invitation.status != InvitationStatus.ACCEPTED:
        raise ValidationError("Accept the invitation to share anything with the workshop.")
    current = set(Consent.objects.filter(invitation=invitation).values_list("item", flat=True))
    given = sorted(wanted - current)
    withdrawn = sorted({ConsentItem(i) for i in current} - wanted)
    Consent.objects.filter(invitation=invitation, item__in=withdrawn).delete()
    PacketTable.objects.filter(invitation=invitation, item__in=withdrawn).delete()
    # The other teams' copy goes whole (its name or its figures may be what was withdrawn);
    # the task writes back what is still shown.
    shown_to_teams = {*COHORT_ITEMS, ConsentItem.NAME, ConsentItem.COHORT}
    if set(withdrawn) & shown_to_teams:
        CohortTable.objects.filter(invitation=invitation).delete()
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
    if set(given) & set(REFRESHING_ITEMS) or set(withdrawn) & shown_to_teams:
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


# --- Worktime: the team's plan ----------------------------------------------------------------

# The fields people edit one at a time on the plan page. "tied_to" is the ingredient or the
# priority the action serves (two columns, one choice).
PLAN_FIELDS = (
    "action",
    "next_steps",
    "responsible",
    "target_date",
    "resources",
    "tied_to",
    "status",
)
Tie = Ingredient | Priority | None


def _require_plan_open(invitation: Invitation) -> None:
    if invitation.status == InvitationStatus.DECLINED:
        raise ValidationError("The district declined this workshop: its plan no longer changes.")


@transaction.atomic
def plan_action_add(*, invitation: Invitation, kind: PlanKind, by: User) -> PlanAction:
    require_working_for(invitation.district, invitation)
    _require_plan_open(invitation)
    action = PlanAction(
        district_id=invitation.district_id,
        invitation=invitation,
        workshop_id=invitation.workshop_id,
        kind=PlanKind(kind),
        created_by=by,
    )
    action.full_clean()
    action.save()
    return action


@transaction.atomic
def plan_action_remove(*, action: PlanAction) -> None:
    require_working_for(action.invitation.district, action)
    _require_plan_open(action.invitation)
    action.delete()


def plan_value(action: PlanAction, field: str) -> object:
    if field == "tied_to":
        return action.ingredient or action.priority
    return getattr(action, field)


def _tie(action: PlanAction, tie: Tie) -> list[str]:
    """Ties the action to `tie`; returns the columns that changed."""
    if tie is not None and not isinstance(tie, Ingredient):
        require_working_for(action.invitation.district, tie)
    action.ingredient = tie if isinstance(tie, Ingredient) else None
    action.priority = tie if isinstance(tie, Priority) else None
    action.priority_title = tie.title if isinstance(tie, Priority) else ""
    return ["ingredient", "priority", "priority_title"]


@transaction.atomic
def plan_field_save(
    *, action: PlanAction, field: str, value: object, base_revision: int, editor: User
) -> PlanAction:
    """Saves one field of a plan row, as the self-assessment saves its fields
    (selfassessment.services.field_save): `base_revision` is the field's revision the editor's
    page showed; if someone else saved the field since, the save is refused with their version
    (EditConflict), and saving again with their revision as the base overwrites it."""
    if field not in PLAN_FIELDS:
        raise ValidationError(f"“{field}” is not a field people edit on this page.")
    locked = (
        PlanAction.objects.select_for_update(of=("self",))
        .select_related("invitation__district")
        .get(pk=action.pk)
    )
    require_working_for(locked.invitation.district, locked)
    _require_plan_open(locked.invitation)
    if plan_value(locked, field) == value:
        return locked  # both versions agree: nothing to save, nothing to refuse
    theirs = last_edit(locked, field)
    if theirs.revision != base_revision and (theirs.editor is None or theirs.editor != editor):
        raise EditConflict(record=locked, field=field, theirs=theirs)
    if field == "tied_to":
        columns = _tie(locked, value)
    else:
        setattr(locked, field, value)
        columns = [field]
    locked.full_clean()
    locked.field_revisions[field] = {
        "revision": theirs.revision + 1,
        "by": editor.pk,
        "at": timezone.now().isoformat(),
    }
    locked.save(update_fields=[*columns, "field_revisions"])
    return locked
