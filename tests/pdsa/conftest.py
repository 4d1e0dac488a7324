"""PDSA personas' objects: a cycle run at Adams from the 2x10 template (tests/pdsa/fixtures.py),
a cycle at Banneker, one at both, and the youth club named in the Adams cycle (so Pia reads
it)."""

import pytest

from districts.models import Membership
from districts.tenancy import context_for_membership, tenant_context
from pdsa import services
from tests.reading import reading
from tiering.models import Student


def as_member(user, district="riverside"):
    """The tenant context the user's requests run in, for calling services as them."""
    with reading(district) as ctx:
        membership = Membership.unscoped.get(user=user, district_id=ctx.district_id)
    return tenant_context(context_for_membership(membership))


@pytest.fixture
def adams_cycle(tiered, principal, template, district):
    with as_member(principal):
        return services.cycle_create(
            district=district, created_by=principal, schools=[tiered], template=template
        )


@pytest.fixture
def banneker_cycle(tiered, other_school_principal, district, school_b):
    with as_member(other_school_principal):
        return services.cycle_create(
            district=district,
            created_by=other_school_principal,
            schools=[school_b],
            title="Walking School Bus",
        )


@pytest.fixture
def shared_cycle(tiered, district_admin, template, district, school_b):
    """Mentoring at Adams and Banneker from the 2x10 template, with Cy Cole (S3, of Adams)."""
    with as_member(district_admin):
        cycle = services.cycle_create(
            district=district,
            created_by=district_admin,
            schools=[tiered, school_b],
            template=template,
            title="Adams and Banneker mentors",
        )
        services.participants_add(
            cycle=cycle, students=Student.objects.filter(sis_id="S3"), added_by=district_admin
        )
    return cycle


@pytest.fixture
def partnered_cycle(adams_cycle, club_entry, principal):
    """The Adams cycle naming the youth club's entry: Pia's organisation is in it."""
    with as_member(principal):
        services.cycle_links_set(
            cycle=adams_cycle, schools=[adams_cycle.schools.get()], partner_entries=[club_entry]
        )
    return adams_cycle


@pytest.fixture
def with_participants(partnered_cycle, banneker_cycle, principal, other_school_principal):
    """Cy Cole (S3) and Fay Ford (S6) in the partnered Adams cycle, Ivy Ives (S9) in Banneker's."""
    with as_member(principal):
        services.participants_add(
            cycle=partnered_cycle,
            students=Student.objects.filter(sis_id__in=["S3", "S6"]),
            added_by=principal,
        )
    with as_member(other_school_principal):
        services.participants_add(
            cycle=banneker_cycle,
            students=Student.objects.filter(sis_id="S9"),
            added_by=other_school_principal,
        )
    return partnered_cycle
