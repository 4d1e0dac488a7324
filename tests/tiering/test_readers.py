"""Reading SIS exports: recognising headers, decoding, typing, row-level problems, hostile bytes."""

from __future__ import annotations

import contextlib
import csv
import io
import pickle
import tempfile
import zipfile
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from tiering import synthetic
from tiering.headers import (
    ALIASES,
    CANONICAL,
    Kind,
    columns_of,
    normalise_descriptor,
    normalise_header,
    recognise,
)
from tiering.readers import (
    DEFAULT_LIMITS,
    MAX_REPORTED_ERRORS,
    Chunk,
    ErrorCollector,
    FileShape,
    ImportValidationError,
    ProblemCode,
    RowError,
    inspect_file,
    read_rows,
)

TEXT_COLUMNS = (
    "student_id",
    "school_code",
    "grade",
    "attendance_code",
    "first_name",
    "last_name",
    "gender",
    "race_ethnicity",
    "zip_code",
)


# --- Helpers -------------------------------------------------------------------------------------


def write_csv(
    path: Path,
    rows: Sequence[Sequence[str]],
    *,
    delimiter: str = ",",
    encoding: str = "utf-8",
) -> Path:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    path.write_bytes(out.getvalue().encode(encoding))
    return path


def read_all(
    path: Path, *, kind: Kind | None = None, chunk_rows: int = 250_000
) -> tuple[FileShape, pd.DataFrame, list[RowError]]:
    """Inspect, recognise and read a file; the frame of every chunk and all their errors."""
    shape = inspect_file(path)
    recognition = recognise(shape.headers, kind=kind)
    assert recognition.kind is not None, recognition
    chunks = list(
        read_rows(
            path,
            shape,
            kind=recognition.kind,
            mapping=recognition.mapping,
            chunk_rows=chunk_rows,
        )
    )
    frame = pd.concat([chunk.frame for chunk in chunks], ignore_index=True)
    return shape, frame, [error for chunk in chunks for error in chunk.errors]


def problems(errors: Sequence[RowError]) -> list[tuple[int, str, str]]:
    return [(error.row, error.column, error.value) for error in errors]


# --- The synthetic export ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def synthetic_district() -> synthetic.SyntheticDistrict:
    # Seed 1 lands in a Boston-area ZIP region, so every zip code has a leading zero to keep.
    return synthetic.generate_district(seed=1, students=400)


@pytest.fixture(scope="module")
def files(
    synthetic_district: synthetic.SyntheticDistrict, tmp_path_factory: pytest.TempPathFactory
) -> synthetic.ExportFiles:
    return synthetic.write_export(synthetic_district, tmp_path_factory.mktemp("synthetic"))


@pytest.mark.parametrize(
    ("attribute", "kind"),
    [("roster", Kind.ROSTER), ("daily", Kind.DAILY), ("summary", Kind.SUMMARY)],
)
def test_it_recognises_the_synthetic_files_without_any_mapping(files, attribute, kind):
    shape = inspect_file(getattr(files, attribute))
    recognition = recognise(shape.headers)

    assert (shape.format, shape.encoding, shape.delimiter) == ("csv", "utf-8", ",")
    assert recognition.kind == kind
    assert recognition.mapping == {header: header for header in shape.headers}
    assert recognition.unmapped == ()
    assert recognition.missing == ()
    assert recognition.duplicates == {}


def test_it_reads_the_synthetic_roster_back_typed(files, synthetic_district):
    _, frame, errors = read_all(files.roster)
    roster = synthetic_district.roster

    assert errors == []
    assert frame["row"].tolist() == list(range(2, len(roster) + 2))
    assert frame["row"].dtype == np.int64
    for column in ("student_id", "grade", "school_code", "first_name", "zip_code"):
        assert frame[column].tolist() == roster[column].tolist()
    assert frame["zip_code"].str.startswith("0").all()
    assert frame["birth_date"].dtype == "datetime64[ns]"
    assert (frame["birth_date"] == roster["birth_date"].astype("datetime64[ns]")).all()
    for column in ("disability", "english_learner", "low_income"):
        assert frame[column].dtype == "boolean"
        assert frame[column].tolist() == roster[column].tolist()


def test_it_reads_the_synthetic_summary_back_typed(files, synthetic_district):
    _, frame, errors = read_all(files.summary)
    summary = synthetic_district.summary

    assert errors == []
    assert frame["row"].tolist() == list(range(2, len(summary) + 2))
    for column in ("days_enrolled", "days_absent", "excused", "unexcused", "suspension", "tardy"):
        assert frame[column].dtype == np.float64
        assert frame[column].tolist() == summary[column].astype(float).tolist()
    assert frame["student_id"].tolist() == summary["student_id"].tolist()


