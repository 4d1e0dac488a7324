"""Reads the workshop pages share: a facilitator's workshops and cohort, a district's
invitations. The cohort is read from the materialised packets only (never a student table), for
consented items only, under the names the districts chose."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet

from districts.models import Membership, User
from districts.roles import STAFF_ROLES
from selfassessment.models import Assessment, Ingredient, Priority, TemplateVersion

from .models import (
    CohortTable,
    Consent,
    ConsentItem,
    Invitation,
    InvitationStatus,
    PacketTable,
    PlanAction,
    PlanKind,
    TeamMember,
    Workshop,
)
from .packet_planning import PARTNER_COVERAGE_KEY, partners_counted
from .packets import DISTRICT_KEY, SCHOOLS_KEY

# Like-sized districts side by side (the flyer's "networking opportunity with another
# like-sized school district"), by the students of their band mix now.
SIZE_CLASSES = (
    (25_000, "25,000 students or more"),
    (5_000, "5,000 to 24,999 students"),
    (1_000, "1,000 to 4,999 students"),
    (0, "Fewer than 1,000 students"),
)
SIZE_NOT_SHARED = "Enrolment not shared"


def facilitated_workshops(*, user: User) -> QuerySet[Workshop]:
    return Workshop.objects.facilitated_by(user).annotate(
        invited=Count("invitations", distinct=True),
        accepted=Count(
            "invitations", filter=Q(invitations__status=InvitationStatus.ACCEPTED), distinct=True
        ),
    )


@dataclass
class InvitedDistrict:
    invitation: Invitation
    items: list[ConsentItem]
    team: list[TeamMember]


def invited_districts(*, workshop: Workshop) -> list[InvitedDistrict]:
    """Each district invited to the workshop, with what it shares and its team (facilitator)."""
    items: dict[int, list[ConsentItem]] = defaultdict(list)
    for consent in Consent.across_districts.filter(workshop=workshop):
        items[consent.invitation_id].append(ConsentItem(consent.item))
    team: dict[int, list[TeamMember]] = defaultdict(list)
    for member in TeamMember.across_districts.filter(workshop=workshop).select_related("user"):
        team[member.invitation_id].append(member)
    order = list(ConsentItem)
    return [
        InvitedDistrict(
            invitation=i,
            items=sorted(items[i.pk], key=order.index),
            team=team[i.pk],
        )
        for i in Invitation.across_districts.filter(workshop=workshop).select_related("district")
    ]


@dataclass
class CohortDistrict:
    label: str
    named: bool
    # A page-unique name for the district's headings and tables ("d1", "d2", …).
    anchor: str
    invitation_id: int
    tables: list[PacketTable] = field(default_factory=list)

    @property
    def overview(self) -> PacketTable | None:
        return next((t for t in self.tables if t.key == DISTRICT_KEY), None)

    @property
    def breakdowns(self) -> list[PacketTable]:
        return [t for t in self.tables if t.key != DISTRICT_KEY]

    @property
    def students(self) -> int | None:
        if self.overview is None:
            return None
        return self.overview.figures["rows"][0]["students"]["value"]

    @property
    def size_class(self) -> str:
        if self.students is None:
            return SIZE_NOT_SHARED
        return next(label for smallest, label in SIZE_CLASSES if self.students >= smallest)


@dataclass
class SizeGroup:
    label: str
    districts: list[CohortDistrict]


def _shared(workshop: Workshop) -> dict[int, set[str]]:
    """The items each invited district shares now, by invitation (facilitator)."""
    shared: dict[int, set[str]] = defaultdict(set)
    for invitation_id, item in Consent.across_districts.filter(workshop=workshop).values_list(
        "invitation_id", "item"
    ):
        shared[invitation_id].add(item)
    return shared


def _accepted(workshop: Workshop) -> list[Invitation]:
    """The accepted invitations in the order of their aliases (District A, B, … Z, AA)."""
    accepted = Invitation.across_districts.filter(
        workshop=workshop, status=InvitationStatus.ACCEPTED
    ).select_related("district")
    return sorted(accepted, key=lambda i: (len(i.alias), i.alias))


def _as_shown(invitation: Invitation, named: bool, tables: list, anchor: str) -> CohortDistrict:
    """The district under its name or its alias ("District A"). An anonymised district's
    schools are numbered rather than named, and its partners counted, or they would name it."""
    if not named:
        for table in tables:
            if table.key == SCHOOLS_KEY:
                for n, row in enumerate(table.figures["rows"], start=1):
                    row["label"] = f"School {n}"
            if table.key == PARTNER_COVERAGE_KEY:
                for row in table.figures["rows"]:
                    row["cells"][-1] = partners_counted(row["cells"][-1])
    return CohortDistrict(
        label=invitation.district.name if named else invitation.alias,
        named=named,
        anchor=anchor,
        invitation_id=invitation.pk,
        tables=tables,
    )


def _by_size(districts: list[CohortDistrict]) -> list[SizeGroup]:
    groups = []
    for _, label in (*SIZE_CLASSES, (None, SIZE_NOT_SHARED)):
        members = [d for d in districts if d.size_class == label]
        if members:
            groups.append(SizeGroup(label=label, districts=members))
    return groups


def cohort(*, workshop: Workshop) -> list[SizeGroup]:
    """The accepted districts side by side, grouped by size, each under its name or its alias,
    with the packet tables of the items it shares now (facilitator)."""
    shared = _shared(workshop)
    tables: dict[int, list[PacketTable]] = defaultdict(list)
    for table in PacketTable.across_districts.filter(workshop=workshop):
        if table.item in shared[table.invitation_id]:
            tables[table.invitation_id].append(table)
    districts = []
    for invitation in _accepted(workshop):
        named = ConsentItem.NAME in shared[invitation.pk]
        districts.append(
            _as_shown(invitation, named, tables[invitation.pk], f"d{len(districts) + 1}")
        )
    return _by_size(districts)


def facilitator_packet(*, workshop: Workshop, invitation_id: int) -> CohortDistrict | None:
    """One accepted district's packet as the facilitator reads it (under the name it chose),
    or None for an invitation that is not accepted or not of this workshop."""
    invitation = next((i for i in _accepted(workshop) if i.pk == invitation_id), None)
    if invitation is None:
        return None
    shared = _shared(workshop)[invitation.pk]
    tables = [
        t
        for t in PacketTable.across_districts.filter(workshop=workshop, invitation=invitation)
        if t.item in shared
    ]
    return _as_shown(invitation, ConsentItem.NAME in shared, tables, "packet")


def team_cohort(*, invitation: Invitation) -> list[SizeGroup] | None:
    """The cohort as a district's team reads it: the districts of the workshop that show the
    other teams their figures, side by side, under the names they chose; None while the
    team's own district shows nothing (it then reads nothing either)."""
    shows = Consent.objects.filter(invitation=invitation, item=ConsentItem.COHORT).exists()
    if not shows:
        return None
    tables: dict[int, list[CohortTable]] = defaultdict(list)
    for table in CohortTable.in_cohort.filter(workshop_id=invitation.workshop_id):
        tables[table.invitation_id].append(table)
    districts = [
        CohortDistrict(
            label=own[0].label,
            named=own[0].named,
            anchor=f"d{n}",
            invitation_id=invitation_id,
            tables=own,
        )
        for n, (invitation_id, own) in enumerate(
            sorted(tables.items(), key=lambda pair: (len(pair[1][0].label), pair[1][0].label)),
            start=1,
        )
    ]
    return _by_size(districts)


