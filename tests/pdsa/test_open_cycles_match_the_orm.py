"""The tiered list's "Add to a PDSA cycle" offers a school's open cycles, read in one statement
written out in SQL (pdsa.selectors.open_cycles), whose tenant filters restate
CycleQuerySet.for_user's. For every role, inside the tenant context a request of theirs enters,
at every school, it offers what the ORM gives: `Cycle.objects.for_user(user)` in Plan or Do
naming the school, those the user may run (may_run, told by naming_other_schools which name a
school beyond a school role's own), newest change idea first, then by change idea and number.

The cycles: Adams' 2x10 ramp (cycle 1 in Study, 2 in Do, 3 in Plan); one change idea tried at
Adams and Banneker together and, created at the same moment, Banneker's walking school bus
(cycle 1 in Plan, 2 in Act); a district-wide cycle naming no school; the youth club's ramp at
Adams, the newest (cycle 1 in Act, 2 in Plan; partner staff read it); and a cycle of
Lakeview's, another district.
"""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from districts.tenancy import current_tenant, system_context
from pdsa.models import ChangeIdea, Cycle, CyclePartnerEntry, CycleSchool, CycleStatus
from pdsa.selectors import may_run, naming_other_schools, open_cycles
from tests.requesters import PERSONAS, as_persona, every_role

PLAN, DO, STUDY, ACT = CycleStatus.PLAN, CycleStatus.DO, CycleStatus.STUDY, CycleStatus.ACT


def _ramp(district, title, *, created_at, created_by, cycles, entries=()):
    """A change idea and its cycles, each (status, the schools it names)."""
    with system_context(district, reason="test fixture"):
        idea = ChangeIdea.objects.create(
            district=district, title=title, created_by=created_by, created_at=created_at
        )
        for number, (status, schools) in enumerate(cycles, start=1):
            cycle = Cycle.objects.create(
                district=district,
                change_idea=idea,
                number=number,
                title=title,
                status=status,
                created_by=created_by,
            )
            for school in schools:
                CycleSchool.objects.create(district=district, cycle=cycle, school=school)
            for entry in entries:
                CyclePartnerEntry.objects.create(district=district, cycle=cycle, entry=entry)


def _day(day: int) -> datetime:
    return datetime(2026, 11, day, 15, tzinfo=UTC)


@pytest.fixture
def schools(
    district,
    school_a,
    school_b,
    district_admin,
    club_entry,
    pia,
    other_district,
    other_school,
    outsider,
):
    """The schools the list action is asked about, by name."""
    adams, banneker = school_a, school_b
    for title, day, cycles in (
        ("Adams 2x10", 2, [(STUDY, [adams]), (DO, [adams]), (PLAN, [adams])]),
        ("Adams and Banneker mentors", 3, [(DO, [adams, banneker])]),
        ("Banneker walking school bus", 3, [(PLAN, [banneker]), (ACT, [banneker])]),
        ("District-wide attendance awareness", 4, [(PLAN, [])]),
    ):
        _ramp(district, title, created_at=_day(day), created_by=district_admin, cycles=cycles)
    _ramp(
        district,
        "Youth club STEM",
        created_at=_day(5),
        created_by=district_admin,
        cycles=[(ACT, [adams]), (PLAN, [adams])],
        entries=[club_entry],
    )
    _ramp(
        other_district,
        "Lakeview 2x10",
        created_at=_day(5),
        created_by=outsider,
        cycles=[(PLAN, [other_school])],
    )
    return {"Adams": adams, "Banneker": banneker, "Lakeview": other_school}


def _offered_by_the_orm(user, school) -> list[Cycle]:
    ctx = current_tenant()
    cycles = list(
        Cycle.objects.for_user(user)
        .filter(
            status__in=[PLAN, DO],
            pk__in=CycleSchool.objects.filter(school=school).values("cycle_id"),
        )
        .order_by("-change_idea__created_at", "change_idea_id", "number")
        .prefetch_related("schools")
    )
    others = naming_other_schools(ctx=ctx, cycle_ids=[c.pk for c in cycles])
    return [
        c
        for c in cycles
        if may_run(
            ctx=ctx,
            school_ids={s.pk for s in c.schools.all()},
            names_other_schools=c.pk in others,
        )
    ]


@pytest.mark.parametrize(("role", "persona"), every_role())
def test_the_statement_offers_the_cycles_the_orm_gives(request, role, persona, schools):
    with as_persona(request, role, persona) as user:
        for name, school in schools.items():
            with CaptureQueriesContext(connection) as statements:
                offered = [c.pk for c in open_cycles(user=user, school=school)]
            assert offered == [c.pk for c in _offered_by_the_orm(user, school)], name
            # One statement however many cycles, whether they name other schools included.
            assert len(statements) <= 1, name


SHARED = "Adams and Banneker mentors, cycle 1"
ADAMS = ["Youth club STEM, cycle 2", SHARED, "Adams 2x10, cycle 2", "Adams 2x10, cycle 3"]
BANNEKER = [SHARED, "Banneker walking school bus, cycle 1"]
# What each persona is offered at each school: district roles every school's cycles, school
# roles those of their own schools naming no other school (the cycle Adams shares with
# Banneker only to Tom, whose schools both are), partner staff none, Oscar only Lakeview's.
OFFERS = {
    "district_admin": {"Adams": ADAMS, "Banneker": BANNEKER, "Lakeview": []},
    "outsider": {"Adams": [], "Banneker": [], "Lakeview": ["Lakeview 2x10, cycle 1"]},
    "principal": {"Adams": [c for c in ADAMS if c != SHARED], "Banneker": [], "Lakeview": []},
    "other_school_principal": {
        "Adams": [],
        "Banneker": [c for c in BANNEKER if c != SHARED],
        "Lakeview": [],
    },
    "partner_staff": {"Adams": [], "Banneker": [], "Lakeview": []},
}
OFFERS["cabinet_member"] = OFFERS["two_school_team_member"] = OFFERS["district_admin"]
OFFERS["school_team_member"] = OFFERS["principal"]


def test_the_roles_are_offered_different_cycles(request, schools):
    """The comparison above is no agreement on nothing: the data give the personas answers of
    their own, school roles fewer than the district's administrator."""
    offers = {}
    for role, personas in PERSONAS.items():
        for persona in personas:
            with as_persona(request, role, persona) as user:
                offers[persona] = {
                    name: [str(c) for c in _offered_by_the_orm(user, school)]
                    for name, school in schools.items()
                }
    assert offers == OFFERS
