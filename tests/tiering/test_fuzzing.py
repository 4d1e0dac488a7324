"""Fuzzing the import with Hypothesis: arbitrary bytes, and valid CSV and XLSX files mutated at
random — bytes deleted, inserted and replaced, other encodings, delimiters, quotes and line
ends, damaged workbook parts and strange cell values.

Two properties. The readers give back typed rows or ``ImportValidationError`` with a message,
never another exception. And the real import, on the real database, lands a file whole or
leaves every tiering table exactly as it was.

Example counts follow the Hypothesis profile (tests/conftest.py): modest by default, and
``HYPOTHESIS_PROFILE=fuzz`` for a long run.
"""

from __future__ import annotations

import codecs
import io
import tempfile
import zipfile
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path

import hypothesis
import pandas as pd
import pytest
from django.core.files import File
from django.db import transaction
from hypothesis import HealthCheck, example, given
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.utils.exceptions import IllegalCharacterError

from districts.tenancy import system_context
from tests.reading import fingerprint, reading, tiering_tables
from tests.sis import LAST_DAY
from tiering import services
from tiering.headers import Kind, columns_of, recognise
from tiering.models import AttendanceDay, AttendanceImport, AttendanceSummary, ImportStatus
from tiering.readers import ImportValidationError, inspect_file, read_rows

# --- Reading whatever comes ----------------------------------------------------------------------


@contextmanager
def scratch(content: bytes, name: str = "upload"):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(content)
        yield path


def read_whatever(path: Path, name: str) -> list[pd.DataFrame]:
    """Inspect and read the file as the import would (its recognised kind and columns), and as
    every other kind with every column mapped to some header. Checks what each outcome gives."""
    try:
        shape = inspect_file(path, filename=name)
    except ImportValidationError as error:
        assert_explained(error, name)
        return []
    recognition = recognise(shape.headers)
    named = [header for header in shape.headers if header]
    attempts = []
    if recognition.kind and not recognition.missing:
        attempts.append((recognition.kind, recognition.mapping))
    for kind in Kind:
        attempts.append(
            (kind, {column: named[n % len(named)] for n, column in enumerate(columns_of(kind))})
        )
    frames = []
    for kind, mapping in attempts:
        try:
            rows_seen = []
            for chunk in read_rows(path, shape, kind=kind, mapping=mapping, chunk_rows=7):
                assert set(chunk.frame.columns) == {*mapping, "row"}
                rows_seen += chunk.frame["row"].tolist()
                assert all(error.reason for error in chunk.errors)
                assert all(error.row >= 0 for error in chunk.errors)
                frames.append(chunk.frame)
            # Spreadsheet row numbers: past the header, in file order, each row once.
            assert rows_seen == sorted(set(rows_seen))
            assert all(row >= 2 for row in rows_seen)
        except ImportValidationError as error:
            assert_explained(error, name)
    return frames


def assert_explained(error: ImportValidationError, name: str) -> None:
    assert str(error).startswith(f"{name}: ")
    assert error.errors
    assert all(problem.reason.strip() for problem in error.errors)


NAMES = st.sampled_from(["upload", "daily.csv", "daily.xlsx", "daily.txt", "daily.xls"])


@given(
    st.one_of(
        st.binary(max_size=600),
        st.binary(max_size=600).map(lambda tail: b"PK\x03\x04" + tail),
        st.binary(max_size=600).map(lambda tail: b"PK\x05\x06" + tail),
        st.binary(max_size=600).map(lambda tail: codecs.BOM_UTF16_LE + tail),
        st.binary(max_size=600).map(lambda tail: b"student_id,grade\n" + tail),
    ),
    NAMES,
)
@example(b"PK\x05\x06" + bytes(18), "daily.xlsx")  # an empty archive
def test_arbitrary_bytes_read_or_are_refused_with_a_reason(content, name):
    with scratch(content) as path:
        read_whatever(path, name)


# --- Mutating valid CSV files --------------------------------------------------------------------

