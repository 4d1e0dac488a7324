"""A hand-made school for the Study: six weeks of October and November 2026 with a holiday on
Wednesday Oct 28, a test over Oct 19-30, and each student's marks. Every figure the tests
expect is worked out in their comments (test_outcomes.py, test_study_results.py)."""

from datetime import date, timedelta

from pdsa import services
from tiering.models import Student

from ..sis import import_file
from ..tiered import ROSTER, write
from .conftest import as_member

HOLIDAY = date(2026, 10, 28)
DAYS = [
    date(2026, 10, 5) + timedelta(days=k)
    for k in range(40)
    if (date(2026, 10, 5) + timedelta(days=k)).weekday() < 5
    and date(2026, 10, 5) + timedelta(days=k) != HOLIDAY
]
# Absences and other marks; every other school day is P.
MARKS = {
    # Comparison: Severe at the start (2 of 10), and absent twice again after the test.
    "S1": {"2026-10-05": "U", "2026-10-06": "U", "2026-11-02": "U", "2026-11-03": "U"},
    "S2": {"2026-10-09": "U", "2026-11-10": "U"},  # Moderate at the start: not comparable
    # Participants: 4 of 10 absent before, an excused day during, half a day after.
    "S3": {
        "2026-10-05": "U",
        "2026-10-06": "U",
        "2026-10-07": "U",
        "2026-10-08": "U",
        "2026-10-19": "E",
        "2026-11-03": "H",
    },
    # 3 of 10 before (a suspension counts); in-school suspension and a tardy after do not.
    "S4": {
        "2026-10-12": "S",
        "2026-10-13": "U",
        "2026-10-14": "E",
        "2026-11-04": "ISS",
        "2026-11-05": "T",
    },
    "S5": {"2026-10-05": "U", "2026-10-06": "U"},  # Severe, but in grade 4
    "S6": {},
}
TEST_FIRST, TEST_LAST = date(2026, 10, 19), date(2026, 10, 30)


def daily(through: date, marks_of: dict[str, dict[str, str]] = MARKS) -> str:
    rows = [
        f"{student},101,{day},{marks.get(str(day), 'P')}\n"
        for student, marks in marks_of.items()
        for day in DAYS
        if day <= through
    ]
    return "student_id,school_code,date,attendance_code\n" + "".join(rows)


# The attendance team's group of eight (the browser journey): twelve Adams third-graders each
# missed one of the ten school days before the test (10%: Moderate chronic on Oct 16) and two
# missed none. The team picks M1-M8, who then miss no day during or after the test; M9-M12,
# the comparison group, miss one day during it and one of the ten after (90%). Two weeks
# after: participants 90% → 100%, comparison 90% → 90%, a difference in differences of +10.0
# points, descriptive only (8 and 4 students).
GROUP = [
    ("M1", "Ana", "Acosta"),
    ("M2", "Ben", "Baker"),
    ("M3", "Cal", "Cruz"),
    ("M4", "Dee", "Diaz"),
    ("M5", "Eli", "Evans"),
    ("M6", "Flo", "Flores"),
    ("M7", "Gia", "Garcia"),
    ("M8", "Hugo", "Hayes"),
    ("M9", "Ira", "Irwin"),
    ("M10", "Jan", "Jensen"),
    ("M11", "Kai", "Kim"),
    ("M12", "Lou", "Lopez"),
    ("M13", "Max", "Moore"),
    ("M14", "Ned", "Nash"),
]
GROUP_ROSTER = (
    ROSTER.splitlines()[0]
    + "\n"
    + "".join(
        f"{sis_id},{first},{last},3,101,F,White,N,N,N,94110\n" for sis_id, first, last in GROUP
    )
)


def _group_marks(k: int) -> dict[str, str]:
    if k >= 12:
        return {}
    marks = {str(DAYS[k % 10]): "U"}  # one of the ten days before the test
    if k >= 8:  # the comparison group: Oct 21, during the test, and one day of Nov 2-13
        marks |= {str(DAYS[12]): "U", str(DAYS[19 + k % 10]): "U"}
    return marks


GROUP_MARKS = {sis_id: _group_marks(k) for k, (sis_id, _, _) in enumerate(GROUP)}


def ids(district, *sis_ids):
    return [Student.unscoped.get(district=district, sis_id=s).pk for s in sis_ids]


def import_days(district, tmp_path, *throughs: date, roster: str = ROSTER, marks_of=MARKS) -> None:
    """The roster (as of Oct 1), then the days up to each date given, as year-to-date files."""
    files = [("roster.csv", roster, date(2026, 10, 1))] + [
        (f"to-{through}.csv", daily(through, marks_of), through) for through in throughs
    ]
    for name, text, as_of in files:
        record = import_file(district, write(tmp_path, name, text), as_of=as_of)
        assert record.status == "succeeded", record.errors


def two_by_ten(district, school, principal, *, students=("S3", "S4"), partner_entries=()):
    """The Adams team's test over Oct 19-30 with S3 and S4 (or the students given)."""
    with as_member(principal):
        cycle = services.cycle_create(
            district=district, created_by=principal, schools=[school], title="2x10 Strategy"
        )
        services.cycle_links_set(cycle=cycle, schools=[school], partner_entries=partner_entries)
        services.cycle_update(
            cycle=cycle,
            worksheet=services.WorksheetFields(
                title=cycle.title, first_day=TEST_FIRST, last_day=TEST_LAST
            ),
        )
        services.participants_add(
            cycle=cycle,
            students=Student.objects.filter(sis_id__in=students),
            added_by=principal,
        )
    return cycle
