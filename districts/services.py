"""Everything that changes districts, schools, school years, users and memberships.

Services that write a district's rows run inside that district's tenant context (a request, or
`system_context` in tasks and commands) and refuse any other district's objects.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from .models import District, Grade, Membership, MembershipSchool, School, SchoolYear, User
from .roles import SCHOOL_ROLES, Role
from .tenancy import CrossTenantAccess, current_tenant, operator_context


@transaction.atomic
def district_create(
    *,
    slug: str,
    name: str,
    state: str,
    timezone: str = "America/New_York",
    minimum_days_enrolled: int = 10,
    school_year_start_month: int = 8,
    school_year_start_day: int = 1,
) -> District:
    district = District(
        slug=slug,
        name=name,
        state=state.upper(),
        timezone=timezone,
        minimum_days_enrolled=minimum_days_enrolled,
        school_year_start_month=school_year_start_month,
        school_year_start_day=school_year_start_day,
    )
    # Setting up a district is operators' work across districts.
    with operator_context(reason="district_create"):
        district.full_clean()
        district.save()
    return district


def require_working_for(district: District) -> None:
    if current_tenant().district_id != district.pk:
        raise CrossTenantAccess(f"This work is for {district}, not the current tenant.")


@transaction.atomic
def school_create(
    *, district: District, sis_code: str, name: str, low_grade: Grade, high_grade: Grade
) -> School:
    require_working_for(district)
    school = School(
        district=district,
        sis_code=sis_code.strip(),
        name=name.strip(),
        low_grade=low_grade,
        high_grade=high_grade,
    )
    school.full_clean()
    school.save()
    return school


@transaction.atomic
def school_year_create(
    *, district: District, label: str, first_day: date, last_day: date, instructional_days: int
) -> SchoolYear:
    require_working_for(district)
    year = SchoolYear(
        district=district,
        label=label,
        first_day=first_day,
        last_day=last_day,
        instructional_days=instructional_days,
    )
    year.full_clean()
    year.save()
    return year


@transaction.atomic
def user_create(
    *, email: str, password: str | None, full_name: str = "", is_facilitator: bool = False
) -> User:
    return User.objects.create_user(
        email, password, full_name=full_name, is_facilitator=is_facilitator
    )


@transaction.atomic
def membership_grant(
    *, district: District, user: User, role: Role, schools: Iterable[School] = ()
) -> Membership:
    """Gives `user` a role in `district` (replacing any role they held there)."""
    require_working_for(district)
    schools = list(schools)
    foreign = [s for s in schools if s.district_id != district.pk]
    if foreign:
        raise ValidationError(
            f"{', '.join(s.name for s in foreign)} belongs to another district than {district}."
        )
    if role in SCHOOL_ROLES and not schools:
        raise ValidationError(f"A {Role(role).label.lower()} must be assigned at least one school.")
    if role not in SCHOOL_ROLES and schools:
        raise ValidationError(
            f"A {Role(role).label.lower()} covers the whole district; do not name schools."
        )
    membership, _created = Membership.unscoped.update_or_create(
        district=district, user=user, defaults={"role": role}
    )
    membership.full_clean()
    MembershipSchool.unscoped.filter(district=district, membership=membership).exclude(
        school__in=schools
    ).delete()
    MembershipSchool.unscoped.bulk_create(
        [MembershipSchool(district=district, membership=membership, school=s) for s in schools],
        ignore_conflicts=True,
    )
    return membership