DAILY = (
    b"student_id,school_code,date,attendance_code,grade\r\n"
    b"1001,101,2025-09-02,A,3\r\n"
    b'1002,101,9/2/2025,"P",K\r\n'
    b"1003,102,2025-09-03,OSS,12\r\n"
)
SUMMARY = (
    b"Student Number,SchoolID,Grade_Level,Days Enrolled,Days Absent,Excused,Unexcused\r\n"
    b"1001,101,3,90,10.5,6,4.5\r\n"
    b"1002,101,K,90,0,0,0\r\n"
    b"1003,102,12,45,44,40,4\r\n"
)
ROSTER = (
    b"student_id,first_name,last_name,birth_date,grade,school_code,english_learner,zip_code\r\n"
    b"1001,Zo\xc3\xab,O'Neil,2015-03-10,3,101,N,02134\r\n"
    b'1002,"Ana, Maria",Ruiz,3/11/2020,K,101,Y,60664\r\n'
)
# Bytes that make CSV readers stumble: quotes, delimiters, line ends, BOMs, NUL, Ctrl-Z,
# undecodable and half-encoded characters, spreadsheet formulas, numbers and dates at the
# edges of their types, escapes of PostgreSQL's COPY, very long values.
SPECIAL = [
    b'"',
    b'""',
    b",",
    b";",
    b"\t",
    b"|",
    b"\n",
    b"\r",
    b"\r\n",
    codecs.BOM_UTF8,
    b"\x00",
    b"\x1a",
    b"\x81",
    b"\xc3",
    b"\xff\xfe",
    b"=cmd|' /C calc'!A0",
    b"-1",
    b"1e400",
    b"NaN",
    b"0x1F",
    b"9999-99-99",
    b"2262-04-12",
    b"1677-09-21",
    b"02/30/2025",
    b"\\",
    b"\\N",
    b"\\.",
    b"http://ed-fi.org/Descriptor/AttendanceEventCategoryDescriptor#",
    b"9" * 40,
    b"x" * 300,
]


# Whole cells a person might have typed, or a system written, in the wrong place.
ODD_CELLS = [
    b"",
    b" ",
    b"-1",
    b"0.001",
    b"9" * 40,
    b"1e400",
    b"N/A",
    b"K",
    b"2262-04-12",
    b"x" * 300,
]


@st.composite
def mutated(draw, base: bytes, *, special=SPECIAL) -> bytes:
    data = bytearray(base)
    for _ in range(draw(st.integers(1, 5))):
        at = draw(st.integers(0, len(data)))
        operation = draw(
            st.sampled_from(["delete", "insert", "special", "cell", "replace", "line", "truncate"])
        )
        if operation == "delete":
            del data[at : at + draw(st.integers(1, 12))]
        elif operation == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif operation == "special":
            data[at:at] = draw(st.sampled_from(special))
        elif operation == "cell":
            lines = bytes(data).split(b"\n")
            line = draw(st.integers(0, len(lines) - 1))
            cells = lines[line].split(b",")
            cells[draw(st.integers(0, len(cells) - 1))] = draw(st.sampled_from(ODD_CELLS))
            lines[line] = b",".join(cells)
            data = bytearray(b"\n".join(lines))
        elif operation == "replace" and at < len(data):
            data[at] = draw(st.integers(0, 255))
        elif operation == "line":
            lines = bytes(data).split(b"\n")
            line = draw(st.sampled_from(lines))
            lines.insert(draw(st.integers(0, len(lines))), line)
            data = bytearray(b"\n".join(lines))
        elif operation == "truncate":
            del data[at:]
    return bytes(data)


@st.composite
def reshaped(draw, base: bytes) -> bytes:
    """The same table written another way: delimiter, quoting, line ends, encoding."""
    text = base.decode("utf-8")
    delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
    if draw(st.booleans()):
        lines = [
            delimiter.join(f'"{cell}"' for cell in line.split(","))
            for line in text.split("\r\n")
            if line
        ]
        text = "\r\n".join(lines) + "\r\n"
    else:
        text = text.replace(",", delimiter)
    text = text.replace("\r\n", draw(st.sampled_from(["\r\n", "\n", "\r"])))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]))
    return text.encode(encoding, errors="replace")


def csv_files(bases=(DAILY, SUMMARY, ROSTER)):
    base = st.sampled_from(list(bases))
    return st.one_of(
        base.flatmap(mutated),
        base.flatmap(reshaped),
        base.flatmap(reshaped).flatmap(mutated),
    )


