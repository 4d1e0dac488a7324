"""Reads the registry's pages, exports and tasks share."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Prefetch, Q, QuerySet

from districts.models import Membership, School, User

from .models import (
    FAMILY_TAGLINES,
    AbsenceReason,
    Intervention,
    PartnerChange,
    PartnerEntry,
    PartnerOrganization,
    PartnerStaffLink,
    ReasonFamily,
    stale_cutoff,
)


def organization_of(*, user: User) -> PartnerOrganization | None:
    """The organisation a partner-staff user works for (None for anyone else, or for partner
    staff the district has not linked yet)."""
    link = PartnerStaffLink.objects.for_user(user).select_related("organization").first()
    return link.organization if link else None


def staff_organization_names(user: User, memberships: Iterable[Membership]) -> dict[int, str]:
    """{membership id: organisation} for partner staff, for the district's People page."""
    return dict(
        PartnerStaffLink.objects.for_user(user)
        .filter(membership__in=[m.pk for m in memberships])
        .values_list("membership_id", "organization__name")
    )


def organizations_with_staff(*, user: User) -> QuerySet[PartnerOrganization]:
    return (
        PartnerOrganization.objects.for_user(user)
        .prefetch_related(
            Prefetch(
                "staff_links",
                queryset=PartnerStaffLink.objects.for_user(user).select_related("membership__user"),
            )
        )
        .annotate(entry_count=Count("entries"))
    )


def _with_details(entries: QuerySet[PartnerEntry]) -> QuerySet[PartnerEntry]:
    return entries.select_related("organization").prefetch_related(
        Prefetch("schools", queryset=School.objects.order_by("name")),
        Prefetch("reasons", queryset=AbsenceReason.objects.order_by("position")),
        Prefetch("interventions", queryset=Intervention.objects.order_by("position")),
    )


def partner_entries(
    *,
    user: User,
    today: date,
    query: str = "",
    partner_type: str = "",
    school: School | None = None,
    reason: AbsenceReason | None = None,
    tier: str = "",
    status: str = "",
) -> QuerySet[PartnerEntry]:
    entries = PartnerEntry.objects.for_user(user)
    if query:
        entries = entries.filter(
            Q(organization__name__icontains=query)
            | Q(provided__icontains=query)
            | Q(served__icontains=query)
            | Q(description__icontains=query)
            | Q(contact_name__icontains=query)
        )
    if partner_type:
        entries = entries.filter(organization__partner_type=partner_type)
    if school is not None:
        # An entry naming no school serves every school.
        entries = entries.filter(Q(schools=school) | Q(schools__isnull=True))
    if reason is not None:
        entries = entries.filter(reasons=reason)
    if tier:
        entries = entries.filter(tiers__contains=[tier])
    if status == "stale":
        entries = entries.stale(today)
    elif status == "current":
        entries = entries.filter(last_updated__gte=stale_cutoff(today))
    return _with_details(entries.distinct())


def entry_details(*, user: User) -> QuerySet[PartnerEntry]:
    return _with_details(PartnerEntry.objects.for_user(user))


def registry_counts(*, user: User, today: date) -> dict[str, int]:
    entries = PartnerEntry.objects.for_user(user)
    return {
        "entries": entries.count(),
        "organizations": PartnerOrganization.objects.for_user(user).count(),
        "stale": entries.stale(today).count(),
    }


def entry_history(*, user: User, entry: PartnerEntry) -> QuerySet[PartnerChange]:
    return PartnerChange.objects.for_user(user).filter(entry=entry).select_related("changed_by")


def district_history(*, user: User) -> QuerySet[PartnerChange]:
    return PartnerChange.objects.for_user(user).select_related("changed_by")


@dataclass
class CoverageCell:
    entries: list[PartnerEntry] = field(default_factory=list)

    @property
    def covered(self) -> bool:
        return bool(self.entries)


@dataclass
class CoverageRow:
    reason: AbsenceReason
    cells: list[CoverageCell]

    @property
    def uncovered_count(self) -> int:
        return sum(not c.covered for c in self.cells)


@dataclass
class CoverageMap:
    schools: list[School]
    families: list[tuple[str, str, list[CoverageRow]]]
    gaps: int
    cells: int


def coverage_map(*, user: User, family: str = "") -> CoverageMap:
    """For each school the user may see and each reason for absence, the partners whose
    entries address that reason there (an entry naming no school covers every school)."""
    schools = list(School.objects.for_user(user).order_by("name"))
    column = {school.pk: i for i, school in enumerate(schools)}
    entries = _with_details(PartnerEntry.objects.for_user(user))
    reasons = AbsenceReason.objects.order_by("position")
    if family:
        reasons = reasons.filter(family=family)
    rows = {reason.pk: CoverageRow(reason, [CoverageCell() for _ in schools]) for reason in reasons}
    for entry in entries:
        served = [s.pk for s in entry.schools.all()] or list(column)
        for reason in entry.reasons.all():
            if reason.pk not in rows:
                continue
            for school_id in served:
                if school_id in column:
                    rows[reason.pk].cells[column[school_id]].entries.append(entry)
    families = []
    for fam in ReasonFamily:
        fam_rows = [row for row in rows.values() if row.reason.family == fam]
        if fam_rows:
            families.append((fam.label, FAMILY_TAGLINES[fam], fam_rows))
    gaps = sum(row.uncovered_count for row in rows.values())
    return CoverageMap(
        schools=schools, families=families, gaps=gaps, cells=len(rows) * len(schools)
    )
