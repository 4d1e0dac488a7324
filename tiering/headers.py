"""Recognising the columns of a Student Information System export.

Districts upload whatever their SIS produces: PowerSchool, Infinite Campus, Skyward, Aeries, an
Ed-Fi extract, a OneRoster users.csv or a hand-made spreadsheet. Each header is matched to one
of the canonical column names below by exact equality after normalising (lowercase, letters and
digits only), so "Student Number", "student_number" and "StudentNumber" are the same header but
"date_entered" is not "date". Nothing is guessed beyond that: a header that matches no alias is
left for the person importing to map, and two headers matching the same column are reported
rather than one being picked.

This is a plain module on purpose: it imports neither Django nor the project.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    """What an SIS export holds: the one word for it, stored as is in the import's records."""

    SUMMARY = "summary"
    DAILY = "daily"
    ROSTER = "roster"

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]


_KIND_LABELS = {
    Kind.SUMMARY: "Per-student summary",
    Kind.DAILY: "Daily attendance",
    Kind.ROSTER: "Student roster",
}
# A model field's or form field's choices.
KIND_CHOICES = [(kind.value, kind.label) for kind in Kind]


STUDENT_ID = "student_id"
SCHOOL_CODE = "school_code"
GRADE = "grade"
DAYS_ENROLLED = "days_enrolled"
DAYS_ABSENT = "days_absent"
EXCUSED = "excused"
UNEXCUSED = "unexcused"
SUSPENSION = "suspension"
TARDY = "tardy"
DATE = "date"
ATTENDANCE_CODE = "attendance_code"
FIRST_NAME = "first_name"
LAST_NAME = "last_name"
BIRTH_DATE = "birth_date"
GENDER = "gender"
RACE_ETHNICITY = "race_ethnicity"
DISABILITY = "disability"
ENGLISH_LEARNER = "english_learner"
LOW_INCOME = "low_income"
ZIP_CODE = "zip_code"

CANONICAL: tuple[str, ...] = (
    STUDENT_ID,
    SCHOOL_CODE,
    GRADE,
    DAYS_ENROLLED,
    DAYS_ABSENT,
    EXCUSED,
    UNEXCUSED,
    SUSPENSION,
    TARDY,
    DATE,
    ATTENDANCE_CODE,
    FIRST_NAME,
    LAST_NAME,
    BIRTH_DATE,
    GENDER,
    RACE_ETHNICITY,
    DISABILITY,
    ENGLISH_LEARNER,
    LOW_INCOME,
    ZIP_CODE,
)

# How a column is named in messages to the people importing.
LABELS: dict[str, str] = {
    STUDENT_ID: "Student ID",
    SCHOOL_CODE: "School code",
    GRADE: "Grade",
    DAYS_ENROLLED: "Days enrolled",
    DAYS_ABSENT: "Days absent",
    EXCUSED: "Excused absences",
    UNEXCUSED: "Unexcused absences",
    SUSPENSION: "Suspension days",
    TARDY: "Tardies",
    DATE: "Date",
    ATTENDANCE_CODE: "Attendance code",
    FIRST_NAME: "First name",
    LAST_NAME: "Last name",
    BIRTH_DATE: "Birth date",
    GENDER: "Gender",
    RACE_ETHNICITY: "Race/ethnicity",
    DISABILITY: "Disability",
    ENGLISH_LEARNER: "English learner",
    LOW_INCOME: "Low income",
    ZIP_CODE: "ZIP code",
}

DEMOGRAPHICS: tuple[str, ...] = (
    FIRST_NAME,
    LAST_NAME,
    BIRTH_DATE,
    GENDER,
    RACE_ETHNICITY,
    DISABILITY,
    ENGLISH_LEARNER,
    LOW_INCOME,
    ZIP_CODE,
)

REQUIRED: dict[Kind, tuple[str, ...]] = {
    Kind.SUMMARY: (STUDENT_ID, SCHOOL_CODE, DAYS_ENROLLED, DAYS_ABSENT),
    Kind.DAILY: (STUDENT_ID, SCHOOL_CODE, DATE, ATTENDANCE_CODE),
    Kind.ROSTER: (STUDENT_ID, GRADE),
}

OPTIONAL: dict[Kind, tuple[str, ...]] = {
    Kind.SUMMARY: (GRADE, EXCUSED, UNEXCUSED, SUSPENSION, TARDY, *DEMOGRAPHICS),
    Kind.DAILY: (GRADE,),
    Kind.ROSTER: (SCHOOL_CODE, *DEMOGRAPHICS),
}