@given(csv_files(), NAMES)
@example(DAILY + b"1004,101,2025-09-0\x002,P,3\r\n", "daily.csv")
@example(DAILY.replace(b"1001", b"1" * 300), "daily.csv")
def test_mutated_csv_files_read_or_are_refused_with_a_reason(content, name):
    with scratch(content) as path:
        for frame in read_whatever(path, name):
            for column in frame.columns.intersection(["student_id", "school_code", "first_name"]):
                assert all(isinstance(value, str) for value in frame[column].dropna())


# --- Mutating valid workbooks --------------------------------------------------------------------


def workbook(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


BOOK = workbook(
    [
        ["student_id", "school_code", "date", "attendance_code", "grade"],
        [1001, 101, datetime(2025, 9, 2), "A", 3],
        ["1002", "101", "9/2/2025", "P", "K"],
        [1003.5, None, date(2025, 9, 3), True, 12],
    ]
)
BOOK_PARTS = {
    member.filename: zipfile.ZipFile(io.BytesIO(BOOK)).read(member)
    for member in zipfile.ZipFile(io.BytesIO(BOOK)).infolist()
}
# Fragments of SpreadsheetML that reach openpyxl's less travelled paths.
SPECIAL_XML = [
    b"<",
    b">",
    b"&",
    b"&#0;",
    b"&#xD800;",
    b'"',
    b"\x00",
    b"\xff",
    b"<row>",
    b'<row r="1048577">',
    b'<row r="99999999999999999999">',
    b'<row r="0">',
    b'<c r="XFD1"><v>1</v></c>',
    b'<c r="A1" t="s"><v>99</v></c>',
    b'<c r="A2" t="n"><v>abc</v></c>',
    b'<c r="B2" t="d"><v>2025-13-45</v></c>',
    b'<c r="C2" t="b"><v>7</v></c>',
    b'<c r="D2" t="e"><v>#DIV/0!</v></c>',
    b'<c r="E2" s="999"><v>1</v></c>',
    b'<c r="A3" t="inlineStr"><is><t>x</t></is></c>',
    b'<c r="ZZZZ9"><v>1</v></c>',
    b'<dimension ref="A1:XFD1048576"/>',
    b'<dimension ref="garbage"/>',
    b'<!DOCTYPE x [<!ENTITY a "b">]>',
    b"<![CDATA[x]]>",
    b"<sheetData/>",
    b'<sheet name="x" sheetId="9" r:id="rId99"/>',
    b'<Relationship Id="rId1" Type="x" Target="../../../etc/passwd"/>',
]


@st.composite
def damaged_workbooks(draw) -> bytes:
    parts = dict(BOOK_PARTS)
    how = draw(st.sampled_from(["part", "drop", "rename", "add", "bytes"]))
    if how == "part":
        name = draw(st.sampled_from(sorted(parts)))
        parts[name] = draw(mutated(parts[name], special=SPECIAL_XML))
    elif how == "drop":
        del parts[draw(st.sampled_from(sorted(parts)))]
    elif how == "rename":
        name = draw(st.sampled_from(sorted(parts)))
        parts[draw(st.sampled_from(sorted(parts)))] = parts.pop(name)
    elif how == "add":
        parts[draw(st.sampled_from(["xl/worksheets/sheet9.xml", "xl/sharedStrings.xml", "x"]))] = (
            draw(st.binary(max_size=200))
        )
    out = io.BytesIO()
    compression = draw(st.sampled_from([zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED]))
    with zipfile.ZipFile(out, "w", compression=compression) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    if how == "bytes":
        return draw(mutated(out.getvalue()))
    return out.getvalue()


CELLS = st.one_of(
    st.none(),
    st.text(max_size=12),
    st.integers(-(2**53), 2**53),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.dates(min_value=date(1900, 3, 1), max_value=date(9999, 12, 31)),
    st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(9999, 12, 31)),
    st.times().map(lambda value: value.replace(tzinfo=None)),
    st.sampled_from(["=1/0", "=A1", "@SUM(1)", "-1", "1e400", "2025-09-02", "9/2/2025"]),
)