def district_packet(*, invitation: Invitation) -> CohortDistrict:
    """The district's own packet, as its team reads it: under its own name."""
    tables = list(PacketTable.objects.filter(invitation=invitation))
    return _as_shown(invitation, True, tables, "packet")


@dataclass(frozen=True)
class RateBar:
    label: str
    now: dict
    last_year: dict
    now_width: float
    last_year_width: float


def rate_bars(groups: list[SizeGroup]) -> list[RateBar]:
    """The cohort chart: each sharing district's chronic absence rate now and at the same
    point of last year, as published (a coded rate is drawn to its bound; a hidden one not)."""
    rows = [
        (d.label, d.overview.figures["rows"][0])
        for g in groups
        for d in g.districts
        if d.overview is not None
    ]
    values = [
        cell["value"]
        for _, row in rows
        for cell in (row["rate"], row["rate_last_year"])
        if cell["value"] is not None
    ]
    top = max(10, *(values or [0]))
    top = (int(top) // 10 + 1) * 10

    def width(cell: dict) -> float:
        return round(100 * (cell["value"] or 0) / top, 2)

    return [
        RateBar(
            label=label,
            now=row["rate"],
            last_year=row["rate_last_year"],
            now_width=width(row["rate"]),
            last_year_width=width(row["rate_last_year"]),
        )
        for label, row in rows
    ]


# --- The district's side ----------------------------------------------------------------------


def district_invitations(*, user: User) -> QuerySet[Invitation]:
    return Invitation.objects.for_user(user).select_related("workshop").order_by("-invited_at")


def team_candidates(*, user: User) -> QuerySet[User]:
    """The district's staff, for naming the team by account."""
    return User.objects.filter(
        pk__in=Membership.objects.for_user(user).filter(role__in=STAFF_ROLES).values("user_id"),
        is_active=True,
    ).order_by("full_name", "email")


# --- Worktime: the teams' plans ---------------------------------------------------------------


@dataclass
class PlanPart:
    kind: PlanKind
    actions: list[PlanAction]


def plan_parts(actions) -> list[PlanPart]:
    """A plan's rows in its two parts (strategic actions, then alignment), each numbered."""
    by_kind: dict[str, list[PlanAction]] = defaultdict(list)
    for action in actions:
        action.number = len(by_kind[action.kind]) + 1
        by_kind[action.kind].append(action)
    return [PlanPart(kind=kind, actions=by_kind[kind]) for kind in PlanKind]


def district_plan(*, invitation: Invitation) -> list[PlanPart]:
    """One team's plan, read in its district's context."""
    return plan_parts(PlanAction.objects.filter(invitation=invitation).select_related("ingredient"))


def action_number(action: PlanAction) -> int:
    """The row's number in its part of the plan, as the plan page shows it."""
    return (
        PlanAction.objects.filter(invitation_id=action.invitation_id, kind=action.kind)
        .filter(
            Q(created_at__lt=action.created_at) | Q(created_at=action.created_at, pk__lt=action.pk)
        )
        .count()
        + 1
    )


@dataclass(frozen=True)
class TieChoices:
    ingredients: list[Ingredient]
    priorities: list[Priority]


def tie_choices(*, user: User) -> TieChoices:
    """What a plan row can serve: the six ingredients of the planning tool's latest version,
    and the shared priorities of the district's latest self-assessment."""
    version = TemplateVersion.objects.order_by("-number").first()
    latest = Assessment.objects.for_user(user).first()
    return TieChoices(
        ingredients=list(Ingredient.objects.filter(version=version)) if version else [],
        priorities=list(Priority.objects.for_user(user).filter(assessment=latest).exclude(title=""))
        if latest
        else [],
    )


@dataclass
class TeamPlan:
    invitation: Invitation
    label: str
    named: bool
    team: list[TeamMember]
    parts: list[PlanPart]

    @property
    def is_empty(self) -> bool:
        return not any(part.actions for part in self.parts)


def team_plans(*, workshop: Workshop, invitation_id: int | None = None) -> list[TeamPlan]:
    """Every accepted team's plan (or one), under the name its district chose to be shown by,
    for the facilitator. A declined or unanswered invitation's plan is no part of it (the
    database's policy says the same)."""
    shared = _shared(workshop)
    accepted = [i for i in _accepted(workshop) if invitation_id is None or i.pk == invitation_id]
    team: dict[int, list[TeamMember]] = defaultdict(list)
    for member in TeamMember.across_districts.filter(workshop=workshop).select_related("user"):
        team[member.invitation_id].append(member)
    actions: dict[int, list[PlanAction]] = defaultdict(list)
    for action in PlanAction.across_districts.filter(workshop=workshop).select_related(
        "ingredient"
    ):
        actions[action.invitation_id].append(action)
    plans = []
    for invitation in accepted:
        named = ConsentItem.NAME in shared[invitation.pk]
        plans.append(
            TeamPlan(
                invitation=invitation,
                label=invitation.district.name if named else invitation.alias,
                named=named,
                team=team[invitation.pk],
                parts=plan_parts(actions[invitation.pk]),
            )
        )
    return plans