def columns_of(kind: Kind) -> tuple[str, ...]:
    """Every canonical column a file of ``kind`` can carry, required ones first."""
    return REQUIRED[kind] + OPTIONAL[kind]


# Header spellings seen in SIS exports, grouped by vendor where one vendor owns the spelling.
# Each is compared after normalise_header, so one spelling covers its case and punctuation
# variants. A normalised spelling may belong to one canonical column only (checked below).
ALIASES: dict[str, tuple[str, ...]] = {
    STUDENT_ID: (
        "student_id",
        "Student_Number",  # PowerSchool
        "studentNumber",  # Infinite Campus
        "Other ID",  # Skyward
        "Student ID",  # Skyward, Aeries (StudentID)
        "PermID",  # Aeries
        "Perm ID",
        "PID",
        "ID",
        "StudentUniqueId",  # Ed-Fi
        "studentReference.studentUniqueId",
        "sourcedId",  # OneRoster
        "identifier",
        "student_no",
        "stu_id",
        "local_id",
        "local_student_id",
        "sis_id",
        "sis_student_id",
    ),
    SCHOOL_CODE: (
        "school_code",
        "SchoolID",  # PowerSchool, Ed-Fi (SchoolId)
        "schoolNumber",  # Infinite Campus
        "Entity",  # Skyward
        "School",
        "SC",  # Aeries
        "schoolReference.schoolId",  # Ed-Fi
        "orgSourcedIds",  # OneRoster
        "school_num",
        "sch_code",
        "building",
        "building_code",
        "site_code",
    ),
    GRADE: (
        "grade",
        "Grade_Level",  # PowerSchool, Infinite Campus (gradeLevel)
        "GR",  # Aeries
        "EntryGradeLevelDescriptor",  # Ed-Fi
        "grades",  # OneRoster
        "current_grade",
        "grd",
    ),
    DAYS_ENROLLED: (
        "days_enrolled",
        "enrolled_days",
        "days_membership",
        "membership_days",
        "days_in_membership",
        "membership",
        "total_days_enrolled",
    ),
    DAYS_ABSENT: (
        "days_absent",
        "absent_days",
        "absences",
        "total_absences",
        "total_days_absent",
        "absent",
    ),
    EXCUSED: ("excused", "excused_absences", "excused_days", "days_excused"),
    UNEXCUSED: ("unexcused", "unexcused_absences", "unexcused_days", "days_unexcused"),
    SUSPENSION: (
        "suspension",
        "suspensions",
        "suspension_days",
        "days_suspended",
        "oss_days",
        "oss",
        "out_of_school_suspension_days",
    ),
    TARDY: ("tardy", "tardies", "tardy_count", "days_tardy", "times_tardy"),
    DATE: (
        "date",  # Infinite Campus
        "Att_Date",  # PowerSchool
        "Absence Date",  # Skyward
        "DT",  # Aeries
        "EventDate",  # Ed-Fi
        "attendance_date",
        "absence_date",
        "calendar_date",
    ),
    ATTENDANCE_CODE: (
        "attendance_code",  # Infinite Campus (attendanceCode), Skyward
        "Att_Code",  # PowerSchool
        "Attendance_CodeID",
        "code",  # Infinite Campus
        "Absence Code",  # Skyward
        "AL",  # Aeries all-day code
        "AttendanceEventCategoryDescriptor",  # Ed-Fi
        "attendance_status",
        "att_status",
    ),
    FIRST_NAME: (
        "first_name",  # PowerSchool, Infinite Campus (firstName), Skyward
        "FN",  # Aeries
        "FirstName",  # Ed-Fi
        "givenName",  # OneRoster
        "first",
        "given_name",
        "student_first_name",
    ),
    LAST_NAME: (
        "last_name",  # PowerSchool, Infinite Campus (lastName), Skyward
        "LN",  # Aeries
        "LastSurname",  # Ed-Fi
        "familyName",  # OneRoster
        "last",
        "surname",
        "family_name",
        "student_last_name",
    ),
    BIRTH_DATE: (
        "birth_date",  # Infinite Campus (birthDate), Skyward, Ed-Fi, OneRoster
        "DOB",  # PowerSchool
        "BD",  # Aeries
        "date_of_birth",
        "birthday",
    ),
    GENDER: ("gender", "sex", "SX"),  # SX: Aeries
    RACE_ETHNICITY: (
        "race_ethnicity",  # Infinite Campus (raceEthnicity)
        "Ethnicity",  # PowerSchool, Skyward
        "race",
        "race/ethnicity",
        "federal_race_ethnicity",
    ),
    DISABILITY: (
        "disability",
        "iep",
        "sped",
        "swd",
        "special_ed",
        "special_education",
        "students_with_disabilities",
    ),
    ENGLISH_LEARNER: (
        "english_learner",
        "ell",
        "el",
        "lep",
        "english_language_learner",
        "limited_english_proficient",
    ),
    LOW_INCOME: (
        "low_income",
        "frl",
        "free_reduced_lunch",
        "free_or_reduced_lunch",
        "economically_disadvantaged",
        "econ_disadv",
    ),
    ZIP_CODE: (
        "zip_code",
        "Zip",  # PowerSchool
        "ZC",  # Aeries
        "zipcode",
        "postal_code",
        "home_zip",
        "mailing_zip",
    ),
}

