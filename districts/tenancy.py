"""The one tenancy mechanism (design.md §3).

Every piece of tenant data is read inside a tenant context: a request to a /d/<slug>/ URL
enters one after checking the user's membership; a Celery task or a management command enters
one explicitly with `system_context`. Scoped querysets refuse to run without one, so a
forgotten scope fails loudly instead of leaking another district's rows.

The context is entered inside one database transaction so that the security work can set
transaction-local database settings for row-level security at the same point (session-level
settings leak through pooled connections; see security-notes.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import urlencode

from celery import Task
from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.urls import Resolver404, resolve

from . import db_walls
from .roles import DISTRICT_WIDE_ROLES, SCHOOL_ROLES, Role

T = TypeVar("T")


class TenantContextMissing(RuntimeError):
    """Tenant data was queried outside any tenant context."""


class CrossTenantAccess(RuntimeError):
    """Code asked for one district's data while working for another."""


@dataclass(frozen=True)
class TenantContext:
    district_id: int
    # None for system work (tasks, commands) acting for the whole district.
    user_id: int | None
    role: Role | None
    # None means every school of the district; school roles carry their own schools.
    school_ids: frozenset[int] | None
    reason: str

    @property
    def is_system(self) -> bool:
        return self.user_id is None


_current: ContextVar[TenantContext | None] = ContextVar("tenant_context", default=None)
# Values read once per tenant context (`remembered`).
_remembered: ContextVar[dict[str, object] | None] = ContextVar("remembered", default=None)


def current_tenant() -> TenantContext:
    ctx = _current.get()
    if ctx is None:
        raise TenantContextMissing(
            "Tenant data was read with no tenant context. Reach it from a /d/<slug>/ view, "
            "or wrap task and command code in districts.tenancy.system_context(district)."
        )
    return ctx


def remembered(key: str, compute: Callable[[], T]) -> T:
    """`compute()`, once per tenant context (a request, a task): for what several parts of one
    page ask the database each (the latest import, on which cached figures depend), which
    nothing in the same request changes before they read it."""
    current_tenant()
    values = _remembered.get()
    if key not in values:
        values[key] = compute()
    return values[key]


def require_working_for(district, *objects) -> None:
    """The one cross-tenant guard, first in every service that writes a district's rows: the
    work must be for the current tenant's district, and every object it is handed (None
    skipped) must belong to that district. Views reach objects through scoped lookups, which
    already answer 404 for another district's, so this failing is a bug to stop, never a
    user's mistake to explain."""
    if current_tenant().district_id != district.pk:
        raise CrossTenantAccess(f"This work is for {district}, not the current tenant.")
    foreign = [o for o in objects if o is not None and o.district_id != district.pk]
    if foreign:
        names = ", ".join(str(o) for o in foreign)
        raise CrossTenantAccess(f"{names} belongs to another district than {district}.")


def _persona(ctx: TenantContext) -> str:
    if ctx.is_system:
        return db_walls.SYSTEM
    if ctx.role in SCHOOL_ROLES:
        return db_walls.SCHOOL
    if ctx.role in DISTRICT_WIDE_ROLES:
        return db_walls.STAFF
    if ctx.role == Role.PARTNER_STAFF:
        return db_walls.PARTNER
    raise ValueError(f"No database persona for role {ctx.role!r}.")


@contextmanager
def tenant_context(ctx: TenantContext) -> Iterator[TenantContext]:
    state = db_walls.DbState(
        role=_persona(ctx),
        district_id=ctx.district_id,
        school_ids=ctx.school_ids,
        user_id=ctx.user_id,
    )
    with db_walls.transaction_as(state):
        token, values = _current.set(ctx), _remembered.set({})
        try:
            yield ctx
        finally:
            _remembered.reset(values)
            _current.reset(token)


@contextmanager
def own_rows(user) -> Iterator[None]:
    """Before any district is chosen: the signed-in user's own memberships, nothing else."""
    with db_walls.transaction_as(db_walls.DbState(role=None, user_id=user.pk)):
        yield


@contextmanager
def token_rows(digest: str) -> Iterator[None]:
    """Before any district is chosen: the one API token whose secret's digest this is."""
    with db_walls.transaction_as(db_walls.DbState(role=None, token_digest=digest)):
        yield


@contextmanager
def operator_context(*, user=None, reason: str) -> Iterator[None]:
    """Work across districts on configuration, never on student records: the operators'
    admin site and setting up districts. Scoped querysets still refuse to run here."""
    state = db_walls.DbState(role=db_walls.OPERATOR, user_id=getattr(user, "pk", None))
    with db_walls.transaction_as(state):
        yield


