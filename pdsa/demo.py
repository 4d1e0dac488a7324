"""The demo district's PDSA cycles, at the demo principal's school: the source's 2x10
Relationship Strategy run by the attendance team with eight Moderate chronic students (six
checked in all ten days, as in the source), its Adapt follow-up cycle 2, and a Walking School
Bus cycle for Transportation Barriers with the church that runs it. The worksheet's words for
the 2x10 cycle's Do, results and Act are the source's example, word for word."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

from districts.models import District, MembershipSchool, School, SchoolYear, User
from districts.roles import Role
from partners.models import AbsenceReason, Intervention, PartnerEntry
from tiering import selectors as tiering_selectors
from tiering.bands import Band
from tiering.models import AttendanceDay, Snapshot, Standing, Student
from tiering.synthetic import DAILY_COLUMNS

from . import selectors, services
from .models import ActDecision, ChangeIdea, Cycle, CycleStatus, CycleTemplate, Participant

DEMO_TEAM_LOGIN = "team@cedarvalley.example"
DEMO_PRINCIPAL_LOGIN = "principal@cedarvalley.example"
TWO_BY_TEN = "2x10-relationship-strategy"
PARTICIPANTS = 8
# Of the 8 students, 6 showed up all ten days; the other two, some of them.
PARTIAL_SESSIONS = (7, 4)
# The ten school days before the test: the 2x10 students miss one each, the first two two,
# as Moderate chronic students do (10 of 80 days, 87.5%) ...
BEFORE_DAYS = 10
UNEXCUSED_BEFORE = ((2, 7), (4, 8), (5,), (1,), (8,), (3,), (6,), (0,))
# ... and from the test's first day on only these, counted in their school days from it (the
# source: "One student had two excused absences for illness. A second student had one excused
# absence").
EXCUSED_FROM_TEST = ((13, 14), (17,))

DO_TEXT = (
    "Prioritizing which of the chronically absent students to contact proved to be a challenge. "
    "Once the students were selected, Team members each contacted one student to meet with.\n"
    "Initially, the students thought they were in trouble, particularly when the principal "
    "contacted her student.\n"
    "Of the 8 students, 6 actually showed up all ten consecutive days."
)
RESULTS = (
    "All Team members were able to participate each of the ten days.",
    "Six students checked in all ten days.",
    "One student had two excused absences for illness. A second student had one excused "
    "absence, also for illness. Six students had no unexcused absences for the 2 weeks "
    "following the 2x10.",
    "Attendance Team members decide to implement the 2x10 with one additional student and check "
    "in at least once per week with their student from group one.",
    "There were reductions in referrals for behavior for the 6 students who participated.",
)
ACT_TEXT = (
    "Develop criteria to prioritize students selected to participate\n"
    "Provide Caring Conversations Training and active listening techniques for Attendance Team "
    "members and other staff\n"
    "Ask Team members to do one more cycle with different students before implementing more "
    "broadly with teachers"
)

WALKING_SCHOOL_BUS = services.WorksheetFields(
    title="Walking School Bus",
    testers="Attendance Team and Grace Community Church volunteers",
    idea=(
        "Volunteers walk a set route each morning and collect students who live within a mile "
        "of school and have no reliable ride, so that getting to school no longer depends on a "
        "car or a bus."
    ),
    planned_days=10,
    goal=(
        "Students whose absences come from transportation barriers miss fewer days, and "
        "families have a dependable way to school."
    ),
    driver="Transportation Barriers",
)
WALKING_QUESTIONS = (
    (
        "How many of the invited students will walk with the bus on most days?",
        "At least 4 of the 5 students walk on 8 of the 10 days",
        "The volunteers' daily sign-in sheet",
    ),
    (
        "Does attendance improve for the students who walk?",
        "The walkers miss fewer days in the month after than in the month before",
        "Student attendance before, during and after the test",
    ),
)
WALKING_STEPS = (
    ("Map the students within a mile of school who miss days for lack of a ride", "Principal"),
    ("Call each family to invite them and agree the pick-up point", "Attendance Team"),
    ("Walk the route every school morning and sign in each student", "Church volunteers"),
)


def seed_demo_cycles(*, district: District, as_of: date) -> None:
    """Idempotent: a district already holding the demo's change ideas is left alone."""
    if ChangeIdea.objects.for_district(district).filter(title="2x10 Strategy").exists():
        return
    school = _principals_school(district)
    team = User.objects.get(email=DEMO_TEAM_LOGIN)
    principal = User.objects.get(email=DEMO_PRINCIPAL_LOGIN)
    first_day = _test_start(district, as_of)
    last_day = first_day + timedelta(days=11)  # the second Friday: ten school days
    _two_by_ten(district, school, team, first_day, last_day, as_of)
    _walking_school_bus(district, school, principal, first_day + timedelta(weeks=3), as_of)


def _principals_school(district: District) -> School:
    link = MembershipSchool.objects.for_district(district).get(
        membership__user__email=DEMO_PRINCIPAL_LOGIN, membership__role=Role.PRINCIPAL
    )
    return link.school


def _test_start(district: District, as_of: date) -> date:
    """The first Monday six weeks into the school year, as the source's test ran in early
    October."""
    year = SchoolYear.objects.for_district(district).current(as_of)
    day = year.first_day + timedelta(weeks=6)
    return day + timedelta(days=(7 - day.weekday()) % 7)


def _students(school: School, band: Band, count: int) -> list[Student]:
    snapshot = tiering_selectors.current_snapshot(snapshots=Snapshot.objects.all())
    ids = (
        Standing.objects.filter(snapshot=snapshot, school=school, band=band)
        .order_by("student__sis_id")
        .values_list("student_id", flat=True)[:count]
    )
    return list(Student.objects.filter(pk__in=list(ids), school=school).order_by("sis_id"))


