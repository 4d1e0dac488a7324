"""A hand-made school for the Study: six weeks of October and November 2026 with a holiday on
Wednesday Oct 28, a test over Oct 19-30, and each student's marks. Every figure the tests
expect is worked out in their comments (test_outcomes.py, test_study_results.py)."""

from datetime import date, timedelta

from tiering.models import Student

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


def daily(through: date) -> str:
    rows = [
        f"{student},101,{day},{marks.get(str(day), 'P')}\n"
        for student, marks in MARKS.items()
        for day in DAYS
        if day <= through
    ]
    return "student_id,school_code,date,attendance_code\n" + "".join(rows)


def ids(district, *sis_ids):
    return [Student.unscoped.get(district=district, sis_id=s).pk for s in sis_ids]
