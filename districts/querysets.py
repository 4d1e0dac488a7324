"""Query-building for tenant tables: scoping only, default-deny.

`Model.objects` refuses to run outside a tenant context and never returns rows of another
district than the context's. `for_user(user)` narrows further to what the user's role may see:
school roles their own schools, roles a model does not list nothing at all.
"""

from __future__ import annotations

from django.db import models

from .roles import (
    MANAGE_INTEGRATION_TOKENS,
    MANAGE_PEOPLE,
    READ_DISTRICT_RECORDS,
    READ_OWN_MEMBERSHIP,
    READ_OWN_NOTIFICATIONS,
    READ_SCHOOL_DIRECTORY,
    USE_PERSONAL_API_TOKENS,
    Role,
)
from .tenancy import CrossTenantAccess, TenantContext, current_tenant, require_working_for


class TenantQuerySet(models.QuerySet):
    # The policy (roles.py) naming the roles that may read this table at all; anyone else gets
    # an empty queryset.
    readable_by: frozenset[Role] = READ_DISTRICT_RECORDS
    # Lookup from this table to a School id, for narrowing school roles; None when the rows
    # are district-wide (a school year applies to every school).
    school_lookup: str | None = None
    # The district TenantManager filtered this queryset to as it made it: for_user then adds
    # no second filter on the same column (a filter and its compilation on every queryset of
    # every page: ~0.4 ms of a tiered list request, seven of them).
    _scoped_district: int | None = None

    def _clone(self):
        clone = super()._clone()
        clone._scoped_district = self._scoped_district
        return clone

    def for_district(self, district) -> TenantQuerySet:
        require_working_for(district)
        return self.filter(district_id=district.pk)

    def for_user(self, user) -> TenantQuerySet:
        ctx = current_tenant()
        if ctx.user_id != user.pk:
            raise CrossTenantAccess("for_user() was called for someone other than the requester.")
        scoped = self
        if self._scoped_district != ctx.district_id:
            scoped = self.filter(district_id=ctx.district_id)
        return scoped._visible_in(ctx)

    def _visible_in(self, ctx: TenantContext) -> TenantQuerySet:
        if ctx.role not in self.readable_by:
            return self.none()
        if ctx.school_ids is not None and self.school_lookup is not None:
            return self.filter(**{f"{self.school_lookup}__in": ctx.school_ids})
        return self


class TenantManager(models.Manager):
    def get_queryset(self) -> models.QuerySet:
        ctx = current_tenant()
        queryset = super().get_queryset().filter(district_id=ctx.district_id)
        queryset._scoped_district = ctx.district_id
        return queryset


class SchoolQuerySet(TenantQuerySet):
    readable_by = READ_SCHOOL_DIRECTORY
    school_lookup = "pk"


class SchoolYearQuerySet(TenantQuerySet):
    readable_by = READ_SCHOOL_DIRECTORY

    def current(self, today):
        """The school year containing `today`, else the latest one that has started: in one
        statement (every district home asks, and between two school years it took two)."""
        containing_first = models.Case(
            models.When(last_day__gte=today, then=models.Value(0)), default=models.Value(1)
        )
        return self.filter(first_day__lte=today).order_by(containing_first, "-first_day").first()


class MembershipQuerySet(TenantQuerySet):
    # Who holds which role is the people managers' business; everyone else sees only their
    # own membership.
    readable_by = READ_OWN_MEMBERSHIP

    def _visible_in(self, ctx: TenantContext) -> TenantQuerySet:
        if ctx.role in MANAGE_PEOPLE:
            return self
        return self.filter(user_id=ctx.user_id)


class MembershipSchoolQuerySet(TenantQuerySet):
    school_lookup = "school"


class NotificationQuerySet(TenantQuerySet):
    readable_by = READ_OWN_NOTIFICATIONS

    def _visible_in(self, ctx: TenantContext) -> TenantQuerySet:
        if ctx.role not in self.readable_by:
            return self.none()
        return self.filter(user_id=ctx.user_id)

    def unread(self) -> TenantQuerySet:
        return self.filter(read_at__isnull=True)


class ApiTokenQuerySet(TenantQuerySet):
    # Each person sees their own personal tokens; administrators also the integration tokens.
    readable_by = USE_PERSONAL_API_TOKENS

    def _visible_in(self, ctx: TenantContext) -> TenantQuerySet:
        if ctx.role not in self.readable_by:
            return self.none()
        own = models.Q(membership__user_id=ctx.user_id)
        if ctx.role in MANAGE_INTEGRATION_TOKENS:
            own |= models.Q(membership__isnull=True)
        return self.filter(own)
