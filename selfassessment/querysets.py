from __future__ import annotations

from districts.querysets import TenantQuerySet
from districts.roles import READ_SELF_ASSESSMENT


class AssessmentPartQuerySet(TenantQuerySet):
    """Assessments are the district's own planning (who reads them: roles.py)."""

    readable_by = READ_SELF_ASSESSMENT