def test_it_streams_the_synthetic_daily_file_in_chunks(files, synthetic_district):
    shape = inspect_file(files.daily)
    recognition = recognise(shape.headers)
    chunks = list(
        read_rows(
            files.daily,
            shape,
            kind=recognition.kind,
            mapping=recognition.mapping,
            chunk_rows=10_000,
        )
    )
    frame = pd.concat([chunk.frame for chunk in chunks], ignore_index=True)
    daily = synthetic_district.daily

    assert len(chunks) == -(-len(daily) // 10_000)
    assert all(len(chunk.frame) <= 10_000 and chunk.errors == [] for chunk in chunks)
    assert list(frame.columns) == ["student_id", "school_code", "date", "attendance_code", "row"]
    assert frame["row"].tolist() == list(range(2, len(daily) + 2))
    assert frame["date"].dtype == "datetime64[ns]"
    assert (frame["date"].to_numpy() == daily["date"].to_numpy().astype("datetime64[ns]")).all()
    assert frame["attendance_code"].tolist() == daily["attendance_code"].astype(str).tolist()
    assert frame["student_id"].tolist() == daily["student_id"].astype(str).tolist()


# --- Headers from SIS vendors --------------------------------------------------------------------

VENDOR_FILES = {
    "PowerSchool daily": (
        ["Student_Number", "SchoolID", "Att_Date", "Att_Code", "Period_ID"],
        ["012345", "101", "9/14/2026", "A", "3"],
        Kind.DAILY,
        {"student_id": "012345", "school_code": "101", "attendance_code": "A"},
    ),
    "PowerSchool roster": (
        [
            "Student_Number",
            "First_Name",
            "Last_Name",
            "DOB",
            "Gender",
            "Ethnicity",
            "Grade_Level",
            "SchoolID",
            "Zip",
        ],
        ["012345", "José", "Peña", "3/22/2010", "M", "Hispanic", "9", "301", "02134"],
        Kind.ROSTER,
        {"student_id": "012345", "first_name": "José", "grade": "9", "zip_code": "02134"},
    ),
    "Infinite Campus daily": (
        ["studentNumber", "schoolNumber", "date", "code"],
        ["77", "0042", "2026-09-14", "UNX"],
        Kind.DAILY,
        {"student_id": "77", "school_code": "0042", "attendance_code": "UNX"},
    ),
    "Infinite Campus roster": (
        [
            "studentNumber",
            "firstName",
            "lastName",
            "birthDate",
            "gender",
            "raceEthnicity",
            "gradeLevel",
            "School Number",
        ],
        ["77", "Ana", "Lee", "2012-01-05", "F", "Asian", "07", "0042"],
        Kind.ROSTER,
        {"grade": "07", "race_ethnicity": "Asian", "school_code": "0042"},
    ),
    "Skyward daily": (
        ["Other ID", "Entity", "Absence Date", "Absence Code"],
        ["S-9", "010", "09/14/26", "EX"],
        Kind.DAILY,
        {"student_id": "S-9", "school_code": "010", "attendance_code": "EX"},
    ),
    "Skyward roster": (
        ["Student ID", "First Name", "Last Name", "Birth Date", "Gender", "Grade", "School"],
        ["S-9", "Kai", "Ng", "2011-02-03", "X", "10", "010"],
        Kind.ROSTER,
        {"student_id": "S-9", "gender": "X", "school_code": "010"},
    ),
    "Aeries daily": (
        ["PermID", "SC", "DT", "AL"],
        ["100200", "5", "2026-09-14", "U"],
        Kind.DAILY,
        {"student_id": "100200", "school_code": "5", "attendance_code": "U"},
    ),
    "Aeries roster": (
        ["Perm ID", "FN", "LN", "BD", "SX", "GR", "SchoolCode"],
        ["100200", "Mia", "Diaz", "2014-06-30", "F", "K", "5"],
        Kind.ROSTER,
        {"student_id": "100200", "first_name": "Mia", "grade": "K", "gender": "F"},
    ),
    "Ed-Fi StudentSchoolAttendanceEvent": (
        [
            "studentReference.studentUniqueId",
            "schoolReference.schoolId",
            "eventDate",
            "attendanceEventCategoryDescriptor",
        ],
        [
            "604822",
            "255901001",
            "2026-09-14",
            "uri://ed-fi.org/AttendanceEventCategoryDescriptor#Excused Absence",
        ],
        Kind.DAILY,
        {"student_id": "604822", "school_code": "255901001", "attendance_code": "Excused Absence"},
    ),
    "Ed-Fi StudentSchoolAssociation": (
        ["StudentUniqueId", "SchoolId", "EntryDate", "EntryGradeLevelDescriptor"],
        ["604822", "255901001", "2025-08-18", "uri://ed-fi.org/GradeLevelDescriptor#Ninth grade"],
        Kind.ROSTER,
        {"student_id": "604822", "grade": "Ninth grade"},
    ),
    "OneRoster users.csv": (
        ["sourcedId", "status", "role", "givenName", "familyName", "grades", "orgSourcedIds"],
        ["u-1", "active", "student", "Zoë", "Okafor", "05", "org-7"],
        Kind.ROSTER,
        {"student_id": "u-1", "first_name": "Zoë", "grade": "05", "school_code": "org-7"},
    ),
    "generic summary": (
        [
            "Student Number",
            "School",
            "Grade Level",
            "Days in Membership",
            "Total Absences",
            "Excused Absences",
            "Unexcused Absences",
            "OSS Days",
            "Tardies",
            "ELL",
            "FRL",
            "IEP",
        ],
        ["9", "101", "3", "170", "20.5", "10", "10", "0.5", "4", "Y", "no", "1"],
        Kind.SUMMARY,
        {"days_enrolled": 170.0, "days_absent": 20.5, "suspension": 0.5, "tardy": 4.0},
    ),
}


@pytest.mark.parametrize("vendor", VENDOR_FILES)
def test_it_maps_each_vendors_headers_to_canonical_columns(tmp_path, vendor):
    headers, values, kind, expected = VENDOR_FILES[vendor]
    _, frame, errors = read_all(write_csv(tmp_path / "export.csv", [headers, values]))
    recognition = recognise(headers)

    assert recognition.kind == kind
    assert recognition.missing == ()
    assert recognition.duplicates == {}
    assert set(recognition.mapping) | {"row"} == set(frame.columns)
    assert errors == []
    assert {column: frame[column][0] for column in expected} == expected


def test_it_leaves_vendor_headers_it_does_not_know_unmapped():
    recognition = recognise(["Student_Number", "SchoolID", "Att_Date", "Att_Code", "Period_ID"])

    assert recognition.unmapped == ("Period_ID",)


def test_it_matches_headers_only_by_exact_normalised_equality():
    recognition = recognise(
        ["Student Number", "school_code", "date_entered", "Date", "Code", "Attendance Code Type"]
    )

    assert normalise_header("\ufeff Student_Number ") == "studentnumber"
    assert recognition.mapping == {
        "student_id": "Student Number",
        "school_code": "school_code",
        "date": "Date",
        "attendance_code": "Code",
    }
    assert recognition.unmapped == ("date_entered", "Attendance Code Type")


def test_it_gives_every_canonical_column_aliases_that_belong_to_it_alone():
    owners: dict[str, set[str]] = {}
    for column, aliases in ALIASES.items():
        for alias in (column, *aliases):
            owners.setdefault(normalise_header(alias), set()).add(column)

    assert set(ALIASES) == set(CANONICAL)
    assert all(len(columns) == 1 for columns in owners.values())


def test_it_turns_ed_fi_descriptor_uris_into_their_code_values():
    assert (
        normalise_descriptor("uri://ed-fi.org/AttendanceEventCategoryDescriptor#Excused Absence")
        == "Excused Absence"
    )
    assert normalise_descriptor(" uri://tea.texas.gov/Descriptor#Tardy ") == "Tardy"
    assert normalise_descriptor("  A  ") == "A"
    assert normalise_descriptor("uri://ed-fi.org/Descriptor#") == "uri://ed-fi.org/Descriptor#"
    assert normalise_descriptor("#1 Excused") == "#1 Excused"


# --- Kinds, saved mappings, duplicates, missing columns ------------------------------------------


@pytest.mark.parametrize(
    ("headers", "kind"),
    [
        (["student_id", "school_code", "date", "attendance_code"], Kind.DAILY),
        (["student_id", "school_code", "days_enrolled", "days_absent", "first_name"], Kind.SUMMARY),
        (["student_id", "last_name"], Kind.ROSTER),
        (["student_id", "school_code"], None),
        (["name", "value"], None),
    ],
)
def test_it_guesses_the_kind_from_the_columns_found(headers, kind):
    assert recognise(headers).kind == kind


def test_it_lets_a_saved_mapping_win_over_aliases():
    headers = ["ID", "Student_Number", "Bldg", "Att_Date", "Att_Code"]
    recognition = recognise(headers, saved={"student_id": "ID", "school_code": "Bldg"})

    assert recognition.kind == Kind.DAILY
    assert recognition.mapping == {
        "student_id": "ID",
        "school_code": "Bldg",
        "date": "Att_Date",
        "attendance_code": "Att_Code",
    }
    assert recognition.unmapped == ("Student_Number",)
    assert recognition.duplicates == {}


def test_it_ignores_saved_headers_the_file_no_longer_has():
    recognition = recognise(
        ["Student_Number", "SchoolID", "Att_Date", "Att_Code"], saved={"student_id": "Old ID"}
    )

    assert recognition.mapping["student_id"] == "Student_Number"


def test_it_reports_two_headers_matching_one_column_instead_of_choosing():
    headers = ["sourcedId", "identifier", "givenName", "familyName", "grades"]
    recognition = recognise(headers)

    assert recognition.kind == Kind.ROSTER
    assert recognition.duplicates == {"student_id": ("sourcedId", "identifier")}
    assert "student_id" not in recognition.mapping
    assert recognition.missing == ()
    assert recognition.unmapped == ()

    resolved = recognise(headers, saved={"student_id": "identifier"})
    assert resolved.duplicates == {}
    assert resolved.mapping["student_id"] == "identifier"
    assert resolved.unmapped == ("sourcedId",)


def test_it_reports_the_required_columns_missing_for_the_requested_kind():
    recognition = recognise(["student_id", "grade", "first_name", "Homeroom"], kind=Kind.DAILY)

    assert recognition.kind == Kind.DAILY
    assert recognition.missing == ("school_code", "date", "attendance_code")
    assert recognition.mapping == {"student_id": "student_id", "grade": "grade"}
    # first_name belongs to rosters and summaries: it would not be imported from a daily file.
    assert recognition.unmapped == ("first_name", "Homeroom")


def test_it_refuses_to_read_without_the_required_columns(tmp_path):
    path = write_csv(tmp_path / "daily.csv", [["student_id", "date"], ["1", "2026-09-14"]])
    shape = inspect_file(path)

    with pytest.raises(ImportValidationError) as raised:
        list(read_rows(path, shape, kind=Kind.DAILY, mapping={"student_id": "student_id"}))

    assert [error.reason for error in raised.value.errors] == [
        "There is no School code column. Add one, or choose which column holds it.",
        "There is no Date column. Add one, or choose which column holds it.",
        "There is no Attendance code column. Add one, or choose which column holds it.",
    ]


# --- Encodings, delimiters, quoting --------------------------------------------------------------

ROSTER_ROWS = [
    ["student_id", "first_name", "last_name", "grade"],
    ["007", "José", "Peña", "3"],
    ["008", "Zoë", "Müller", "4"],
]


@pytest.mark.parametrize(
    ("encoding", "detected"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("cp1252", "cp1252"), ("utf-16", "utf-16")],
)
def test_it_detects_the_encoding(tmp_path, encoding, detected):
    shape, frame, _ = read_all(write_csv(tmp_path / "roster.csv", ROSTER_ROWS, encoding=encoding))

    assert shape.encoding == detected
    assert shape.headers == tuple(ROSTER_ROWS[0])
    assert frame["first_name"].tolist() == ["José", "Zoë"]
    assert frame["last_name"].tolist() == ["Peña", "Müller"]
    assert frame["student_id"].tolist() == ["007", "008"]


def test_it_reads_windows_1252_bytes_met_after_the_sample_that_chose_utf_8(tmp_path):
    path = tmp_path / "daily.csv"
    ascii_rows = "".join(f"{n:06d},101,2026-09-14,P\n" for n in range(60_000))  # over 1 MB
    path.write_bytes(
        b"student_id,school_code,date,attendance_code\n"
        + ascii_rows.encode()
        + "Peña,101,2026-09-14,P\n".encode("cp1252")
    )

    shape, frame, errors = read_all(path)

    assert shape.encoding == "utf-8"
    assert errors == []
    assert frame["student_id"].iloc[-1] == "Peña"
    assert frame["row"].iloc[-1] == 60_002


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_it_detects_the_delimiter(tmp_path, delimiter):
    rows = [
        ["student_id", "last_name", "grade"],
        ["1", "Smith, Jr.; of Troy | the\tfirst", "2"],
        ["2", 'O"Brien', "3"],
    ]
    shape, frame, errors = read_all(write_csv(tmp_path / "r.csv", rows, delimiter=delimiter))

    assert shape.delimiter == delimiter
    assert errors == []
    assert frame["last_name"].tolist() == ["Smith, Jr.; of Troy | the\tfirst", 'O"Brien']


def test_it_prefers_a_comma_when_delimiters_tie(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("student_id;grade,last_name\n1;2,3\n")

    assert inspect_file(path).delimiter == ","


def test_it_counts_rows_as_a_spreadsheet_does_across_quoted_line_breaks(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text(
        'student_id,last_name,grade\r\n1,"Line\r\nbreak",3\r\n\r\n2,"a,b",\r\n3,Ok,4\r\n'
    )

    _, frame, errors = read_all(path)

    assert frame[["student_id", "last_name", "row"]].values.tolist() == [
        ["1", "Line\r\nbreak", 2],
        ["3", "Ok", 5],
    ]
    assert problems(errors) == [(4, "grade", "")]


def test_it_reads_old_mac_line_endings(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(b"student_id,grade\r1,2\r3,4\r")

    _, frame, _ = read_all(path)

    assert frame[["student_id", "grade", "row"]].values.tolist() == [["1", "2", 2], ["3", "4", 3]]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "The file is empty"),
        (b"\xef\xbb\xbf \r\n\r\n", "The file is empty"),
        (b"\nstudent_id,grade\n1,2\n", "The first row is empty"),
        (b",,\n1,2,3\n", "The first row is empty"),
        (b"id,grade\x00\n", "This is not a CSV file or an Excel workbook"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "old-style Excel file (.xls)"),
        (b"PK\x03\x04 not really a zip", "a ZIP archive but not an Excel workbook"),
    ],
)
def test_it_refuses_files_that_are_not_readable_tables(tmp_path, content, reason):
    path = tmp_path / "upload.csv"
    path.write_bytes(content)

    with pytest.raises(ImportValidationError) as raised:
        inspect_file(path, filename="export.csv")

    assert reason in raised.value.errors[0].reason
    assert str(raised.value).startswith("export.csv: ")
    assert str(raised.value).endswith("Nothing was imported.")


def test_it_refuses_duplicate_header_names(tmp_path):
    path = write_csv(tmp_path / "r.csv", [["student_id", "grade", "student_id", "", ""], ["1"]])

    with pytest.raises(ImportValidationError) as raised:
        inspect_file(path)

    assert raised.value.errors == [
        RowError(
            row=1,
            column="student_id",
            value="student_id",
            reason="2 columns are called “student_id”. Rename them so that each column has its"
            " own name.",
            code=ProblemCode.COLUMNS,
        )
    ]


# --- Excel workbooks -----------------------------------------------------------------------------


def write_xlsx(path: Path, rows: Sequence[Sequence[object]]) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(list(row))
    workbook.save(path)
    return path


def test_it_reads_a_workbook_with_numeric_ids_and_date_cells(tmp_path):
    # Stored without an extension, as uploads are: the content decides the format.
    path = write_xlsx(
        tmp_path / "upload",
        [
            [],
            ["Student_Number", "SchoolID", "Att_Date", "Att_Code"],
            [101, 101.0, datetime(2026, 9, 14), "A"],
            ["02134", " 0042 ", datetime(2026, 9, 15, 8, 30), "P"],
            [None, None, None, None],
            [7.0, 102, "9/16/2026", True],
        ],
    )

    shape, frame, errors = read_all(path)

    assert shape == FileShape(
        format="xlsx",
        encoding=None,
        delimiter=None,
        headers=("Student_Number", "SchoolID", "Att_Date", "Att_Code"),
        filename="upload",
    )
    assert errors == []
    assert frame["student_id"].tolist() == ["101", "02134", "7"]
    assert frame["school_code"].tolist() == ["101", "0042", "102"]
    assert frame["date"].tolist() == [
        pd.Timestamp(2026, 9, 14),
        pd.Timestamp(2026, 9, 15),
        pd.Timestamp(2026, 9, 16),
    ]
    assert frame["date"].dtype == "datetime64[ns]"
    assert frame["attendance_code"].tolist() == ["A", "P", "TRUE"]
    assert frame["row"].tolist() == [3, 4, 6]


def test_it_reads_workbook_numbers_booleans_and_zip_codes_as_written(tmp_path):
    path = write_xlsx(
        tmp_path / "roster.xlsx",
        [
            ["student_id", "grade", "zip_code", "low_income", "birth_date", "days_absent"],
            [1, 9, "02134", True, date(2010, 3, 22), 12.5],
            [2, "K", 2134, 0, "2010-03-23", None],
        ],
    )

    _, frame, errors = read_all(path, kind=Kind.ROSTER)

    assert errors == []
    assert frame["student_id"].tolist() == ["1", "2"]
    assert frame["grade"].tolist() == ["9", "K"]
    assert frame["zip_code"].tolist() == ["02134", "2134"]
    assert frame["low_income"].tolist() == [True, False]
    assert frame["birth_date"].tolist() == [pd.Timestamp(2010, 3, 22), pd.Timestamp(2010, 3, 23)]
    assert "days_absent" not in frame.columns


def test_it_reports_workbook_values_under_no_column_name(tmp_path):
    path = write_xlsx(
        tmp_path / "roster.xlsx",
        [["student_id", "grade"], [1, 3, None, "stray"], [2, 4]],
    )

    _, frame, errors = read_all(path)

    assert frame["student_id"].tolist() == ["2"]
    assert problems(errors) == [(2, "", "stray")]


def test_it_refuses_a_workbook_wider_than_the_limit(tmp_path):
    headers = [f"column {n}" for n in range(DEFAULT_LIMITS.xlsx_max_columns + 1)]
    path = write_xlsx(tmp_path / "wide.xlsx", [headers, ["1"] * len(headers)])

    with pytest.raises(ImportValidationError, match="The first sheet reaches column 201"):
        inspect_file(path)
    # A sheet that understates its width is stopped as its rows stream past.
    with pytest.raises(ImportValidationError, match="Row 1 has cells beyond column 200"):
        inspect_file(with_declared_size(path, b"A1:GS2", b"A1:B2"))


def with_declared_size(path: Path, actual: bytes, declared: bytes) -> Path:
    """A copy of the workbook whose first sheet claims another size in its <dimension> tag."""
    rewritten = path.with_name("declared-" + path.name)
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(rewritten, "w") as target:
        for member in source.infolist():
            data = source.read(member)
            if member.filename == "xl/worksheets/sheet1.xml":
                assert b'ref="' + actual + b'"' in data
                data = data.replace(b'ref="' + actual + b'"', b'ref="' + declared + b'"')
            target.writestr(member, data)
    return rewritten


def test_it_refuses_a_workbook_that_declares_too_many_rows(tmp_path):
    path = write_xlsx(tmp_path / "long.xlsx", [["student_id", "grade"], [1, 2]])

    with pytest.raises(ImportValidationError, match="has 1,048,577 rows, more than the 1,048,576"):
        inspect_file(with_declared_size(path, b"A1:B2", b"A1:B1048577"))


def test_it_reads_past_a_size_the_workbook_understates(tmp_path):
    path = write_xlsx(tmp_path / "roster.xlsx", [["student_id", "grade"], [1, 2], [3, 4]])

    _, frame, _ = read_all(with_declared_size(path, b"A1:B3", b"A1:A2"))

    assert frame[["student_id", "grade", "row"]].values.tolist() == [["1", "2", 2], ["3", "4", 3]]


def test_it_refuses_a_zip_bomb_before_unpacking_it(tmp_path):
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b" " * 10_000_000)
    assert path.stat().st_size * 50 < 10_000_000

    with pytest.raises(ImportValidationError, match="unpacks to far more data"):
        inspect_file(path)


