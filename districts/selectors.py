from __future__ import annotations

from datetime import date

from django.db.models import Count, QuerySet

from .audit import student_record_types
from .models import AuditEvent, Membership, School, SchoolYear, User
from .roles import Role
from .tenancy import own_memberships


def memberships_of(user: User) -> list[Membership]:
    """Every district the user may enter, for the district switcher. The only read across
    districts, and it is limited to the user's own membership rows."""
    return own_memberships(user)


def visible_schools(*, user: User) -> QuerySet[School]:
    return School.objects.for_user(user).annotate(staff_count=Count("memberships"))


def current_school_year(*, user: User, today: date) -> SchoolYear | None:
    return SchoolYear.objects.for_user(user).current(today)


def district_people(*, user: User) -> QuerySet[Membership]:
    return (
        Membership.objects.for_user(user)
        .select_related("user")
        .prefetch_related("schools")
        .order_by("role", "user__full_name", "user__email")
    )


def people_count_by_role(*, user: User) -> list[tuple[str, int]]:
    counts = dict(
        Membership.objects.for_user(user)
        .order_by()
        .values("role")
        .annotate(n=Count("pk"))
        .values_list("role", "n")
    )
    return [(role.label, counts.get(role.value, 0)) for role in Role]


def audit_events(*, user: User, filters: dict) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.for_user(user)
    if filters.get("who"):
        events = events.filter(user_email__icontains=filters["who"])
    if filters.get("action"):
        events = events.filter(action=filters["action"])
    if filters.get("since"):
        events = events.filter(at__date__gte=filters["since"])
    if filters.get("until"):
        events = events.filter(at__date__lte=filters["until"])
    if filters.get("student"):
        # Disclosures of one student's records (FERPA §99.32(c)): every event naming them.
        events = events.filter(
            object_type__in=student_record_types(), object_ids__contains=[filters["student"]]
        )
    return events