_NOT_LETTER_OR_DIGIT = re.compile(r"[\W_]+")


def normalise_header(header: str) -> str:
    """The form headers are compared in: lowercase letters and digits only (no BOM, no spaces)."""
    return _NOT_LETTER_OR_DIGIT.sub("", header.casefold())


def _alias_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for canonical, aliases in ALIASES.items():
        for alias in (canonical, *aliases):
            key = normalise_header(alias)
            if lookup.setdefault(key, canonical) != canonical:
                raise ValueError(f"alias {alias!r} names both {lookup[key]} and {canonical}")
    return lookup


_COLUMN_OF_ALIAS = _alias_lookup()

# Ed-Fi writes descriptor values as "<namespace URI>#<code value>".
_DESCRIPTOR = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^#]*#(.*\S.*)", re.DOTALL)


def normalise_descriptor(value: str) -> str:
    """``uri://ed-fi.org/AttendanceEventCategoryDescriptor#Excused Absence`` → ``Excused Absence``.

    Any other value comes back stripped of surrounding whitespace and otherwise unchanged.
    """
    value = value.strip()
    match = _DESCRIPTOR.fullmatch(value)
    return match.group(1).strip() if match else value


@dataclass(frozen=True)
class Recognition:
    kind: Kind | None
    mapping: dict[str, str]  # canonical column -> header as it appears in the file
    unmapped: tuple[str, ...]  # headers that won't be imported, in file order
    missing: tuple[str, ...]  # required canonical columns with no header
    duplicates: dict[str, tuple[str, ...]]  # canonical column -> every header that matched it


def _guess_kind(found: set[str]) -> Kind | None:
    if {DATE, ATTENDANCE_CODE} <= found:
        return Kind.DAILY
    if {DAYS_ENROLLED, DAYS_ABSENT} <= found:
        return Kind.SUMMARY
    if STUDENT_ID in found and found & {GRADE, FIRST_NAME, LAST_NAME}:
        return Kind.ROSTER
    return None


def recognise(
    headers: Sequence[str],
    *,
    kind: Kind | None = None,
    saved: Mapping[str, str] | None = None,
) -> Recognition:
    """Match a file's headers to canonical columns and, unless ``kind`` is given, guess its kind.

    ``saved`` is the district's earlier mapping (canonical column -> header); it wins for every
    header the file still has, so a header the district mapped by hand is never re-guessed and
    a header that merely looks like the same column no longer competes with it. Headers that
    match a column the kind doesn't use are listed in ``unmapped``: they will not be imported.
    """
    chosen: dict[str, str] = {}
    for canonical, header in (saved or {}).items():
        if canonical in CANONICAL and header in headers:
            chosen[canonical] = header
    taken = set(chosen.values())

    matches: dict[str, list[str]] = {}
    for header in headers:
        canonical = _COLUMN_OF_ALIAS.get(normalise_header(header))
        if canonical is not None and canonical not in chosen and header not in taken:
            matches.setdefault(canonical, []).append(header)

    if kind is None:
        kind = _guess_kind(set(chosen) | set(matches))
    wanted = columns_of(kind) if kind is not None else CANONICAL
    mapping = {column: chosen[column] for column in wanted if column in chosen}
    duplicates: dict[str, tuple[str, ...]] = {}
    for column in wanted:
        found = matches.get(column, [])
        if len(found) == 1:
            mapping[column] = found[0]
        elif found:
            duplicates[column] = tuple(found)

    used = {*mapping.values(), *(header for found in duplicates.values() for header in found)}
    missing = () if kind is None else REQUIRED[kind]
    return Recognition(
        kind=kind,
        mapping={column: mapping[column] for column in CANONICAL if column in mapping},
        unmapped=tuple(header for header in headers if header.strip() and header not in used),
        missing=tuple(
            column for column in missing if column not in mapping and column not in duplicates
        ),
        duplicates=duplicates,
    )