@st.composite
def odd_cell_workbooks(draw) -> bytes:
    headers = draw(
        st.lists(
            st.sampled_from(["student_id", "school_code", "date", "attendance_code", "grade", ""])
            | st.text(max_size=6),
            min_size=1,
            max_size=6,
        )
    )
    rows = draw(st.lists(st.lists(CELLS, max_size=8), max_size=6))
    try:
        return workbook([headers, *rows])
    except IllegalCharacterError:  # openpyxl writes no control characters
        return BOOK


@given(st.one_of(damaged_workbooks(), odd_cell_workbooks()), NAMES)
@example(BOOK, "daily.xlsx")
def test_mutated_workbooks_read_or_are_refused_with_a_reason(content, name):
    with scratch(content) as path:
        read_whatever(path, name)


# --- Through the real import: whole or nothing ---------------------------------------------------


def head_of(path: Path, lines: int = 6) -> bytes:
    with path.open("rb") as file:
        return b"".join(file.readline() for _ in range(lines))


@pytest.fixture(scope="module")
def real_files(export) -> list[bytes]:
    """The first rows of the synthetic district's files, as CSV and as a workbook."""
    files = [head_of(export.daily, 8), head_of(export.summary), head_of(export.roster)]
    frame = pd.read_csv(io.BytesIO(files[0]), dtype=str)
    files.append(workbook([list(frame.columns), *frame.itertuples(index=False)]))
    return files


def fuzzed_imports(real_files):
    base = st.sampled_from(real_files)
    return st.one_of(
        base,
        base.flatmap(mutated),
        base.filter(lambda content: not content.startswith(b"PK")).flatmap(reshaped),
        base.filter(lambda content: content.startswith(b"PK")).map(
            lambda content: content[: len(content) // 2]
        ),
    )


# One district is shared by the examples (each one's writes are rolled back), so the function-
# scoped fixtures are meant; an example imports a file for real, a fraction of the readers'.
@hypothesis.settings(
    max_examples=max(10, hypothesis.settings.default.max_examples // 2),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_a_fuzzed_file_imports_whole_or_changes_nothing(
    data, settings, tmp_path, district, sis_district, real_files
):
    settings.MEDIA_ROOT = tmp_path
    content = data.draw(fuzzed_imports(real_files), label="content")
    # Mostly the name its content calls for; sometimes none, or the other format's.
    fitting, other = ("attendance.xlsx", "attendance.csv")[:: 1 if content[:2] == b"PK" else -1]
    name = data.draw(
        st.sampled_from([fitting, fitting, fitting, "attendance", other]), label="name"
    )
    with transaction.atomic():
        before = fingerprint(
            tables=[t for t in tiering_tables() if t != "tiering_attendanceimport"]
        )
        record = None
        try:
            with system_context(district, reason="test"):
                record = services.attendance_import_create(
                    district=district,
                    uploaded_by=None,
                    upload=File(io.BytesIO(content), name=name),
                    as_of=LAST_DAY,
                )
            with system_context(district, reason="test"):
                services.attendance_import_run(import_id=record.pk)
        except ImportValidationError as refused:
            assert_explained(refused, name)
        after = fingerprint(tables=[t for t in tiering_tables() if t != "tiering_attendanceimport"])
        with reading(district):
            imports = list(AttendanceImport.objects.all())
            if record is not None:
                record.refresh_from_db()
            hypothesis.event(f"outcome: {record.status if record else 'refused'}")
            if record is not None and record.status == ImportStatus.SUCCEEDED:
                assert_imported_whole(record, district)
            else:
                assert after == before
                assert imports == ([record] if record else [])
                if record is not None:
                    assert record.status in {ImportStatus.FAILED, ImportStatus.NEEDS_MAPPING}
                    assert record.message
        transaction.set_rollback(True)


def assert_imported_whole(record: AttendanceImport, district) -> None:
    assert record.rows_imported == record.rows_read
    assert record.error_count == 0
    if record.kind == Kind.SUMMARY:
        assert AttendanceSummary.objects.for_district(district).count() == record.rows_read
    elif record.kind == Kind.DAILY:
        assert AttendanceDay.objects.for_district(district).count() == record.rows_read
