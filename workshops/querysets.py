"""Scoping for the workshop tables, default-deny on both sides of a workshop:

- a district's rows (invitations, consents, team, packet) through the tenant managers, for the
  roles of RESPOND_TO_WORKSHOPS only;
- a facilitator's reads across districts through `across_districts`, which refuses to run
  outside a facilitator's context (access.facilitating) and is narrowed to their workshops.
"""

from __future__ import annotations

from django.db import models

from districts.querysets import TenantQuerySet
from districts.roles import (
    RESPOND_TO_WORKSHOPS,
    WORK_ON_EVERY_WORKSHOP_PLAN,
    WORK_ON_WORKSHOP_PLANS,
)
from districts.tenancy import CrossTenantAccess, TenantContext, current_tenant

from .context import current_facilitator


class WorkshopQuerySet(models.QuerySet):
    def facilitated_by(self, user) -> WorkshopQuerySet:
        """The workshops `user` facilitates (the database's policy says the same)."""
        if not user.is_facilitator:
            return self.none()
        return self.filter(facilitators=user)


class TenantWorkshopQuerySet(TenantQuerySet):
    readable_by = RESPOND_TO_WORKSHOPS

    def with_plan_for(self, user) -> TenantWorkshopQuerySet:
        """The invitations whose team plan `user` works on: every one of the district's (bar
        the declined) for its administrators and cabinet, those whose team names them for the
        school roles, none for anyone else."""
        ctx = current_tenant()
        if ctx.user_id != user.pk:
            raise CrossTenantAccess("with_plan_for() was called for someone other than the user.")
        invitations = self.filter(district_id=ctx.district_id).exclude(status="declined")
        if ctx.role in WORK_ON_EVERY_WORKSHOP_PLAN:
            return invitations
        if ctx.role in WORK_ON_WORKSHOP_PLANS:
            return invitations.filter(team__user_id=user.pk).distinct()
        return invitations.none()


class PlanActionQuerySet(TenantQuerySet):
    readable_by = WORK_ON_WORKSHOP_PLANS

    def _visible_in(self, ctx: TenantContext) -> TenantQuerySet:
        if ctx.role in WORK_ON_EVERY_WORKSHOP_PLAN:
            return self
        if ctx.role in WORK_ON_WORKSHOP_PLANS:
            return self.filter(invitation__team__user_id=ctx.user_id).distinct()
        return self.none()


class AcrossDistricts(models.Manager):
    """The rows of every district of the current facilitator's workshops."""

    def get_queryset(self) -> models.QuerySet:
        user = current_facilitator()
        return super().get_queryset().filter(workshop__facilitators=user)


class InCohort(models.Manager):
    """The cohort tables a district's team reads: every district's of the workshops its own
    district shows its figures to (ConsentItem.COHORT), its own among them. The database's
    policy says the same (migrations/0009_cohort_walls.py)."""

    def get_queryset(self) -> models.QuerySet:
        from .models import Consent, ConsentItem  # the models import this module

        ctx = current_tenant()
        consents = Consent.objects.filter(district_id=ctx.district_id, item=ConsentItem.COHORT)
        return super().get_queryset().filter(workshop_id__in=consents.values("workshop_id"))
