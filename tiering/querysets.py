from __future__ import annotations

from django.db.models import Q

from districts.querysets import TenantQuerySet
from districts.roles import IMPORT_ATTENDANCE, READ_DISTRICT_RECORDS, READ_STUDENT_ATTENDANCE
from districts.tenancy import current_tenant


class StaffOnlyQuerySet(TenantQuerySet):
    """District configuration and results that every staff role reads; partners never do."""

    readable_by = READ_DISTRICT_RECORDS


class SchoolScopedQuerySet(TenantQuerySet):
    readable_by = READ_STUDENT_ATTENDANCE
    school_lookup = "school"


class StandingQuerySet(SchoolScopedQuerySet):
    def across_district(self, *, snapshot) -> StandingQuerySet:
        """Each student's standing across the whole district in one snapshot: their district
        row (school empty) where they attended more than one school, else the row of their one
        school, which ingest.classify leaves standing for both. Only for readers of the whole
        district: a school role's standings hold neither district rows nor other schools'."""
        rows = self.filter(snapshot=snapshot)
        transfers = rows.filter(school__isnull=True).values("student_id")
        return rows.filter(Q(school__isnull=True) | ~Q(student_id__in=transfers))


class BandTallyQuerySet(SchoolScopedQuerySet):
    def visible(self) -> BandTallyQuerySet:
        """The tallies the current reader may see: as their role and schools allow in a
        request, the whole district's for system work (tasks, commands)."""
        ctx = current_tenant()
        return self if ctx.is_system else self._visible_in(ctx)


class StudentQuerySet(TenantQuerySet):
    readable_by = READ_STUDENT_ATTENDANCE
    school_lookup = "school"


class AttendanceImportQuerySet(TenantQuerySet):
    readable_by = IMPORT_ATTENDANCE
