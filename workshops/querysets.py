"""Scoping for the workshop tables, default-deny on both sides of a workshop:

- a district's rows (invitations, consents, team, packet) through the tenant managers, for the
  roles of RESPOND_TO_WORKSHOPS only;
- a facilitator's reads across districts through `across_districts`, which refuses to run
  outside a facilitator's context (access.facilitating) and is narrowed to their workshops.
"""

from __future__ import annotations

from django.db import models

from districts.querysets import TenantQuerySet
from districts.roles import RESPOND_TO_WORKSHOPS

from .context import current_facilitator


class WorkshopQuerySet(models.QuerySet):
    def facilitated_by(self, user) -> WorkshopQuerySet:
        """The workshops `user` facilitates (the database's policy says the same)."""
        if not user.is_facilitator:
            return self.none()
        return self.filter(facilitators=user)


class TenantWorkshopQuerySet(TenantQuerySet):
    readable_by = RESPOND_TO_WORKSHOPS


class AcrossDistricts(models.Manager):
    """The rows of every district of the current facilitator's workshops."""

    def get_queryset(self) -> models.QuerySet:
        user = current_facilitator()
        return super().get_queryset().filter(workshop__facilitators=user)
