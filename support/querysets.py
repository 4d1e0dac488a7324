from __future__ import annotations

from districts.querysets import TenantQuerySet
from districts.roles import READ_REFERRAL_COUNTS, READ_STUDENT_SUPPORT


class SupportQuerySet(TenantQuerySet):
    """A student's support records: every staff role of the district reads them (cabinet too);
    a school role only those of students now enrolled at its schools, so the history moves with
    a student who transfers within the district. Partner staff and facilitators: none."""

    readable_by = READ_STUDENT_SUPPORT
    school_lookup = "student__school"


class ReferralTallyQuerySet(TenantQuerySet):
    """Counts of referrals by school and month, without a name: staff, and partner staff for
    their own organisation (narrowed by the partner views)."""

    readable_by = READ_REFERRAL_COUNTS
