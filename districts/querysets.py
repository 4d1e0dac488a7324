"""Query-building for tenant tables: scoping only, default-deny.

`Model.objects` refuses to run outside a tenant context and never returns rows of another
district than the context's. `for_user(user)` narrows further to what the user's role may see:
school roles their own schools, roles a model does not list nothing at all.
"""

from __future__ import annotations

from django.db import models

from .roles import STAFF_ROLES, Role
from .tenancy import CrossTenantAccess, TenantContext, current_tenant


class TenantQuerySet(models.QuerySet):
    # Roles that may read this table at all; anyone else gets an empty queryset.
    readable_by: frozenset[Role] = STAFF_ROLES
    # Lookup from this table to a School id, for narrowing school roles; None when the rows
    # are district-wide (a school year applies to every school).
    school_lookup: str | None = None

    def for_district(self, district) -> TenantQuerySet:
        ctx = current_tenant()
        if district.pk != ctx.district_id:
            raise CrossTenantAccess(
                f"Asked for district {district.pk} while working for district {ctx.district_id}."
            )
        return self.filter(district_id=district.pk)

    def for_user(self, user) -> TenantQuerySet:
        ctx = current_tenant()
        if ctx.user_id != user.pk:
            raise CrossTenantAccess("for_user() was called for someone other than the requester.")
        return self.filter(district_id=ctx.district_id)._visible_in(ctx)

    def _visible_in(self, ctx: TenantContext) -> TenantQuerySet:
        if ctx.role not in self.readable_by:
            return self.none()
        if ctx.school_ids is not None and self.school_lookup is not None:
            return self.filter(**{f"{self.school_lookup}__in": ctx.school_ids})
        return self


class TenantManager(models.Manager):
    def get_queryset(self) -> models.QuerySet:
        ctx = current_tenant()
        return super().get_queryset().filter(district_id=ctx.district_id)


class SchoolQuerySet(TenantQuerySet):
    # Partner staff need the district's school names to say which schools they serve.
    readable_by = STAFF_ROLES | {Role.PARTNER_STAFF}
    school_lookup = "pk"


class SchoolYearQuerySet(TenantQuerySet):
    readable_by = STAFF_ROLES | {Role.PARTNER_STAFF}

    def current(self, today):
        """The school year containing `today`, else the latest one that has started."""
        containing = self.filter(first_day__lte=today, last_day__gte=today).first()
        return containing or self.filter(first_day__lte=today).order_by("-first_day").first()


class MembershipQuerySet(TenantQuerySet):
    # Who holds which role is the district administrators' business; everyone else sees
    # only their own membership.
    readable_by = STAFF_ROLES | {Role.PARTNER_STAFF}

    def _visible_in(self, ctx: TenantContext) -> TenantQuerySet:
        if ctx.role == Role.DISTRICT_ADMIN:
            return self
        return self.filter(user_id=ctx.user_id)


class MembershipSchoolQuerySet(TenantQuerySet):
    school_lookup = "school"


class NotificationQuerySet(TenantQuerySet):
    # Everyone with a role reads their own notifications, and nobody reads anyone else's.
    readable_by = STAFF_ROLES | {Role.PARTNER_STAFF}

    def _visible_in(self, ctx: TenantContext) -> TenantQuerySet:
        if ctx.role not in self.readable_by:
            return self.none()
        return self.filter(user_id=ctx.user_id)

    def unread(self) -> TenantQuerySet:
        return self.filter(read_at__isnull=True)