def _dated(cycle, first_day: date, last_day: date, **more):
    worksheet = services.WorksheetFields(
        **{name: getattr(cycle, name) for name in services.WORKSHEET_FIELDS}
    )
    worksheet.first_day, worksheet.last_day = first_day, last_day
    for name, value in more.items():
        setattr(worksheet, name, value)
    return services.cycle_update(cycle=cycle, worksheet=worksheet)


def _tick(cycle, participants, sessions: list[int], user: User, as_of: date) -> None:
    """The first `held` days of each participant's test are ticked, up to the demo's date."""
    days = [day for day in selectors.session_days(cycle) if day <= as_of]
    for participant, held in zip(participants, sessions, strict=False):
        for day in days[:held]:
            services.session_tick(participant=participant, held_on=day, held=True, ticked_by=user)


def _two_by_ten(district, school, team, first_day, last_day, as_of) -> None:
    cycle = services.cycle_create(
        district=district,
        created_by=team,
        schools=[school],
        template=CycleTemplate.objects.get(code=TWO_BY_TEN),
    )
    services.cycle_links_set(
        cycle=cycle,
        schools=[school],
        reasons=AbsenceReason.objects.filter(code="lack-connectedness"),
        interventions=Intervention.objects.filter(code="playbook-mentors"),
    )
    services.cycle_advance(cycle=cycle, to=CycleStatus.DO)
    _dated(cycle, first_day, last_day, do_text=DO_TEXT)
    participants = services.participants_add(
        cycle=cycle,
        students=_students(school, Band.MODERATE_CHRONIC, PARTICIPANTS),
        added_by=team,
    )
    full = max(len(participants) - len(PARTIAL_SESSIONS), 0)
    _tick(cycle, participants, [cycle.planned_days] * full + list(PARTIAL_SESSIONS), team, as_of)
    services.cycle_advance(cycle=cycle, to=CycleStatus.STUDY)
    for question, result in zip(cycle.questions.order_by("position"), RESULTS, strict=True):
        services.question_update(
            question=question,
            text=question.text,
            prediction=question.prediction,
            data_to_collect=question.data_to_collect,
            result=result,
        )
    services.cycle_decide(cycle=cycle, decision=ActDecision.ADAPT, act_text=ACT_TEXT)
    services.cycle_next(cycle=cycle, created_by=team)


def _walking_school_bus(district, school, principal, first_day, as_of) -> None:
    entry = PartnerEntry.objects.for_district(district).get(
        organization__name="Grace Community Church", provided="Walking School Bus volunteers"
    )
    cycle = services.cycle_create(
        district=district, created_by=principal, schools=[school], title=WALKING_SCHOOL_BUS.title
    )
    services.cycle_update(cycle=cycle, worksheet=WALKING_SCHOOL_BUS)
    services.cycle_links_set(
        cycle=cycle,
        schools=[school],
        reasons=AbsenceReason.objects.filter(code="transportation-barriers"),
        interventions=Intervention.objects.filter(code="walking-school-bus"),
        partner_entries=[entry],
    )
    for text, prediction, data in WALKING_QUESTIONS:
        services.question_add(cycle=cycle, text=text, prediction=prediction, data_to_collect=data)
    for text, owner in WALKING_STEPS:
        services.step_add(cycle=cycle, text=text, owner=owner)
    services.cycle_advance(cycle=cycle, to=CycleStatus.DO)
    _dated(cycle, first_day, first_day + timedelta(days=11))
    walkers = services.participants_add(
        cycle=cycle, students=_students(school, Band.AT_RISK, 5), added_by=principal
    )
    _tick(cycle, walkers, [10, 9, 8, 8, 6], principal, as_of)


def write_two_by_ten_days(*, district: District, path: Path) -> Path | None:
    """The 2x10 participants' days from the ten school days before the test on, as a
    year-to-date daily file (replacing those days when imported): a day or two missed before
    the test, then present every school day they are enrolled but for the source's three
    excused absences, so that their attendance improves after the test while the comparison
    group's, left as generated, does not. The same days each run, so the file is
    byte-identical and imported once. None before the cycle exists."""
    cycle = (
        Cycle.objects.for_district(district)
        .filter(change_idea__title="2x10 Strategy", number=1, first_day__isnull=False)
        .first()
    )
    if cycle is None:
        return None
    students = list(
        Participant.objects.filter(cycle=cycle)
        .order_by("student__sis_id")
        .values_list("student_id", "student__sis_id")
    )
    rows = []
    for k, (student, sis_id) in enumerate(students):
        days = AttendanceDay.objects.filter(student_id=student).values_list(
            "date", "school__sis_code"
        )
        before = list(days.filter(date__lt=cycle.first_day).order_by("-date")[:BEFORE_DAYS])[::-1]
        missed = UNEXCUSED_BEFORE[k % len(UNEXCUSED_BEFORE)]
        rows += [
            (sis_id, school, day.isoformat(), "U" if i in missed else "P")
            for i, (day, school) in enumerate(before)
        ]
        excused = EXCUSED_FROM_TEST[k] if k < len(EXCUSED_FROM_TEST) else ()
        after = days.filter(date__gte=cycle.first_day).order_by("date")
        rows += [
            (sis_id, school, day.isoformat(), "E" if i in excused else "P")
            for i, (day, school) in enumerate(after)
        ]
    with path.open("w", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(DAILY_COLUMNS)
        writer.writerows(rows)
    return path
