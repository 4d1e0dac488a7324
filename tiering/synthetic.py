"""Seedable synthetic school district: the Student Information System export files.

Tests, demo data and benchmarks share this generator so that all of them exercise the same
realistic shapes: a roster, one attendance row per student per enrolled instructional day, and
a per-enrollment summary derived exactly from the daily rows.

Everything is vectorised with numpy: Python loops run over instructional days (about 180) or
blocks of students, never over individual students. This is a plain module on purpose: it
imports neither Django nor the project, so scripts can use it without settings.

Reproducibility: the random streams are spawned from ``seed`` and no draw depends on ``through``
(each day's draws are the same whichever day the export stops at). A year-to-date export is
therefore the full-year export cut at ``through`` - except for the late enrollees, who are placed
relative to the covered period so that every export, like a real mid-year one, has students with
too few days to rate.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from functools import cached_property
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

GRADES: tuple[str, ...] = ("K", *(str(grade) for grade in range(1, 13)))

ATTENDANCE_CODES: dict[str, str] = {
    "P": "Present",
    "T": "Tardy",
    "E": "Excused absence",
    "U": "Unexcused absence",
    "S": "Out-of-school suspension",
}

RACE_ETHNICITIES: tuple[str, ...] = (
    "Hispanic or Latino",
    "American Indian or Alaska Native",
    "Asian",
    "Black or African American",
    "Native Hawaiian or Other Pacific Islander",
    "White",
    "Two or More Races",
)

GENDERS: tuple[str, ...] = ("F", "M", "X")

ROSTER_COLUMNS: tuple[str, ...] = (
    "student_id",
    "first_name",
    "last_name",
    "birth_date",
    "grade",
    "school_code",
    "gender",
    "race_ethnicity",
    "disability",
    "english_learner",
    "low_income",
    "zip_code",
)
DAILY_COLUMNS: tuple[str, ...] = ("student_id", "school_code", "date", "attendance_code")
SUMMARY_COLUMNS: tuple[str, ...] = (
    "student_id",
    "school_code",
    "grade",
    "days_enrolled",
    "days_absent",
    "excused",
    "unexcused",
    "suspension",
    "tardy",
)

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

# Attendance is held as an int8 matrix; 0 marks a day the student was not enrolled and the other
# values index this tuple, so the file letter is a lookup rather than a string comparison.
_CODE_LETTERS: tuple[str, ...] = ("", "P", "T", "E", "U", "S")
_NOT_ENROLLED, _PRESENT, _TARDY, _EXCUSED, _UNEXCUSED, _SUSPENDED = range(6)

# --- School levels -------------------------------------------------------------------------------

_ELEMENTARY, _MIDDLE, _HIGH = range(3)
_LEVEL_NAMES = ("Elementary School", "Middle School", "High School")
_LEVEL_SPANS = (("K", "5"), ("6", "8"), ("9", "12"))
_LEVEL_OF_GRADE = np.array([_ELEMENTARY] * 6 + [_MIDDLE] * 3 + [_HIGH] * 4)
_STUDENTS_PER_SCHOOL = (400, 550, 900)
# Seniors drop out or graduate early, so twelfth grade is a little smaller.
_GRADE_WEIGHTS = np.array([1.0] * 12 + [0.92])

_SCHOOL_NAMESAKES: tuple[str, ...] = (
    "Lincoln", "Washington", "Jefferson", "Roosevelt", "Franklin", "Kennedy",
    "Martin Luther King Jr.", "Rosa Parks", "Cesar Chavez", "Harriet Tubman", "Frederick Douglass",
    "Amelia Earhart", "Thomas Edison", "George Washington Carver", "Sally Ride", "Maya Angelou",
    "Langston Hughes",
    "Marie Curie", "Dolores Huerta", "Sequoyah", "Sojourner Truth", "Thurgood Marshall",
    "Ruby Bridges", "Roberto Clemente", "Mark Twain", "Walt Whitman", "Jackie Robinson",
    "Ellen Ochoa", "Riverside", "Lakeview", "Hillcrest", "Oak Grove", "Maple Ridge", "Cedar Park",
    "Pine Valley", "Willow Creek", "Eastside", "Westview", "Northgate", "Southridge",
    "Meadowbrook", "Sunnyside", "Fairview", "Highland", "Brookside", "Greenfield",
    "Pleasant Hill", "Stonebridge", "Mountain View", "Prairie Wind", "Bayview", "Clearwater",
    "Sycamore", "Aspen", "Birchwood", "Foothill", "Mesa Verde", "Harbor", "Valley Forge", "Central",
)  # fmt: skip

# --- People --------------------------------------------------------------------------------------

_FEMALE_FIRST_NAMES: tuple[str, ...] = (
    "Olivia", "Emma", "Sophia", "Isabella", "Ava", "Mia", "Amelia", "Harper", "Evelyn", "Abigail",
    "Emily", "Ella", "Elizabeth", "Camila", "Luna", "Sofía", "Avery", "Mila", "Aria", "Scarlett",
    "Penelope", "Layla", "Chloe", "Victoria", "Madison", "Eleanor", "Grace", "Nora", "Riley",
    "Zoë", "Hannah", "Hazel", "Lily", "Violet", "Stella", "Aurora", "Natalie", "Leah", "Willow",
    "Lucy", "Audrey", "Nevaeh", "Ximena", "Valentina", "Guadalupe", "María", "Fatima", "Aaliyah",
    "Imani", "Keisha", "Mei", "Priya", "Ananya", "Aiyana", "Leilani", "Yasmin", "Nadia", "Ngozi",
    "Sakura", "Ji-woo", "Mariana", "Thu",
)  # fmt: skip
_MALE_FIRST_NAMES: tuple[str, ...] = (
    "Liam", "Noah", "Oliver", "Elijah", "James", "William", "Benjamin", "Lucas", "Henry",
    "Theodore", "Jack", "Levi", "Alexander", "Jackson", "Mateo", "Daniel", "Michael", "Mason",
    "Sebastian", "Ethan", "Logan", "Owen", "Samuel", "Jacob", "Asher", "Aiden", "John", "Joseph",
    "Wyatt", "David", "Leo", "Luke", "Julian", "Hudson", "Grayson", "Matthew", "Ezra", "Gabriel",
    "Carter", "Isaac", "Jayden", "Anthony", "Dylan", "Thomas", "Elias", "Josiah", "Santiago",
    "José", "Diego", "Alejandro", "Malik", "DeShawn", "Jamal", "Mohammed", "Omar", "Arjun", "Wei",
    "Minh", "Hiroshi", "Kai", "Tariq", "Chidi", "Dakota", "Ikaika",
)  # fmt: skip
_LAST_NAMES: tuple[str, ...] = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "García", "Miller", "Davis", "Rodríguez",
    "Martínez", "Hernández", "López", "González", "Wilson", "Anderson", "Thomas", "Taylor",
    "Moore", "Jackson", "Martin", "Lee", "Pérez", "Thompson", "White", "Harris", "Sánchez",
    "Clark", "Ramírez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott",
    "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker", "Hall", "Rivera",
    "Campbell", "Mitchell", "Carter", "Roberts", "Kim", "Patel", "Chen", "Wang", "Tran", "Pham",
    "Singh", "Shah", "Okafor", "Mensah", "Diallo", "Haile", "Ali", "Hassan", "Ahmed", "Yazzie",
    "Begay", "Kealoha", "O'Brien", "Murphy", "Kowalski", "Novak", "Rossi", "Müller", "Cohen",
    "Santos", "Silva", "Peña", "Muñoz", "Castillo", "Delgado", "Washington", "Fa'amausili",
    "Smith-Jones",
)  # fmt: skip

# Federal-category shares resembling a large US district (sum to 1).
_RACE_SHARES = np.array([0.28, 0.01, 0.055, 0.15, 0.004, 0.455, 0.046])
# Log-odds shift of being low income by race/ethnicity: income, not race, drives absence below.
_LOW_INCOME_RACE_SHIFT = np.array([0.6, 0.8, -0.5, 0.7, 0.5, -0.5, 0.0])
_ENGLISH_LEARNER_BY_RACE = np.array([0.32, 0.05, 0.28, 0.04, 0.15, 0.02, 0.03])
# English learners reclassify as they progress, so the share falls with grade.
_ENGLISH_LEARNER_BY_GRADE = np.array([1.3] * 3 + [1.0] * 3 + [0.75] * 3 + [0.6] * 4)
_GENDER_SHARES = np.array([0.494, 0.496, 0.01])
_DISABILITY_BY_GENDER = np.array([0.10, 0.17, 0.14])
_RETAINED_SHARE = 0.04
# Three-digit prefixes of real US ZIP regions, several with the leading zero that spreadsheets drop.
_ZIP_PREFIXES: tuple[str, ...] = (
    "021", "024", "060", "074", "088", "191", "303", "441", "606", "750", "852", "973",
)  # fmt: skip

# --- Absence model -------------------------------------------------------------------------------
# Latent daily absence propensity is log-linear: a district median, grade and school effects,
# subgroup effects and a heavy-tailed individual effect. The constants are calibrated so that a
# full year lands near the district band mix of 50/22/15/9/3.5 percent.
_MEDIAN_PROPENSITY = 0.048
_INDIVIDUAL_SCALE = 0.68
_MAX_PROPENSITY = 0.95
# Kindergarten and the high-school years run higher than the upper-elementary low point.
_GRADE_EFFECT = np.array(
    [0.15, 0.0, -0.05, -0.08, -0.08, -0.05, 0.0, 0.08, 0.12, 0.25, 0.3, 0.38, 0.5]
)
_SCHOOL_EFFECT_SD = 0.22
_LOW_INCOME_EFFECT = 0.45
_DISABILITY_EFFECT = 0.35
_ENGLISH_LEARNER_EFFECT = 0.15
_WEEKDAY_FACTOR = np.array([1.3, 0.85, 0.85, 0.85, 1.4])  # Monday..Friday
_BREAK_ADJACENT_FACTOR = 1.5
# Mean absence run length grows with propensity: occasional absentees have 1-3 day illnesses,
# the most absent students disappear for weeks.
_BASE_RUN_LENGTH = 1.6
_RUN_LENGTH_GROWTH = 15.0
_SUSPENSION_PRONE_BY_LEVEL = np.array([0.02, 0.15, 0.12])
_SUSPENSION_SHARE_WHEN_PRONE = 0.5
_TARDY_BY_LEVEL = np.array([0.025, 0.03, 0.045])

# --- Mobility ------------------------------------------------------------------------------------
_LATE_ENROLLEE_SHARE = 0.02
_LATE_ENROLLEE_WINDOW = 25  # instructional days before the end of the covered period
_MIDYEAR_ENTRANT_SHARE = 0.03
_WITHDRAWAL_SHARE = 0.01
_TRANSFER_SHARE = 0.03
_MOBILITY_MARGIN = 15  # transfers and withdrawals avoid the first and last weeks of the year

# Students per block when streaming the daily file or counting the summary: bounds memory to a
# few tens of megabytes whatever the district size.
_STUDENTS_PER_BLOCK = 1024


# --- Calendar ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SchoolCalendar:
    first_day: date
    last_day: date
    instructional_days: tuple[date, ...]
    holidays: tuple[date, ...]  # weekdays between first_day and last_day with no school


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


def _last_weekday(year: int, month: int, weekday: int) -> date:
    last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def _observed(day: date) -> date:
    # Fixed-date holidays on a weekend are observed on the nearest weekday.
    return day + timedelta(days={5: -1, 6: 1}.get(day.weekday(), 0))


def _weekdays_from(monday: date, count: int) -> list[date]:
    return [monday + timedelta(days=7 * (i // 5) + i % 5) for i in range(count)]


def _school_year_holidays(autumn_year: int) -> set[date]:
    spring_year = autumn_year + 1
    monday, thursday = 0, 3
    thanksgiving = _nth_weekday(autumn_year, 11, thursday, 4)
    christmas = date(autumn_year, 12, 25)
    holidays = {
        _nth_weekday(autumn_year, 9, monday, 1),  # Labor Day
        _nth_weekday(autumn_year, 10, monday, 2),  # Indigenous Peoples' Day
        _observed(date(autumn_year, 11, 11)),  # Veterans Day
        *(thanksgiving + timedelta(days=offset) for offset in (-1, 0, 1)),
        # Winter break: the Monday-to-Friday weeks holding Christmas and New Year's Day.
        *_weekdays_from(christmas - timedelta(days=christmas.weekday()), 10),
        _observed(date(spring_year, 1, 1)),
        _nth_weekday(spring_year, 1, monday, 3),  # Martin Luther King Jr. Day
        _nth_weekday(spring_year, 2, monday, 3),  # Presidents' Day
        *_weekdays_from(_last_weekday(spring_year, 3, monday), 5),  # spring break
        _last_weekday(spring_year, 5, monday),  # Memorial Day
        _observed(date(spring_year, 6, 19)),  # Juneteenth
    }
    return {day for day in holidays if day.weekday() < 5}


def school_calendar(*, first_day: date, instructional_days: int = 180) -> SchoolCalendar:
    """A US-style school year counting weekdays from ``first_day``, skipping holidays and breaks.

    Holidays are computed from the year (e.g. the fourth Thursday of November), so any year works.
    A ``first_day`` on a weekend or holiday starts the year on the next instructional day.
    """
    if instructional_days < 1:
        raise ValueError("a school year needs at least one instructional day")
    autumn_year = first_day.year if first_day.month >= 7 else first_day.year - 1
    # The following school year's holidays too, in case a late start runs the count past June.
    closed = _school_year_holidays(autumn_year) | _school_year_holidays(autumn_year + 1)
    days: list[date] = []
    skipped: list[date] = []
    day = first_day
    while len(days) < instructional_days:
        if day.weekday() < 5:
            (skipped if day in closed else days).append(day)
        day += timedelta(days=1)
    return SchoolCalendar(
        first_day=days[0],
        last_day=days[-1],
        instructional_days=tuple(days),
        holidays=tuple(holiday for holiday in skipped if holiday > days[0]),
    )


def _day_factors(calendar: SchoolCalendar) -> FloatArray:
    """Relative chance of an absence starting on each instructional day, averaging 1."""
    closed = set(calendar.holidays)
    factors = []
    for day in calendar.instructional_days:
        weekday = day.weekday()
        previous_weekday = day - timedelta(days=3 if weekday == 0 else 1)
        next_weekday = day + timedelta(days=3 if weekday == 4 else 1)
        adjacent = previous_weekday in closed or next_weekday in closed
        factors.append(_WEEKDAY_FACTOR[weekday] * (_BREAK_ADJACENT_FACTOR if adjacent else 1.0))
    result = np.array(factors)
    return result / result.mean()


# --- Schools -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SchoolSpec:
    sis_code: str
    name: str
    low_grade: str
    high_grade: str


@dataclass(frozen=True)
class _SchoolPlan:
    specs: tuple[SchoolSpec, ...]
    level: IntArray  # per school
    size_weight: FloatArray  # relative enrollment within its level
    absence_effect: FloatArray  # log-scale shift of every student's absence propensity
    low_income_logit: FloatArray
    race_cumulative: FloatArray  # schools x races, cumulative probabilities
    primary_zip: IntArray
    secondary_zip: IntArray


def _schools_per_level(students: int, schools: int | None) -> list[int]:
    grade_share = _GRADE_WEIGHTS / _GRADE_WEIGHTS.sum()
    level_students = [students * grade_share[level == _LEVEL_OF_GRADE].sum() for level in range(3)]
    ideal = [share / size for share, size in zip(level_students, _STUDENTS_PER_SCHOOL, strict=True)]
    if schools is None:
        return [max(1, round(value)) for value in ideal]
    if schools < 3:
        raise ValueError("a district needs at least one elementary, middle and high school")
    # One school per level, then the rest in the default proportions, largest remainder first.
    targets = [1 + (schools - 3) * value / sum(ideal) for value in ideal]
    counts = [int(target) for target in targets]
    by_remainder = sorted(range(3), key=lambda level: counts[level] - targets[level])
    for level in by_remainder[: schools - sum(counts)]:
        counts[level] += 1
    return counts


def _plan_schools(
    rng: np.random.Generator, *, students: int, schools: int | None, zip_count: int
) -> _SchoolPlan:
    counts = _schools_per_level(students, schools)
    specs: list[SchoolSpec] = []
    for level, count in enumerate(counts):
        namesakes = rng.permutation(len(_SCHOOL_NAMESAKES))
        width = max(2, len(str(count)))
        low, high = _LEVEL_SPANS[level]
        for index in range(count):
            # Very large districts reuse namesakes with a campus number, as big cities do.
            campus = index // len(_SCHOOL_NAMESAKES)
            name = f"{_SCHOOL_NAMESAKES[namesakes[index % len(namesakes)]]} {_LEVEL_NAMES[level]}"
            specs.append(
                SchoolSpec(
                    sis_code=f"{level + 1}{index + 1:0{width}d}",
                    name=f"{name} #{campus + 1}" if campus else name,
                    low_grade=low,
                    high_grade=high,
                )
            )
    total = len(specs)
    level_of_school = np.repeat(np.arange(3), counts)
    # Around a district-wide rate, neighbourhood schools differ widely in poverty.
    low_income_logit = _logit(rng.uniform(0.35, 0.65)) + rng.normal(0.0, 0.7, size=total)
    race = rng.dirichlet(_RACE_SHARES * 25, size=total)
    primary_zip = rng.integers(0, zip_count, size=total)
    return _SchoolPlan(
        specs=tuple(specs),
        level=level_of_school,
        size_weight=rng.gamma(16.0, 1 / 16, size=total),
        absence_effect=rng.normal(0.0, _SCHOOL_EFFECT_SD, size=total),
        low_income_logit=low_income_logit,
        race_cumulative=np.cumsum(race, axis=1),
        primary_zip=primary_zip,
        # A neighbouring zip: schools near a zip boundary draw from two.
        secondary_zip=(primary_zip + rng.choice([-1, 1], size=total)) % zip_count,
    )


def _logit(p: FloatArray) -> FloatArray:
    return np.log(p / (1 - p))


def _draw_category(u: FloatArray, cumulative: FloatArray) -> IntArray:
    """Inverse-CDF draw: rows of ``cumulative`` are per-draw cumulative probabilities."""
    last = cumulative.shape[-1] - 1
    return np.minimum((u[:, None] >= cumulative).sum(axis=1), last)


# --- Students ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Students:
    student_id: npt.NDArray[np.str_]
    grade: IntArray
    school: IntArray
    gender: IntArray
    race: IntArray
    low_income: BoolArray
    english_learner: BoolArray
    disability: BoolArray
    birth_date: npt.NDArray[np.datetime64]
    first_name: npt.NDArray[np.str_]
    last_name: npt.NDArray[np.str_]
    zip_code: npt.NDArray[np.str_]


def _draw_students(
    rng: np.random.Generator, *, count: int, plan: _SchoolPlan, zips: list[str], autumn_year: int
) -> _Students:
    # Zero-padded to six digits: a few ids keep a leading zero that a careless import would drop.
    ids = np.sort(rng.choice(9_990_000, size=count, replace=False) + 10_000)
    grade = rng.choice(len(GRADES), size=count, p=_GRADE_WEIGHTS / _GRADE_WEIGHTS.sum())

    level = _LEVEL_OF_GRADE[grade]
    school = np.empty(count, dtype=np.int64)
    school_u = rng.random(count)
    for lvl in range(3):
        in_level = np.flatnonzero(plan.level == lvl)
        weights = plan.size_weight[in_level]
        students = level == lvl
        pick = np.searchsorted(np.cumsum(weights) / weights.sum(), school_u[students], "right")
        school[students] = in_level[np.minimum(pick, len(in_level) - 1)]

    gender = rng.choice(len(GENDERS), size=count, p=_GENDER_SHARES)
    race = _draw_category(rng.random(count), plan.race_cumulative[school])
    low_income_p = _expit(plan.low_income_logit[school] + _LOW_INCOME_RACE_SHIFT[race])
    low_income = rng.random(count) < low_income_p
    english_learner = rng.random(count) < (
        _ENGLISH_LEARNER_BY_RACE[race] * _ENGLISH_LEARNER_BY_GRADE[grade]
    )
    disability = rng.random(count) < _DISABILITY_BY_GENDER[gender]

    # Kindergarteners turn five by September 1; retained students are a year older.
    age_years = grade + 6 + (rng.random(count) < _RETAINED_SHARE)
    birth_year = (autumn_year - age_years - 1970).astype("datetime64[Y]")
    september_second = birth_year.astype("datetime64[M]") + 8 + np.timedelta64(1, "D")
    birth_date = september_second + rng.integers(0, 365, size=count).astype("timedelta64[D]")

    female = np.array(_FEMALE_FIRST_NAMES)
    male = np.array(_MALE_FIRST_NAMES)
    either = np.concatenate([female, male])
    name_u = rng.random(count)
    first_name = np.select(
        [gender == 0, gender == 1],
        [female[(name_u * len(female)).astype(int)], male[(name_u * len(male)).astype(int)]],
        either[(name_u * len(either)).astype(int)],
    )
    last_name = np.array(_LAST_NAMES)[rng.integers(0, len(_LAST_NAMES), size=count)]

    zip_u = rng.random(count)
    zip_index = np.select(
        [zip_u < 0.7, zip_u < 0.92],
        [plan.primary_zip[school], plan.secondary_zip[school]],
        rng.integers(0, len(zips), size=count),
    )
    return _Students(
        student_id=np.strings.zfill(ids.astype(str), 6),
        grade=grade,
        school=school,
        gender=gender,
        race=race,
        low_income=low_income,
        english_learner=english_learner,
        disability=disability,
        birth_date=birth_date,
        first_name=first_name,
        last_name=last_name,
        zip_code=np.array(zips)[zip_index],
    )


def _expit(x: FloatArray) -> FloatArray:
    return 1 / (1 + np.exp(-x))


# --- Enrollment ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Stints:
    """Up to two enrollment stints per student as half-open column ranges of the covered days.

    A student without a second stint has ``second_start == second_end == covered``.
    """

    first_school: IntArray
    first_start: IntArray
    first_end: IntArray
    second_school: IntArray
    second_start: IntArray
    second_end: IntArray

    def subset(self, rows: IntArray) -> _Stints:
        return _Stints(*(getattr(self, column.name)[rows] for column in fields(self)))


def _draw_stints(
    rng: np.random.Generator,
    *,
    students: _Students,
    plan: _SchoolPlan,
    year_days: int,
    covered: int,
) -> _Stints:
    count = len(students.grade)
    # Every draw is made for every student so that ``covered`` changes none of them.
    kind_u = rng.random(count)
    late_offset = rng.integers(0, _LATE_ENROLLEE_WINDOW, size=count)
    entry_day = rng.integers(1, year_days, size=count)
    margin = min(_MOBILITY_MARGIN, year_days // 3)
    leave_day = rng.integers(margin, year_days - margin + 1, size=count)
    gap = rng.integers(0, 3, size=count)  # days out of school between the two schools
    other_u = rng.random(count)

    bounds = np.cumsum(
        [_LATE_ENROLLEE_SHARE, _MIDYEAR_ENTRANT_SHARE, _WITHDRAWAL_SHARE, _TRANSFER_SHARE]
    )
    late, entrant, withdrawn, transfer = (
        (kind_u >= low) & (kind_u < high)
        for low, high in zip(np.concatenate([[0.0], bounds[:-1]]), bounds, strict=True)
    )
    schools_in_level = np.bincount(plan.level, minlength=3)[plan.level[students.school]]
    transfer &= schools_in_level > 1

    first_start = np.where(late, np.maximum(covered - 1 - late_offset, 0), 0)
    first_start = np.where(entrant, entry_day, first_start)
    first_end = np.where(withdrawn | transfer, leave_day, year_days)
    second_start = np.where(transfer, leave_day + gap, year_days)
    second_end = np.full(count, year_days)

    # Another school of the same level: shift the school's position within its level.
    level_offset = np.searchsorted(plan.level, plan.level[students.school])
    position = students.school - level_offset
    shift = 1 + (other_u * np.maximum(schools_in_level - 1, 1)).astype(np.int64)
    other_school = level_offset + (position + shift) % np.maximum(schools_in_level, 1)
    return _Stints(
        first_school=students.school,
        first_start=np.minimum(first_start, covered),
        first_end=np.minimum(first_end, covered),
        second_school=np.where(transfer, other_school, students.school),
        second_start=np.minimum(second_start, covered),
        second_end=np.minimum(second_end, covered),
    )


# --- Attendance ----------------------------------------------------------------------------------


def _simulate_attendance(
    rng: np.random.Generator,
    *,
    students: _Students,
    plan: _SchoolPlan,
    day_factors: FloatArray,
) -> npt.NDArray[np.int8]:
    """Attendance codes, days x students, for every student on every given day.

    Day-major because the simulation fills one day at a time; callers transpose once at the end.

    Each student follows a two-state Markov chain (present/absent) whose stationary absence
    rate is the student's propensity and whose mean absence run grows with it, which produces
    both 1-3 day illnesses and the long disappearances of the most absent students. The day
    factors modulate when absences start (Mondays, Fridays, days next to breaks).
    """
    count = len(students.grade)
    level = _LEVEL_OF_GRADE[students.grade]

    linear = (
        _GRADE_EFFECT[students.grade]
        + plan.absence_effect[students.school]
        + _LOW_INCOME_EFFECT * students.low_income
        + _DISABILITY_EFFECT * students.disability
        + _ENGLISH_LEARNER_EFFECT * students.english_learner
    )
    # Stratified logistic draws: the tails of the individual effect are populated even in a
    # 200-student district, so every band appears.
    quantile = (rng.permutation(count) + rng.random(count)) / count
    linear = linear + _INDIVIDUAL_SCALE * _logit(quantile)
    propensity = np.minimum(
        _MEDIAN_PROPENSITY * np.exp(linear - np.median(linear)), _MAX_PROPENSITY
    )

    run_length = _BASE_RUN_LENGTH + _RUN_LENGTH_GROWTH * propensity**2
    keep_absent = (1 - 1 / run_length).astype(np.float32)
    start_absent = propensity / (run_length * (1 - propensity))

    # The more a student misses, the less of it is excused.
    excused_share = np.clip(
        0.74 - 0.4 * np.minimum(propensity / 0.3, 1) + rng.normal(0, 0.1, count), 0.05, 0.95
    )
    suspension_prone = rng.random(count) < (
        _SUSPENSION_PRONE_BY_LEVEL[level] * np.where(students.disability, 1.8, 1.0)
    )
    suspension_share = np.where(suspension_prone, _SUSPENSION_SHARE_WHEN_PRONE, 0.0)
    excused_cut = (excused_share * (1 - suspension_share)).astype(np.float32)
    unexcused_cut = (1 - suspension_share).astype(np.float32)
    tardy_rate = np.minimum(_TARDY_BY_LEVEL[level] * rng.gamma(2.0, 0.5, count), 0.5)
    tardy_rate = tardy_rate.astype(np.float32)

    codes = np.empty((len(day_factors), count), dtype=np.int8)
    state = np.full(count, _PRESENT, dtype=np.int8)
    for day, factor in enumerate(day_factors):
        # One uniform decides absence; the other picks the absence type for a new absence or
        # tardiness for a present day - the two uses never apply to the same student-day.
        transition_u = rng.random(count, dtype=np.float32)
        detail_u = rng.random(count, dtype=np.float32)
        absent = state >= _EXCUSED
        stays = absent & (transition_u < keep_absent)
        starts = ~absent & (transition_u < (start_absent * factor).astype(np.float32))
        absence_type = np.where(
            detail_u < excused_cut,
            _EXCUSED,
            np.where(detail_u < unexcused_cut, _UNEXCUSED, _SUSPENDED),
        )
        present_type = np.where(detail_u < tardy_rate, _TARDY, _PRESENT)
        state = np.where(stays, state, np.where(starts, absence_type, present_type)).astype(np.int8)
        codes[day] = state
    return codes


def _blank_outside_stints(codes_by_day: npt.NDArray[np.int8], stints: _Stints) -> None:
    # Day by day so that no students x days temporary is needed (500,000 students: 90 MB each).
    for day, codes in enumerate(codes_by_day):
        in_stint = ((stints.first_start <= day) & (day < stints.first_end)) | (
            (stints.second_start <= day) & (day < stints.second_end)
        )
        codes[~in_stint] = _NOT_ENROLLED


@dataclass(frozen=True)
class _Attendance:
    """Roster-ordered attendance matrix plus what is needed to turn it into rows."""

    student_ids: npt.NDArray[np.str_]
    school_codes: npt.NDArray[np.str_]
    dates: npt.NDArray[np.datetime64]  # one per column
    codes: npt.NDArray[np.int8]  # students x covered days; _NOT_ENROLLED outside the stints
    stints: _Stints

    def blocks(self) -> range:
        return range(0, len(self.student_ids), _STUDENTS_PER_BLOCK)

    def rows(self, start: int) -> tuple[IntArray, IntArray, IntArray, npt.NDArray[np.int8]]:
        """Student, day, school and code of every enrolled day in the block at ``start``."""
        block = self.codes[start : start + _STUDENTS_PER_BLOCK]
        student, day = np.nonzero(block)
        student += start
        school = np.where(
            day >= self.stints.second_start[student],
            self.stints.second_school[student],
            self.stints.first_school[student],
        )
        return student, day, school, block[student - start, day]

    def stint_counts(self) -> npt.NDArray[np.int64]:
        """Days per code, shape students x 2 stints x codes, counted from the matrix itself."""
        counts = np.empty((len(self.student_ids), 2, len(_CODE_LETTERS)), dtype=np.int64)
        columns = np.arange(self.codes.shape[1])
        for start in self.blocks():
            block = self.codes[start : start + _STUDENTS_PER_BLOCK]
            size = len(block)
            second = columns >= self.stints.second_start[start : start + size, None]
            key = (np.arange(size)[:, None] * 2 + second) * len(_CODE_LETTERS) + block
            counts[start : start + size] = np.bincount(
                key.ravel(), minlength=size * 2 * len(_CODE_LETTERS)
            ).reshape(size, 2, len(_CODE_LETTERS))
        return counts


# --- District ------------------------------------------------------------------------------------


@dataclass(eq=False)
class SyntheticDistrict:
    """A generated district: its schools, calendar and the three SIS export tables.

    ``roster`` and ``summary`` are built eagerly; they have a row per student or enrollment
    stint. ``daily`` has a row per student per enrolled day - 90 million rows for 500,000
    students - so it is a cached property built on first access from the compact int8
    attendance matrix, and ``write_daily_csv`` streams the same matrix in blocks of students
    without ever building it. Summary-only use therefore never pays for the daily table.

    Frames: dates are ``datetime64``, flags are ``bool``, counts are integers, and identifiers
    (student ids, school codes, zip codes, grades) are strings. ``daily`` uses categoricals for
    its repeated strings so that a full year of a large district fits comfortably in memory.
    """

    seed: int
    schools: tuple[SchoolSpec, ...]
    calendar: SchoolCalendar
    through: date
    roster: pd.DataFrame
    summary: pd.DataFrame
    _attendance: _Attendance = field(repr=False)

    @cached_property
    def daily(self) -> pd.DataFrame:
        """One row per student per enrolled day, in roster order then date order."""
        attendance = self._attendance
        parts = [attendance.rows(start) for start in attendance.blocks()]
        student, day, school, code = (np.concatenate(column) for column in zip(*parts, strict=True))
        return pd.DataFrame(
            {
                "student_id": pd.Categorical.from_codes(student, attendance.student_ids),
                "school_code": pd.Categorical.from_codes(school, attendance.school_codes),
                "date": attendance.dates[day],
                "attendance_code": pd.Categorical.from_codes(
                    code.astype(np.int64) - 1, list(_CODE_LETTERS[1:])
                ),
            }
        )


def generate_district(
    *,
    seed: int,
    students: int,
    first_day: date = date(2025, 8, 18),
    through: date | None = None,
    schools: int | None = None,
    variant: int = 0,
) -> SyntheticDistrict:
    """Generate a district of about ``students`` students (the roster holds those enrolled by
    ``through``) with attendance up to ``through`` (default: the whole year).

    ``schools`` fixes the total number of schools; by default they are sized from ``students``.
    ``variant`` redraws enrollment and attendance for the same schools and students: another
    school year of the same district (the demo's last year).
    """
    if students < 1:
        raise ValueError("a district needs at least one student")
    calendar = school_calendar(first_day=first_day)
    through = calendar.last_day if through is None else through
    if through < calendar.first_day:
        raise ValueError(f"through ({through}) is before the first day ({calendar.first_day})")
    covered = bisect.bisect_right(calendar.instructional_days, through)

    # Independent streams per concern, so adding a draw to one leaves the others unchanged.
    district_rng, student_rng, stint_rng, attendance_rng = (
        np.random.default_rng(child) for child in np.random.SeedSequence(seed).spawn(4)
    )
    if variant:
        stint_rng, attendance_rng = (
            np.random.default_rng(child)
            for child in np.random.SeedSequence([seed, variant]).spawn(2)
        )
    zip_prefix = _ZIP_PREFIXES[district_rng.integers(len(_ZIP_PREFIXES))]
    zip_count = int(district_rng.integers(4, 9))
    zips = [f"{zip_prefix}{n:02d}" for n in np.sort(district_rng.choice(100, zip_count, False))]
    plan = _plan_schools(district_rng, students=students, schools=schools, zip_count=zip_count)
    first = calendar.first_day
    autumn_year = first.year if first.month >= 7 else first.year - 1
    population = _draw_students(
        student_rng, count=students, plan=plan, zips=zips, autumn_year=autumn_year
    )
    stints = _draw_stints(
        stint_rng,
        students=population,
        plan=plan,
        year_days=len(calendar.instructional_days),
        covered=covered,
    )
    day_factors = _day_factors(calendar)[:covered]
    codes_by_day = _simulate_attendance(
        attendance_rng, students=population, plan=plan, day_factors=day_factors
    )
    _blank_outside_stints(codes_by_day, stints)

    # Students who enroll after ``through`` are not in this export at all.
    enrolled = np.flatnonzero(stints.first_start < covered)
    stints = stints.subset(enrolled)
    codes = np.ascontiguousarray(codes_by_day.T[enrolled])
    del codes_by_day  # 90 MB at 500,000 students, no longer needed while the frames are built

    school_codes = np.array([spec.sis_code for spec in plan.specs])
    attendance = _Attendance(
        student_ids=population.student_id[enrolled],
        school_codes=school_codes,
        dates=np.array(calendar.instructional_days[:covered], dtype="datetime64[D]"),
        codes=codes,
        stints=stints,
    )
    current_school = np.where(
        stints.second_start < covered, stints.second_school, stints.first_school
    )
    return SyntheticDistrict(
        seed=seed,
        schools=plan.specs,
        calendar=calendar,
        through=through,
        roster=_roster_frame(population, enrolled, school_codes[current_school]),
        summary=_summary_frame(attendance, np.array(GRADES)[population.grade[enrolled]]),
        _attendance=attendance,
    )


def _roster_frame(
    population: _Students, rows: IntArray, school_code: npt.NDArray[np.str_]
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "student_id": population.student_id[rows],
            "first_name": population.first_name[rows],
            "last_name": population.last_name[rows],
            "birth_date": population.birth_date[rows],
            "grade": np.array(GRADES)[population.grade[rows]],
            "school_code": school_code,
            "gender": np.array(GENDERS)[population.gender[rows]],
            "race_ethnicity": np.array(RACE_ETHNICITIES)[population.race[rows]],
            "disability": population.disability[rows],
            "english_learner": population.english_learner[rows],
            "low_income": population.low_income[rows],
            "zip_code": population.zip_code[rows],
        }
    )


def _summary_frame(attendance: _Attendance, grade: npt.NDArray[np.str_]) -> pd.DataFrame:
    counts = attendance.stint_counts()
    enrolled_days = counts[:, :, _PRESENT:].sum(axis=2)
    student, stint = np.nonzero(enrolled_days)
    stints = attendance.stints
    school = np.where(stint == 1, stints.second_school[student], stints.first_school[student])
    per_code = counts[student, stint]
    excused = per_code[:, _EXCUSED]
    unexcused = per_code[:, _UNEXCUSED]
    suspension = per_code[:, _SUSPENDED]
    return pd.DataFrame(
        {
            "student_id": attendance.student_ids[student],
            "school_code": attendance.school_codes[school],
            "grade": grade[student],
            "days_enrolled": enrolled_days[student, stint],
            "days_absent": excused + unexcused + suspension,
            "excused": excused,
            "unexcused": unexcused,
            "suspension": suspension,
            "tardy": per_code[:, _TARDY],
        }
    )


# --- Files ---------------------------------------------------------------------------------------


def _write_frame(frame: pd.DataFrame, path: str | Path) -> Path:
    frame = frame.copy()
    for column in frame.select_dtypes(bool).columns:
        frame[column] = np.where(frame[column], "Y", "N")
    frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n", date_format="%Y-%m-%d")
    return Path(path)


def write_roster_csv(district: SyntheticDistrict, path: str | Path) -> Path:
    return _write_frame(district.roster, path)


def write_summary_csv(district: SyntheticDistrict, path: str | Path) -> Path:
    return _write_frame(district.summary, path)


def write_daily_csv(district: SyntheticDistrict, path: str | Path) -> Path:
    """Stream the daily rows block by block from the attendance matrix (bounded memory).

    Each row is a per-student prefix ("id,school,") joined to a per-day suffix ("date,code\\n")
    from small lookup tables; every field is ASCII, so the rows are assembled as bytes.
    """
    attendance = district._attendance
    ids = attendance.student_ids.astype(bytes)
    schools = attendance.school_codes.astype(bytes)
    day_text = np.datetime_as_string(attendance.dates, unit="D").astype(bytes)
    letters = np.array(_CODE_LETTERS, dtype=bytes)
    suffixes = np.strings.add(
        np.strings.add(day_text[:, None], b","), np.strings.add(letters[None, :], b"\n")
    )
    with open(path, "wb") as out:
        out.write((",".join(DAILY_COLUMNS) + "\n").encode())
        for start in attendance.blocks():
            student, day, school, code = attendance.rows(start)
            prefix = np.strings.add(np.strings.add(ids[student], b","), schools[school])
            rows = np.strings.add(np.strings.add(prefix, b","), suffixes[day, code])
            out.write(b"".join(rows.tolist()))
    return Path(path)


@dataclass(frozen=True)
class ExportFiles:
    roster: Path
    daily: Path
    summary: Path


def write_export(district: SyntheticDistrict, directory: Path) -> ExportFiles:
    """Write roster.csv, daily_attendance.csv and attendance_summary.csv into ``directory``."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    return ExportFiles(
        roster=write_roster_csv(district, directory / "roster.csv"),
        daily=write_daily_csv(district, directory / "daily_attendance.csv"),
        summary=write_summary_csv(district, directory / "attendance_summary.csv"),
    )