# --- Row-level problems --------------------------------------------------------------------------


def test_it_reports_every_problem_in_a_summary_with_its_row_and_header(tmp_path):
    path = write_csv(
        tmp_path / "attendance_summary.csv",
        [
            [
                "Student Number",
                "SchoolID",
                "Days in Membership",
                "Total Absences",
                "Excused",
                "Unexcused",
                "OSS Days",
                "Tardies",
            ],
            ["1001", "101", "20", "23", "0", "0", "0", "0"],
            ["1002", "101", "abc", "2", "1", "1", "0", "0"],
            ["", "101", "20", "2", "1", "1", "0", "0"],
            ["1004", "101", "20", "-1", "0", "0", "0", "0"],
            ["1005", "101", "20", "5", "3", "3", "1", "0"],
            ["1006", " 101 ", "20.5", "12.5", "12.5", "", "", "1e1"],
            ["", "", "", "", "", "", "", ""],
            ["1008", "", "NaN", "inf", "1", "", "", ""],
        ],
    )
    shape, frame, errors = read_all(path)

    assert [(e.row, e.column, e.value, e.reason) for e in errors] == [
        (2, "Total Absences", "23", "Days absent (23) is more than days enrolled (20)."),
        (
            3,
            "Days in Membership",
            "abc",
            "Not a number. Write days enrolled as a number, such as 12 or 12.5.",
        ),
        (4, "Student Number", "", "Missing student ID. Fill it in or delete the row."),
        (5, "Total Absences", "-1", "Days absent can't be negative. Write 0 or more."),
        (
            6,
            "Total Absences",
            "5",
            "Excused absences, unexcused absences and suspension days add up to 7, more than"
            " days absent (5).",
        ),
        (9, "SchoolID", "", "Missing school code. Fill it in or delete the row."),
        (
            9,
            "Days in Membership",
            "NaN",
            "Not a number. Write days enrolled as a number, such as 12 or 12.5.",
        ),
        (
            9,
            "Total Absences",
            "inf",
            "Not a number. Write days absent as a number, such as 12 or 12.5.",
        ),
    ]
    assert frame.astype(object).where(frame.notna(), None).to_dict("records") == [
        {
            "student_id": "1006",
            "school_code": "101",
            "days_enrolled": 20.5,
            "days_absent": 12.5,
            "excused": 12.5,
            "unexcused": None,
            "suspension": None,
            "tardy": 10.0,
            "row": 7,
        }
    ]
    collector = ErrorCollector()
    collector.add(errors)
    with pytest.raises(ImportValidationError) as raised:
        collector.raise_if_any(shape.filename)
    assert str(raised.value) == (
        "attendance_summary.csv: 8 problems in 6 rows — nothing was imported."
    )
    assert raised.value.errors == errors


