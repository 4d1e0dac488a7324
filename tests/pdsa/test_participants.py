"""Participants chosen from a school's students and the 2x10 grid: who may be added, and "How
much did we do?" counted from the ticks (students reached, sessions held of those planned,
share completing all sessions)."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError

from pdsa import selectors, services
from pdsa.models import Cycle, CycleStatus, Participant
from tests.reading import reading
from tiering.models import Student

from ..sis import import_file
from ..tiered import write
from .conftest import as_member
from .handmade import HOLIDAY, TEST_FIRST, TEST_LAST, daily, import_days, two_by_ten

MONDAY = date(2026, 10, 5)
TEST_DAYS = [MONDAY + timedelta(days=d) for d in (0, 1, 2, 3, 4, 7, 8, 9, 10, 11)]


def _students(*sis_ids):
    return list(Student.objects.filter(sis_id__in=sis_ids).order_by("sis_id"))


@pytest.fixture
def running(adams_cycle, principal):
    """The Adams 2x10 cycle dated Oct 5–16, 2026 (ten weekdays) and under way (Do)."""
    with as_member(principal):
        worksheet = services.WorksheetFields(
            **{name: getattr(adams_cycle, name) for name in services.WORKSHEET_FIELDS}
        )
        worksheet.first_day, worksheet.last_day = MONDAY, date(2026, 10, 16)
        services.cycle_update(cycle=adams_cycle, worksheet=worksheet)
        services.cycle_advance(cycle=adams_cycle, to=CycleStatus.DO)
    return adams_cycle


def test_it_adds_a_schools_students_with_their_band_now(adams_cycle, principal):
    with as_member(principal):
        added = services.participants_add(
            cycle=adams_cycle, students=_students("S3", "S6"), added_by=principal
        )
        again = services.participants_add(
            cycle=adams_cycle, students=_students("S3", "S4"), added_by=principal
        )
    assert [p.band_at_start for p in added] == ["moderate_chronic", "moderate_chronic"]
    assert [p.band_at_start for p in again] == ["severe_chronic"]  # S3 was already in
    assert all(p.planned_sessions == 10 for p in added + again)
    with reading():
        assert Participant.objects.filter(cycle=adams_cycle).count() == 3
        assert Cycle.objects.get(pk=adams_cycle.pk).reached == 3


def test_a_school_role_cannot_add_another_schools_student(
    adams_cycle, principal, other_school_principal, district_admin
):
    with reading():
        ivy = Student.objects.get(sis_id="S9")  # at Banneker
    with as_member(principal), pytest.raises(ValidationError) as refused:
        services.participants_add(cycle=adams_cycle, students=[ivy], added_by=principal)
    assert refused.value.messages == ["Not students of this cycle's schools: Ivy Ives (S9)."]
    # Nor can the district administrator put her in a cycle that runs at Adams only.
    with as_member(district_admin), pytest.raises(ValidationError, match="Ivy Ives"):
        services.participants_add(cycle=adams_cycle, students=[ivy], added_by=district_admin)
    with reading():
        assert not Participant.objects.exists()


def test_the_grid_counts_how_much_was_done(running, principal):
    with as_member(principal):
        ada, ben, cy = services.participants_add(
            cycle=running, students=_students("S1", "S2", "S3"), added_by=principal
        )
        services.participant_plan(participant=cy, planned_sessions=3)
        for participant, days in ((ada, TEST_DAYS), (ben, TEST_DAYS[:4]), (cy, TEST_DAYS[:3])):
            for day in days:
                services.session_tick(
                    participant=participant, held_on=day, held=True, ticked_by=principal
                )
        # Ticking twice holds one session; an untick takes it back.
        services.session_tick(participant=ben, held_on=TEST_DAYS[0], held=True, ticked_by=principal)
        services.session_tick(
            participant=ben, held_on=TEST_DAYS[3], held=False, ticked_by=principal
        )
        counts = selectors.participation(participants=Participant.objects.filter(cycle=running))
    # Ada 10 of 10, Ben 3 of 10, Cy 3 of 3: 16 of 23 sessions; Ada and Cy completed all.
    assert counts == selectors.Participation(
        reached=3, sessions_planned=23, sessions_held=16, completed_all=2
    )
    assert (counts.held_percent, counts.completed_percent) == (69.6, 66.7)
    with reading():
        stored = selectors.Participation.stored(Cycle.objects.get(pk=running.pk))
    assert stored == counts


def test_removing_a_participant_recounts(running, principal):
    with as_member(principal):
        ada, _ben = services.participants_add(
            cycle=running, students=_students("S1", "S2"), added_by=principal
        )
        services.session_tick(participant=ada, held_on=MONDAY, held=True, ticked_by=principal)
        services.participant_remove(participant=ada)
    with reading():
        stored = selectors.Participation.stored(Cycle.objects.get(pk=running.pk))
    assert stored == selectors.Participation(1, 10, 0, 0)
    assert selectors.Participation(0, 0, 0, 0).completed_percent is None


def test_ticks_wait_for_the_test_and_fall_on_its_school_days(adams_cycle, running, principal):
    with as_member(principal):
        (ada,) = services.participants_add(
            cycle=running, students=_students("S1"), added_by=principal
        )
        with pytest.raises(ValidationError, match="Oct 10, 2026 is not a school day"):
            services.session_tick(
                participant=ada, held_on=date(2026, 10, 10), held=True, ticked_by=principal
            )
        with pytest.raises(ValidationError, match="Oct 19, 2026 is not a school day"):
            services.session_tick(
                participant=ada, held_on=date(2026, 10, 19), held=True, ticked_by=principal
            )
        # No day of the test is on record: every weekday of it is planned.
        assert selectors.session_days(running) == TEST_DAYS


def test_no_ticks_before_the_test_starts(adams_cycle, principal):
    with as_member(principal):
        (ada,) = services.participants_add(
            cycle=adams_cycle, students=_students("S1"), added_by=principal
        )
        with pytest.raises(ValidationError, match="once the test has started"):
            services.session_tick(participant=ada, held_on=MONDAY, held=True, ticked_by=principal)


def test_without_a_last_day_the_grid_plans_as_many_weekdays_as_the_test(adams_cycle):
    adams_cycle.first_day = date(2026, 10, 8)  # a Thursday
    with reading():
        days = selectors.session_days(adams_cycle)
    assert len(days) == 10 and days[0] == date(2026, 10, 8) and days[-1] == date(2026, 10, 21)


def test_the_grid_plans_sessions_on_the_schools_instructional_days(
    district, school_year, school_a, school_b, principal, tmp_path, client
):
    """The hand-made school's test runs Oct 19-30 with Wednesday Oct 28 a holiday (handmade.py).
    With days on record only up to Oct 16, all ten weekdays are planned; once the days up to
    Nov 13 are imported the school recorded none on Oct 28, so it holds no session: nine
    columns, and a tick on Oct 28 is refused."""
    import_days(district, tmp_path, date(2026, 10, 16))
    cycle = two_by_ten(district, school_a, principal)
    weekdays = [TEST_FIRST + timedelta(days=d) for d in (0, 1, 2, 3, 4, 7, 8, 9, 10, 11)]
    with as_member(principal):
        assert selectors.session_days(cycle) == weekdays
    to_nov_13 = import_file(
        district,
        write(tmp_path, "to-nov-13.csv", daily(date(2026, 11, 13))),
        as_of=date(2026, 11, 13),
    )
    assert to_nov_13.status == "succeeded", to_nov_13.errors
    school_days = [day for day in weekdays if day != HOLIDAY]
    with as_member(principal):
        assert selectors.session_days(cycle) == school_days
        services.question_add(cycle=cycle, text="Will they come?", prediction="Yes")
        services.cycle_advance(cycle=cycle, to=CycleStatus.DO)
        cole = Participant.objects.get(cycle=cycle, student__sis_id="S3")
        with pytest.raises(ValidationError, match="Oct 28, 2026 is not a school day"):
            services.session_tick(participant=cole, held_on=HOLIDAY, held=True, ticked_by=principal)
        services.session_tick(participant=cole, held_on=TEST_LAST, held=True, ticked_by=principal)

    client.force_login(principal)
    page = client.get(f"/d/riverside/pdsa/{cycle.pk}/participants/").content.decode()
    assert "Thu 10/29" in page and "Wed 10/28" not in page
    assert "1 of 10" in page  # the planned count stays the team's own
