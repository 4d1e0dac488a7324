"""Scoping for the PDSA tables, default-deny.

A cycle is read by district-wide roles (all of them), by school roles when it names one of
their schools, and by partner staff when it names one of their organisation's registry
entries (the worksheet only: participants are student data, which partner staff never read).
The worksheet's parts follow their cycle. Participants follow the student, as support records
do: a school role reads those now enrolled at its schools.
"""

from __future__ import annotations

from django.apps import apps
from django.db.models import QuerySet

from districts.querysets import TenantQuerySet
from districts.roles import (
    DISTRICT_WIDE_ROLES,
    READ_PDSA_CHAIN,
    READ_PDSA_CYCLES,
    READ_PDSA_PARTICIPANTS,
    SCHOOL_ROLES,
    Role,
)
from districts.tenancy import TenantContext
from partners.querysets import partner_organization_ids


def visible_cycle_ids(ctx: TenantContext) -> QuerySet:
    """The ids of the cycles the context may read, as a subquery."""
    cycle = apps.get_model("pdsa", "Cycle")
    rows = cycle.unscoped.filter(district_id=ctx.district_id)
    if ctx.role in DISTRICT_WIDE_ROLES:
        return rows.values("pk")
    if ctx.role in SCHOOL_ROLES:
        named = apps.get_model("pdsa", "CycleSchool").unscoped.filter(
            district_id=ctx.district_id, school_id__in=ctx.school_ids or ()
        )
        return rows.filter(pk__in=named.values("cycle_id")).values("pk")
    if ctx.role == Role.PARTNER_STAFF:
        named = apps.get_model("pdsa", "CyclePartnerEntry").unscoped.filter(
            district_id=ctx.district_id, entry__organization_id__in=partner_organization_ids(ctx)
        )
        return rows.filter(pk__in=named.values("cycle_id")).values("pk")
    return rows.none().values("pk")


class CycleQuerySet(TenantQuerySet):
    readable_by = READ_PDSA_CYCLES
    # Lookup from this table to its cycle's id.
    cycle_lookup = "pk"

    def _visible_in(self, ctx: TenantContext) -> TenantQuerySet:
        if ctx.role not in self.readable_by:
            return self.none()
        return self.filter(**{f"{self.cycle_lookup}__in": visible_cycle_ids(ctx)})


class CyclePartQuerySet(CycleQuerySet):
    """The worksheet's questions, steps and links: read with their cycle."""

    cycle_lookup = "cycle"


class ChangeIdeaQuerySet(TenantQuerySet):
    readable_by = READ_PDSA_CYCLES

    def _visible_in(self, ctx: TenantContext) -> TenantQuerySet:
        if ctx.role not in self.readable_by:
            return self.none()
        cycles = apps.get_model("pdsa", "Cycle").unscoped.filter(pk__in=visible_cycle_ids(ctx))
        return self.filter(pk__in=cycles.values("change_idea_id"))


class ParticipantQuerySet(TenantQuerySet):
    """Students in a cycle and their sessions: staff only, and for school roles the students
    now enrolled at their schools, of cycles they can read."""

    readable_by = READ_PDSA_PARTICIPANTS
    school_lookup = "student__school"
    cycle_lookup = "cycle"

    def _visible_in(self, ctx: TenantContext) -> TenantQuerySet:
        rows = super()._visible_in(ctx)
        return rows.filter(**{f"{self.cycle_lookup}__in": visible_cycle_ids(ctx)})


class ParticipantSessionQuerySet(ParticipantQuerySet):
    cycle_lookup = "participant__cycle"


class ReasonTallyQuerySet(TenantQuerySet):
    """The chain's stored counts: staff, and school roles those of their schools (the
    district's own row, school empty, is the district roles')."""

    readable_by = READ_PDSA_CHAIN
    school_lookup = "school"