def system_context(district, *, reason: str):
    """For background tasks and management commands acting on one whole district."""
    return tenant_context(
        TenantContext(
            district_id=district.pk, user_id=None, role=None, school_ids=None, reason=reason
        )
    )


def context_for_membership(membership) -> TenantContext:
    from .models import MembershipSchool

    school_ids = None
    if membership.role in SCHOOL_ROLES:
        # Memberships read by own_memberships know their schools already.
        known = getattr(membership, "own_school_ids", None)
        if known is not None:
            school_ids = frozenset(known)
        else:
            with own_rows(membership.user):
                school_ids = frozenset(
                    MembershipSchool.unscoped.filter(
                        district_id=membership.district_id, membership=membership
                    ).values_list("school_id", flat=True)
                )
    return TenantContext(
        district_id=membership.district_id,
        user_id=membership.user_id,
        role=Role(membership.role),
        school_ids=school_ids,
        reason="request",
    )


def own_memberships(user) -> list:
    """Every district the user may enter, by name, each membership with its district, its
    user and (`own_school_ids`) its schools: in one statement, what a request needs to choose
    its district, enter its tenant context and show the district switcher."""
    with own_rows(user):
        return own_memberships_read(user)


def own_memberships_read(user) -> list:
    """`own_memberships`, read in the `own_rows(user)` transaction the caller has open."""
    from django.contrib.postgres.expressions import ArraySubquery
    from django.db.models import OuterRef

    from .models import Membership, MembershipSchool

    return list(
        Membership.unscoped.filter(user=user, user__is_active=True)
        .select_related("district", "user")
        .annotate(
            own_school_ids=ArraySubquery(
                MembershipSchool.unscoped.filter(membership=OuterRef("pk")).values("school_id")
            )
        )
        .order_by("district__name")
    )


def district_page(request: HttpRequest) -> bool:
    """Whether TenantMiddleware reads the user's memberships for this request: a page of a
    district (/d/<slug>/…), not the REST API (which enters its district itself, after its own
    authentication) nor the operators' admin."""
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return False
    return (
        "district_slug" in match.kwargs
        and "api" not in match.app_names
        and "admin" not in match.app_names
    )


# The request attribute where TwoFactorMiddleware leaves the memberships it read.
MEMBERSHIPS_READ = "own_memberships_read"


def membership_for(user, district_slug: str, memberships: list | None = None):
    """The user's membership in the district named by the URL, or None (among `memberships`,
    when own_memberships was read already). Unknown districts and districts the user does not
    belong to look the same, so nobody can probe which exist."""
    if memberships is None:
        memberships = own_memberships(user)
    return next((m for m in memberships if m.district.slug == district_slug), None)


class TenantMiddleware:
    """Resolves /d/<district_slug>/… once per request and runs the view inside that
    district's tenant context. Goes after AuthenticationMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.district = None
        request.membership = None
        request.user_memberships = None
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return self.get_response(request)
        slug = match.kwargs.get("district_slug")
        if "api" in match.app_names:
            # The REST API enters the same context itself, after DRF has authenticated the
            # request by token or session (districts/api_access.py DistrictApi).
            return self.get_response(request)
        if "admin" in match.app_names and request.user.is_authenticated:
            if not (request.user.is_active and request.user.is_staff):
                return self.get_response(request)
            with operator_context(user=request.user, reason="operators-admin"):
                return self.get_response(request)
        if slug is None:
            return self.get_response(request)
        if not request.user.is_authenticated:
            query = urlencode({REDIRECT_FIELD_NAME: request.get_full_path()}, safe="/")
            return HttpResponseRedirect(f"{resolve_url(settings.LOGIN_URL)}?{query}")
        # Kept for the district switcher (attendance_platform/navigation.py). Read already, in
        # its own transaction, by TwoFactorMiddleware when it looked for the user's
        # authenticator (MEMBERSHIPS_READ).
        read = getattr(request, MEMBERSHIPS_READ, None)
        request.user_memberships = own_memberships(request.user) if read is None else read
        membership = membership_for(request.user, slug, request.user_memberships)
        if membership is None:
            raise Http404("No such district.")
        request.district = membership.district
        request.membership = membership
        with tenant_context(context_for_membership(membership)):
            response = self.get_response(request)
            if response.status_code >= 500:
                transaction.set_rollback(True)
            return response


class TenantTask(Task):
    """Base for Celery tasks working on one district's data. They are called with
    `district_id=` (an id, never an object) and run inside that district's tenant context and
    one transaction, rebuilt by the worker itself; a task called without it fails."""

    def __call__(self, *args, district_id: int, **kwargs):
        from .models import District

        district = District.objects.get(pk=district_id)
        with system_context(district, reason=f"task:{self.name}"):
            return super().__call__(*args, district_id=district_id, **kwargs)
