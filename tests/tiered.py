"""A hand-made district for the Tiering II pages, whose figures are worked out in the
comments: the tiered-list tests and the browser journeys share it (registered in
tests/conftest.py)."""

from datetime import date

import pytest

from districts.services import school_year_create
from districts.tenancy import system_context

from .factories import RuleSetFactory
from .sis import import_file

ROSTER = (
    "student_id,first_name,last_name,grade,school_code,gender,race_ethnicity,"
    "disability,english_learner,low_income,zip_code\n"
    """S1,Ada,Ames,3,101,F,White,N,N,Y,94110
S2,Ben,Boyd,3,101,M,Asian,N,Y,Y,94110
S3,Cy,Cole,3,101,F,Hispanic or Latino,Y,N,Y,94112
S4,Di,Dunn,3,101,M,White,N,N,N,94112
S5,Ed,Egan,4,101,F,Black or African American,Y,Y,Y,94110
S6,Fay,Ford,4,101,M,White,N,N,N,94114
S7,Gus,Gray,4,101,F,Asian,N,N,N,94114
S8,Hal,Hunt,4,101,M,White,N,N,Y,94110
S9,Ivy,Ives,3,102,F,White,N,N,N,94110
S10,Jo,Jones,5,102,M,White,N,N,N,94114
"""
)
HEADER = "student_id,school_code,grade,days_enrolled,days_absent\n"
# Two weeks ago: Adams (101) has S4, S5 and S7 chronically absent: 3 of 7 rated, 42.9%.
PREVIOUS = (
    HEADER
    + """S1,101,3,30,0
S2,101,3,30,1
S3,101,3,30,2
S4,101,3,30,7
S5,101,4,30,10
S6,101,4,30,2
S7,101,4,30,6
S9,102,3,30,1
S10,102,5,30,0
"""
)
# Now: Satisfactory S1 (2.5%) and S7 (2.5%, improved from Severe); At-risk S2 (7.5%); Moderate
# S3 (12.5%) and S6 (exactly 10%), both newly chronic; Severe S4 (25%); Extreme S5 (55%);
# S8 not yet rated (5 days enrolled). Adams: 4 of 7 rated are chronic, 57.1%.
CURRENT = (
    HEADER
    + """S1,101,3,40,1
S2,101,3,40,3
S3,101,3,40,5
S4,101,3,40,10
S5,101,4,40,22
S6,101,4,40,4
S7,101,4,40,1
S8,101,4,5,1
S9,102,3,40,8
S10,102,5,40,0
"""
)
# Last year at about the same point: only S1 was chronically absent at Adams, 1 of 7 (14.3%).
LAST_YEAR = (
    HEADER
    + """S1,101,2,40,8
S2,101,2,40,0
S3,101,2,40,0
S4,101,2,40,0
S5,101,3,40,0
S6,101,3,40,0
S7,101,3,40,0
"""
)


# Two weeks of one student's daily records at Adams, before the two summaries' dates.
DAILY = "student_id,school_code,date,attendance_code\n" + "".join(
    f"S4,101,2026-10-{day:02d},{code}\n"
    for day, code in (
        (19, "P"),
        (20, "P"),
        (21, "T"),
        (22, "P"),
        (23, "U"),  # Friday absent
        (26, "E"),  # Monday absent
        (27, "P"),
        (29, "U"),  # Wednesday the 28th is a holiday
        (30, "P"),
    )
)


# A transfer: Gus Gray (S7) attends Adams (101) until Friday Oct 23, then Banneker (102).
MOVE = "student_id,school_code,date,attendance_code\n" + "".join(
    f"S7,{school},2026-10-{day:02d},P\n"
    for school, days in (("101", (19, 20, 21, 22, 23)), ("102", (26, 27, 28, 29, 30)))
    for day in days
)


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.fixture
def tiered(district, school_year, school_a, school_b, tmp_path):
    with system_context(district, reason="test fixture"):
        school_year_create(
            district=district,
            label="2025–26",
            first_day=date(2025, 8, 18),
            last_day=date(2026, 6, 5),
            instructional_days=180,
        )
    for name, text, as_of in (
        ("last-year.csv", LAST_YEAR, date(2025, 11, 21)),
        ("roster.csv", ROSTER, None),
        ("previous.csv", PREVIOUS, date(2026, 11, 6)),
        ("current.csv", CURRENT, date(2026, 11, 20)),
    ):
        options = {"as_of": as_of} if as_of else {}
        record = import_file(district, write(tmp_path, name, text), **options)
        assert record.status == "succeeded", record.errors
    return school_a


def import_under_a_second_rule_set(district, tmp_path) -> None:
    """A state definition beside the district's (41 days to be rated), then an import that
    classifies under both: S10's 41 days are the only ones the state rates."""
    RuleSetFactory(district=district, minimum_days_enrolled=41)
    later = CURRENT.replace("S10,102,5,40,0", "S10,102,5,41,0")
    record = import_file(district, write(tmp_path, "later.csv", later), as_of=date(2026, 11, 20))
    assert record.status == "succeeded", record.errors
