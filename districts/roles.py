from django.db import models


class Role(models.TextChoices):
    DISTRICT_ADMIN = "district_admin", "District administrator"
    CABINET_MEMBER = "cabinet_member", "Cabinet member"
    PRINCIPAL = "principal", "Principal"
    SCHOOL_TEAM = "school_team", "School attendance team member"
    PARTNER_STAFF = "partner_staff", "Partner staff"


# School roles see only the schools their membership names (FERPA "legitimate educational
# interest"); district-wide roles see every school of their district.
SCHOOL_ROLES = frozenset({Role.PRINCIPAL, Role.SCHOOL_TEAM})
DISTRICT_WIDE_ROLES = frozenset({Role.DISTRICT_ADMIN, Role.CABINET_MEMBER})
STAFF_ROLES = DISTRICT_WIDE_ROLES | SCHOOL_ROLES