def test_it_reports_bad_dates_codes_and_extra_values_in_a_daily_file(tmp_path):
    path = tmp_path / "daily.csv"
    path.write_text(
        "Student_Number,SchoolID,Att_Date,Att_Code\n"
        "1,101,2026-13-01,A\n"
        "2,101,14/9/2026,A\n"
        "3,101,1899-12-31,A\n"
        "4,101,2026-09-14,\n"
        "5,101,2026-09-14,A,Smith\n"
        "6,101,2026-09-14,A,\n"
        "7,101,09/14/26,T\n"
    )

    _, frame, errors = read_all(path)

    assert [(e.row, e.column, e.value, e.reason) for e in errors] == [
        (2, "Att_Date", "2026-13-01", "Not a date. Write dates as 2026-09-14 or 9/14/2026."),
        (3, "Att_Date", "14/9/2026", "Not a date. Write dates as 2026-09-14 or 9/14/2026."),
        (
            4,
            "Att_Date",
            "1899-12-31",
            "The year is out of range; dates must fall between 1900 and 2100.",
        ),
        (5, "Att_Code", "", "Missing attendance code. Fill it in or delete the row."),
        (
            6,
            "",
            "Smith",
            "This row has more values than there are column names. Put quotes around values"
            " that contain a comma, or remove the extra values.",
        ),
    ]
    # A trailing delimiter adds an empty value, which carries nothing to lose.
    assert frame[["student_id", "row"]].values.tolist() == [["6", 7], ["7", 8]]


