from __future__ import annotations

from districts.querysets import TenantQuerySet
from districts.roles import STAFF_ROLES


class AssessmentPartQuerySet(TenantQuerySet):
    """Assessments are the district's own planning: every staff role reads them (school roles
    too, since the plan is about supporting their schools); partner staff never see them."""

    readable_by = STAFF_ROLES
