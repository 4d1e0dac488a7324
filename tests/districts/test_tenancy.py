import pytest
from django.core.exceptions import ValidationError

from districts.models import Membership, School, SchoolYear
from districts.roles import Role
from districts.services import membership_grant
from districts.tenancy import (
    CrossTenantAccess,
    TenantContextMissing,
    context_for_membership,
    current_tenant,
    require_working_for,
    system_context,
    tenant_context,
)
from tests.reading import reading


def _context_of(user, district):
    with reading(district):
        membership = Membership.unscoped.get(user=user, district=district)
    return tenant_context(context_for_membership(membership))


def test_it_raises_when_tenant_data_is_read_without_a_context(school_a):
    with pytest.raises(TenantContextMissing):
        list(School.objects.all())


def test_it_never_returns_another_districts_rows_even_unfiltered(district, school_a, other_school):
    with system_context(district, reason="test"):
        assert list(School.objects.all()) == [school_a]


def test_it_refuses_to_mix_tenants(district, other_district, school_a):
    with system_context(district, reason="test"), pytest.raises(CrossTenantAccess):
        School.objects.for_district(other_district)


def test_principal_sees_only_their_school(district, school_a, school_b, principal):
    with _context_of(principal, district):
        assert list(School.objects.for_user(principal)) == [school_a]


def test_cabinet_member_sees_every_school_of_their_district(
    district, school_a, school_b, other_school, cabinet_member
):
    with _context_of(cabinet_member, district):
        assert set(School.objects.for_user(cabinet_member)) == {school_a, school_b}


def test_for_user_refuses_someone_other_than_the_requester(district, principal, cabinet_member):
    with _context_of(principal, district), pytest.raises(CrossTenantAccess):
        School.objects.for_user(cabinet_member)


def test_for_user_filters_by_the_district_once_and_by_its_own_context(
    district, other_district, school_a, principal, outsider
):
    district_filter = '"districts_school"."district_id" = '
    with _context_of(principal, district):
        assert str(School.objects.for_user(principal).query).count(district_filter) == 1
    # A queryset made in one district's context and narrowed in another's is filtered by the
    # later one's district too.
    with system_context(district, reason="test"):
        made_in_riverside = School.objects.all()
    with _context_of(outsider, other_district):
        sql = str(made_in_riverside.for_user(outsider).query)
    assert f"{district_filter}{other_district.pk}" in sql


def test_school_years_are_district_wide_for_school_roles(district, school_year, principal):
    with _context_of(principal, district):
        assert list(SchoolYear.objects.for_user(principal)) == [school_year]


def test_only_district_admins_see_who_holds_which_role(
    district, district_admin, principal, cabinet_member
):
    with _context_of(district_admin, district):
        assert Membership.objects.for_user(district_admin).count() == 3
    with _context_of(cabinet_member, district):
        assert [m.user for m in Membership.objects.for_user(cabinet_member)] == [cabinet_member]


def test_the_context_ends_with_its_block(district):
    with system_context(district, reason="test"):
        assert current_tenant().district_id == district.pk
    with pytest.raises(TenantContextMissing):
        current_tenant()


def test_a_school_role_must_name_schools_of_its_own_district(district, other_school, principal):
    with (
        system_context(district, reason="test"),
        pytest.raises(ValidationError, match="another district"),
    ):
        membership_grant(
            district=district, user=principal, role=Role.PRINCIPAL, schools=[other_school]
        )
    with (
        system_context(district, reason="test"),
        pytest.raises(ValidationError, match="at least one school"),
    ):
        membership_grant(district=district, user=principal, role=Role.PRINCIPAL)


def test_services_refuse_another_districts_work(district, other_district, principal):
    with system_context(other_district, reason="test"), pytest.raises(CrossTenantAccess):
        membership_grant(district=district, user=principal, role=Role.CABINET_MEMBER)


def test_services_refuse_another_districts_objects(district, school_a, other_school):
    with system_context(district, reason="test"):
        require_working_for(district, school_a, None)
        with pytest.raises(CrossTenantAccess, match="belongs to another district"):
            require_working_for(district, school_a, other_school)
