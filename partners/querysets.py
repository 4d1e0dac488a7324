"""Scoping for the registry's tables. District staff read every entry of their district
(partners are a directory, not student data); partner staff read only their own
organisation's rows; anyone else reads nothing."""

from __future__ import annotations

from django.apps import apps
from django.db.models import QuerySet

from districts.querysets import TenantQuerySet
from districts.roles import READ_PARTNER_REGISTRY, READ_PARTNER_STAFF_LINKS, Role
from districts.tenancy import TenantContext


def partner_organization_ids(ctx: TenantContext) -> QuerySet:
    """The organisation(s) the context's partner-staff user works for, as a subquery."""
    link = apps.get_model("partners", "PartnerStaffLink")
    return link.unscoped.filter(
        district_id=ctx.district_id,
        membership__user_id=ctx.user_id,
        membership__district_id=ctx.district_id,
        membership__role=Role.PARTNER_STAFF,
    ).values("organization_id")


class _PartnerScopedQuerySet(TenantQuerySet):
    readable_by = READ_PARTNER_REGISTRY
    # Lookup from this table to its PartnerOrganization id.
    organization_lookup = "organization"

    def _visible_in(self, ctx: TenantContext) -> TenantQuerySet:
        if ctx.role not in self.readable_by:
            return self.none()
        if ctx.role == Role.PARTNER_STAFF:
            return self.filter(**{f"{self.organization_lookup}__in": partner_organization_ids(ctx)})
        return self


class PartnerOrganizationQuerySet(_PartnerScopedQuerySet):
    organization_lookup = "pk"


class PartnerEntryQuerySet(_PartnerScopedQuerySet):
    def stale(self, today) -> PartnerEntryQuerySet:
        from .models import stale_cutoff

        return self.filter(last_updated__lt=stale_cutoff(today))


class PartnerLinkQuerySet(_PartnerScopedQuerySet):
    organization_lookup = "entry__organization"


class PartnerChangeQuerySet(_PartnerScopedQuerySet):
    pass


class PartnerStaffLinkQuerySet(TenantQuerySet):
    # Partner staff see their own link only.
    readable_by = READ_PARTNER_STAFF_LINKS

    def _visible_in(self, ctx: TenantContext) -> TenantQuerySet:
        if ctx.role not in self.readable_by:
            return self.none()
        if ctx.role == Role.PARTNER_STAFF:
            return self.filter(membership__user_id=ctx.user_id)
        return self