def test_it_reports_bad_yes_no_values_and_birth_dates_in_a_roster(tmp_path):
    path = write_csv(
        tmp_path / "roster.csv",
        [
            ["student_id", "grade", "birth_date", "disability", "english_learner", "low_income"],
            ["1", "3", "3/22/2016", "Y", "no", "T"],
            ["2", "3", "yesterday", "maybe", "", "0"],
        ],
    )

    _, frame, errors = read_all(path)

    assert problems(errors) == [(3, "birth_date", "yesterday"), (3, "disability", "maybe")]
    assert errors[1].reason == (
        "Not a yes/no value. Write Y or N (Yes/No, True/False, T/F and 1/0 work too)."
    )
    assert frame.drop(columns="birth_date").to_dict("records") == [
        {
            "student_id": "1",
            "grade": "3",
            "disability": True,
            "english_learner": False,
            "low_income": True,
            "row": 2,
        }
    ]


def test_it_stops_at_a_row_with_far_too_many_values(tmp_path):
    path = tmp_path / "daily.csv"
    path.write_text("student_id,school_code,date,attendance_code\n1,101,2026-09-14,A,x,y\n")

    with pytest.raises(ImportValidationError) as raised:
        read_all(path)

    assert problems(raised.value.errors) == [(2, "", "")]
    assert raised.value.errors[0].reason.startswith("This row has 6 values but there are only 4")


