from __future__ import annotations

from districts.querysets import TenantQuerySet
from districts.roles import DISTRICT_WIDE_ROLES, STAFF_ROLES


class StaffOnlyQuerySet(TenantQuerySet):
    """District configuration and results that every staff role reads; partners never do."""

    readable_by = STAFF_ROLES


class SchoolScopedQuerySet(TenantQuerySet):
    readable_by = STAFF_ROLES
    school_lookup = "school"


class StudentQuerySet(TenantQuerySet):
    readable_by = STAFF_ROLES
    school_lookup = "school"


class AttendanceImportQuerySet(TenantQuerySet):
    # Imports span the whole district: only district-wide roles run and review them.
    readable_by = DISTRICT_WIDE_ROLES