def test_it_stops_at_a_quote_that_never_closes(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text('student_id,grade\n1,2\n"3,4\n5,6\n')

    with pytest.raises(ImportValidationError) as raised:
        read_all(path)

    assert problems(raised.value.errors) == [(3, "", "")]
    assert "never closed" in raised.value.errors[0].reason


def test_it_lists_at_most_a_thousand_problems_and_counts_the_rest(tmp_path):
    rows = [["student_id", "school_code", "days_enrolled", "days_absent"]]
    rows += [[str(n), "101", "10", "11"] for n in range(1_500)]
    path = write_csv(tmp_path / "attendance_summary.csv", rows)
    shape = inspect_file(path)
    mapping = recognise(shape.headers).mapping

    for chunk_rows in (400, 250_000):
        collector = ErrorCollector()
        for chunk in read_rows(
            path, shape, kind=Kind.SUMMARY, mapping=mapping, chunk_rows=chunk_rows
        ):
            assert chunk.frame.empty
            collector.add_chunk(chunk)

        assert collector.count == 1_500
        assert collector.truncated_count == 500
        assert len(collector.errors) == MAX_REPORTED_ERRORS + 1
        assert [error.row for error in collector.errors[:-1]] == list(range(2, 1_002))
        assert collector.errors[-1] == RowError(
            row=0,
            column="",
            value="",
            reason="500 more problems not listed here; fix the ones above and upload the file"
            " again to see the rest.",
            code=ProblemCode.NOT_LISTED,
        )
        with pytest.raises(ImportValidationError, match="1,500 problems in 1,500 rows"):
            collector.raise_if_any(shape.filename)


def test_it_keeps_the_problems_when_the_error_is_pickled():
    error = ImportValidationError(
        "roster.csv: 1 problem", [RowError(2, "grade", "", "Missing.", ProblemCode.VALUE)]
    )

    copy = pickle.loads(pickle.dumps(error))  # noqa: S301 - bytes pickled on the line itself

    assert str(copy) == "roster.csv: 1 problem"
    assert copy.errors == error.errors


def test_it_reports_nothing_when_nothing_is_wrong():
    collector = ErrorCollector()
    collector.add_chunk(Chunk(frame=pd.DataFrame(), errors=[]))

    assert not collector
    assert collector.errors == []
    collector.raise_if_any("roster.csv")


# --- Hostile and random input --------------------------------------------------------------------


def read_forcing_every_kind(path: Path) -> list[pd.DataFrame]:
    """Inspect, recognise and read as each kind, mapping every column to some header."""
    try:
        shape = inspect_file(path)
    except ImportValidationError:
        return []
    recognise(shape.headers)
    named = [header for header in shape.headers if header]
    frames = []
    for kind in Kind:
        mapping = {column: named[n % len(named)] for n, column in enumerate(columns_of(kind))}
        with contextlib.suppress(ImportValidationError):
            frames += [chunk.frame for chunk in read_rows(path, shape, kind=kind, mapping=mapping)]
    return frames


def scratch_file(content: bytes) -> tuple[tempfile.TemporaryDirectory, Path]:
    folder = tempfile.TemporaryDirectory()
    path = Path(folder.name) / "upload"
    path.write_bytes(content)
    return folder, path


# Example counts, deadline and health checks come from the Hypothesis profile (tests/conftest.py);
# the property that round-trips text runs twice as many, being the cheapest and widest.


@given(
    st.one_of(
        st.binary(max_size=400),
        st.binary(max_size=400).map(lambda tail: b"PK\x03\x04" + tail),
        st.binary(max_size=400).map(lambda tail: b"\xef\xbb\xbfstudent_id,grade\n" + tail),
        st.binary(max_size=400).map(lambda tail: b"\xff\xfe" + tail),
    )
)
@example(b'"\x01')  # the parser meets the open quote while it is being made
def test_it_raises_only_import_validation_error_for_random_bytes(content):
    folder, path = scratch_file(content)
    with folder:
        read_forcing_every_kind(path)


@pytest.fixture(scope="module")
def workbook_parts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    path = tmp_path_factory.mktemp("workbook") / "daily.xlsx"
    write_xlsx(
        path,
        [
            ["student_id", "school_code", "date", "attendance_code", "grade"],
            ["1", 101, datetime(2026, 9, 14), "A", 3],
            [2.5, "101", "9/14/2026", None, "K"],
        ],
    )
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


@given(st.data())
def test_it_raises_only_import_validation_error_for_damaged_workbooks(workbook_parts, data):
    # Damage inside a well-formed archive, so that openpyxl, not zipfile, meets it.
    name = data.draw(st.sampled_from(sorted(workbook_parts)))
    part = bytearray(workbook_parts[name])
    for _ in range(data.draw(st.integers(1, 6))):
        part[data.draw(st.integers(0, len(part) - 1))] = data.draw(st.integers(0, 255))
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as out:
        for member, content in workbook_parts.items():
            out.writestr(member, bytes(part) if member == name else content)
    folder, path = scratch_file(archive.getvalue())
    with folder:
        read_forcing_every_kind(path)


ENCODINGS = ("utf-8", "utf-8-sig", "cp1252", "utf-16")
DELIMITERS = (",", ";", "\t", "|")


def render(rows: list[list[str]], delimiter: str, encoding: str) -> tuple[bytes, str]:
    """CSV bytes, and the encoding used: UTF-8 when the text has no Windows-1252 form."""
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    try:
        return out.getvalue().encode(encoding), encoding
    except UnicodeEncodeError:
        return out.getvalue().encode("utf-8"), "utf-8"


@given(
    st.lists(st.lists(st.text(max_size=8), max_size=6), max_size=6),
    st.sampled_from(DELIMITERS),
    st.sampled_from(ENCODINGS),
)
def test_it_raises_only_import_validation_error_for_random_csv_text(rows, delimiter, encoding):
    folder, path = scratch_file(render(rows, delimiter, encoding)[0])
    with folder:
        for frame in read_forcing_every_kind(path):
            for column in frame.columns.intersection(TEXT_COLUMNS):
                assert all(isinstance(value, str) for value in frame[column].dropna())


ROSTER_TEXT = ("student_id", "first_name", "last_name", "grade", "school_code", "zip_code")
text_cells = st.text(
    st.characters(exclude_characters="\x00", exclude_categories=("Cs",)), max_size=8
)


def as_read(cell: str, column: str, written: str, detected: str) -> str:
    """What reading should give back for a cell: its text stripped, as the detected encoding
    decodes its bytes (Windows-1252 bytes that happen to be valid UTF-8 are read as UTF-8)."""
    if written == "cp1252" and detected == "utf-8":
        cell = cell.encode("cp1252").decode("utf-8")
    return normalise_descriptor(cell) if column == "grade" else cell.strip()


@settings(max_examples=2 * settings.default.max_examples)
@given(
    st.lists(
        st.lists(text_cells, min_size=len(ROSTER_TEXT), max_size=len(ROSTER_TEXT)), max_size=6
    ),
    st.sampled_from(DELIMITERS),
    st.sampled_from(ENCODINGS),
)
def test_it_gives_back_text_cells_exactly_as_written_but_stripped(rows, delimiter, encoding):
    content, written = render([list(ROSTER_TEXT), *rows], delimiter, encoding)
    folder, path = scratch_file(content)
    with folder:
        shape = inspect_file(path)
        mapping = {column: column for column in ROSTER_TEXT}
        frames = [
            chunk.frame for chunk in read_rows(path, shape, kind=Kind.ROSTER, mapping=mapping)
        ]

    assert shape.delimiter == delimiter
    for frame in frames:
        for record in frame.to_dict("records"):
            source = rows[record["row"] - 2]
            for column, cell in zip(ROSTER_TEXT, source, strict=True):
                expected = as_read(cell, column, written, shape.encoding)
                if expected:
                    assert record[column] == expected
                    assert isinstance(record[column], str)
                else:
                    assert pd.isna(record[column])
