"""Upload limits: size, what a file is by its content, zip bombs and huge sheets — refused
before anything parses them, with a message naming the file and what to upload instead, by the
readers, the browser upload and the import command alike, leaving nothing behind."""

from __future__ import annotations

import codecs
import dataclasses
import gzip
import io
import json
import os
import re
import struct
import subprocess
import sys
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from django.core.files import File
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils.html import escape
from openpyxl import Workbook

from districts.models import AuditEvent
from tests.databases import database_url
from tests.reading import fingerprint, reading
from tests.sis import import_file
from tiering import services, tasks
from tiering.filecheck import MiB
from tiering.headers import Kind
from tiering.models import AttendanceImport, ImportStatus
from tiering.readers import DEFAULT_LIMITS, ImportValidationError, inspect_file, read_rows

# --- Files ---------------------------------------------------------------------------------------

ROWS = [
    ["student_id", "school_code", "date", "attendance_code"],
    ["1001", "101", "2025-09-02", "A"],
    ["1002", "101", "2025-09-02", "P"],
]


def csv_bytes(rows=ROWS) -> bytes:
    return "".join(",".join(row) + "\r\n" for row in rows).encode()


def xlsx_bytes(rows=ROWS, *, sheets: int = 1, more_rows=()) -> bytes:
    """A workbook of ``sheets`` sheets holding ``rows``; the last also holds ``more_rows``."""
    workbook = Workbook()
    for number in range(sheets):
        sheet = workbook.active if number == 0 else workbook.create_sheet(f"Sheet {number + 1}")
        for row in [*rows, *(more_rows if number == sheets - 1 else ())]:
            sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def rezipped(archive: bytes, change) -> bytes:
    """A copy of the archive with ``change(name, data)`` applied to every member (None drops it)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(archive)) as source, zipfile.ZipFile(out, "w") as target:
        for member in source.infolist():
            data = change(member.filename, source.read(member))
            if data is not None:
                target.writestr(member, data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def zipped(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def in_sheet(archive: bytes, old: bytes, new: bytes, *, sheet: int = 1) -> bytes:
    def change(name, data):
        if name == f"xl/worksheets/sheet{sheet}.xml":
            assert re.search(old, data)
            return re.sub(old, new, data, count=1)
        return data

    return rezipped(archive, change)


def declaring(reference: str, archive: bytes | None = None) -> bytes:
    """A workbook whose first sheet declares ``reference`` as its size, whatever it holds."""
    return in_sheet(archive or xlsx_bytes(), rb'ref="A1:D\d+"', f'ref="{reference}"'.encode())


def without_dimension(archive: bytes, *, sheet: int = 1) -> bytes:
    return in_sheet(archive, rb"<dimension [^>]*>", b"", sheet=sheet)


def bomb(padding: int = 20 * MiB) -> bytes:
    """A real workbook whose first sheet ends in megabytes of blanks: harmless XML that deflates
    a thousandfold."""
    return in_sheet(xlsx_bytes(), b"</worksheet>", b"</worksheet>" + b" " * padding)


def refusal(path: Path, *, name: str, limits=DEFAULT_LIMITS) -> str:
    with pytest.raises(ImportValidationError) as raised:
        inspect_file(path, filename=name, limits=limits)
    error = raised.value
    assert str(error).startswith(f"{name}: ")
    assert str(error).endswith("Nothing was imported.")
    assert [e.row for e in error.errors] == [0]
    return error.errors[0].reason


def written(tmp_path: Path, content: bytes, name: str = "upload") -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def limits(**changes):
    return dataclasses.replace(DEFAULT_LIMITS, **changes)


# --- Size ----------------------------------------------------------------------------------------


def test_it_refuses_a_file_past_the_size_limit_naming_its_size_and_the_limit(tmp_path):
    path = written(tmp_path, csv_bytes() + b"1003,101,2025-09-02,P\r\n" * 100_000)

    reason = refusal(path, name="daily.csv", limits=limits(max_bytes=MiB))

    assert reason.startswith("The file is 2.2 MB, more than the 1 MB an import takes.")
    assert "Split it by school" in reason


def test_it_gives_exact_sizes_when_rounding_would_make_them_look_equal(tmp_path):
    path = written(tmp_path, csv_bytes().ljust(MiB + 1, b"\n"))

    reason = refusal(path, name="daily.csv", limits=limits(max_bytes=MiB))

    assert reason.startswith("The file is 1,048,577 bytes, more than the 1,048,576 bytes")


def test_the_default_size_limit_takes_a_large_districts_year_of_daily_records():
    # 9 million rows of a wide daily export (ID, school, date, code, grade and a name).
    assert DEFAULT_LIMITS.max_bytes >= 9_000_000 * 100


# --- What a file is ------------------------------------------------------------------------------

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600)
HTML_TABLE = b"<html><body><table><tr><td>student_id</td></tr></table></body></html>"
EXCEL_2003_XML = (
    b'<?xml version="1.0"?>\n<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">'
)


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("attendance.csv", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "This file is a PDF document"),
        ("attendance.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "This file is a PNG image"),
        ("scan.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "This file is a JPEG image"),
        (
            "daily.csv.gz",
            gzip.compress(csv_bytes(), mtime=0),
            "a gzip-compressed file, not a CSV file",
        ),
        ("daily.xls", OLE2, "This is an old-style Excel file (.xls), or a workbook protected"),
        ("daily.xls", HTML_TABLE, "This file is a web page (HTML), not a CSV file"),
        ("daily.xml", EXCEL_2003_XML, "This file is an Excel 2003 XML spreadsheet"),
        (
            "daily.csv",
            "student_id,school_code\r\n1,2\r\n".encode("utf-16-le"),
            "text saved as UTF-16 without the mark that says so",
        ),
        (
            "daily.csv",
            csv_bytes() + b"1003,101,2025-09-02,P\r\n" * 5_000 + b"1004,1\x0001,2025-09-02,P\r\n",
            "it holds binary data (a NUL byte on line 5,004)",
        ),
        (
            "daily.csv",
            b" " * 100_000 + b"\x00",
            "it holds binary data (a NUL byte on line 1)",
        ),
        (
            "report.docx",
            zipped({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"}),
            "This file is a Word document (.docx), not an Excel workbook",
        ),
        (
            "daily.ods",
            zipped({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"}),
            "This file is an OpenDocument spreadsheet (.ods)",
        ),
        (
            "export.zip",
            zipped({"export/daily.csv": csv_bytes(), "export/readme.txt": b"SIS export"}),
            "a ZIP archive holding “daily.csv”, “readme.txt”, not an Excel workbook. Unzip it",
        ),
        (
            "photos.zip",
            zipped({"a.png": b"\x89PNG", "b.png": b"\x89PNG"}),
            "This is a ZIP archive of other files, not an Excel workbook.",
        ),
        (
            "daily.csv",
            xlsx_bytes(),
            "The file's name ends in .csv, but it is an Excel workbook. If it is the right file,"
            " rename it to end in .xlsx",
        ),
        (
            "daily.xlsx",
            csv_bytes(),
            "The file's name ends in .xlsx, but it is text (CSV), not an Excel workbook.",
        ),
    ],
)
def test_it_says_what_a_wrong_file_appears_to_be_and_what_to_upload(
    tmp_path, name, content, reason
):
    assert reason in refusal(written(tmp_path, content), name=name)


@pytest.mark.parametrize(
    ("name", "content", "found"),
    [
        ("daily.csv", csv_bytes(), "csv"),
        ("daily", csv_bytes(), "csv"),  # the command takes any file name
        ("daily.txt", codecs.BOM_UTF8 + csv_bytes(), "csv"),
        ("daily.csv", "student_id,name\r\n1,Zoë\r\n".encode("cp1252"), "csv"),
        ("daily.csv", codecs.BOM_UTF16_LE + csv_bytes().decode().encode("utf-16-le"), "csv"),
        # Some systems save tab-separated text with an .xls name: the content decides.
        ("daily.xls", csv_bytes().replace(b",", b"\t"), "csv"),
        ("daily.xlsx", xlsx_bytes(), "xlsx"),
        ("daily.xls", xlsx_bytes(), "xlsx"),
    ],
)
def test_it_reads_text_and_workbooks_whatever_else_they_are_called(tmp_path, name, content, found):
    assert inspect_file(written(tmp_path, content), filename=name).format == found


# --- Workbooks: the zip ---------------------------------------------------------------------------


def test_it_refuses_a_workbook_with_more_members_than_the_limit(tmp_path):
    path = written(tmp_path, xlsx_bytes())
    members = len(zipfile.ZipFile(path).namelist())

    reason = refusal(path, name="daily.xlsx", limits=limits(xlsx_max_members=members - 1))

    assert reason.startswith(f"This ZIP file holds {members} files; an Excel workbook holds")


def test_it_counts_members_from_the_end_record_before_listing_them(tmp_path):
    # 70,000 empty members: a ZIP64 end record, read before zipfile builds an entry for each.
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for number in range(70_000):
            archive.writestr(f"{number}", b"")
    path = written(tmp_path, out.getvalue())

    tracemalloc.start()
    try:
        reason = refusal(path, name="daily.xlsx")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert reason.startswith("This ZIP file holds 70,000 files")
    assert peak < 5 * MiB  # zipfile's own listing of them takes tens of megabytes


def test_it_refuses_a_workbook_that_unpacks_past_the_limit(tmp_path):
    path = written(tmp_path, xlsx_bytes())

    reason = refusal(path, name="daily.xlsx", limits=limits(xlsx_max_unpacked_bytes=10_000))

    assert reason.startswith("This workbook unpacks to ")
    assert "more than the 9.8 KB an import reads from a workbook" in reason


def test_it_refuses_a_zip_bomb_from_the_directory_without_inflating_it(tmp_path):
    path = written(tmp_path, bomb(padding=600 * MiB))
    assert path.stat().st_size < 2 * MiB

    tracemalloc.start()
    try:
        reason = refusal(path, name="daily.xlsx")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert reason.startswith("This workbook unpacks to far more data than its size suggests")
    assert peak < 5 * MiB


def test_it_refuses_members_claiming_more_packed_data_than_the_file_holds(tmp_path):
    # Overlapping members (one deflated stream shared by many) are the bomb that beats ratios.
    archive = bytearray(xlsx_bytes())
    directory = archive.rfind(b"PK\x01\x02")  # the last member's directory entry
    struct.pack_into("<L", archive, directory + 20, len(archive))  # its compressed size

    reason = refusal(written(tmp_path, bytes(archive)), name="daily.xlsx")

    assert reason.startswith("This workbook unpacks to far more data than its size suggests")


def test_it_refuses_a_workbook_with_more_sheets_than_the_limit(tmp_path):
    path = written(tmp_path, xlsx_bytes(sheets=3))

    reason = refusal(path, name="daily.xlsx", limits=limits(xlsx_max_sheets=2))

    assert reason.startswith("The workbook has 3 sheets, more than the 2 an import opens.")


def test_it_refuses_entity_declarations_in_the_workbook_parts(tmp_path):
    laughs = b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa">]><workbook>&a;</workbook>'
    path = written(
        tmp_path,
        rezipped(xlsx_bytes(), lambda name, data: laughs if name == "xl/workbook.xml" else data),
    )

    assert "not an Excel workbook that can be read" in refusal(path, name="daily.xlsx")


# --- Workbooks: the sheet ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reference", "reason"),
    [
        (
            "A1:D1048577",
            "The first sheet has 1,048,577 rows, more than the 1,048,576 rows an import reads",
        ),
        ("A1:GS3", "The first sheet reaches column 201, more than the 200 columns"),
        (
            "A1:CV1000000",
            "The first sheet spans 1,000,000 rows by 100 columns (100,000,000 cells), more than"
            " the 25,000,000 cells",
        ),
    ],
)
def test_it_refuses_a_sheet_that_declares_a_huge_size_before_reading_it(
    tmp_path, reference, reason
):
    assert refusal(written(tmp_path, declaring(reference)), name="daily.xlsx").startswith(reason)


def test_it_counts_the_rows_of_a_sheet_that_declares_no_size(tmp_path):
    rows = [*ROWS, *[["1003", "101", "2025-09-03", "P"]] * 8]
    path = written(tmp_path, without_dimension(xlsx_bytes(rows)))

    assert inspect_file(path, limits=limits(xlsx_max_rows=11)).format == "xlsx"
    reason = refusal(path, name="daily.xlsx", limits=limits(xlsx_max_rows=10))
    assert reason.startswith("The first sheet has more than the 10 rows an import reads")


def test_it_counts_the_rows_of_a_sheet_written_with_a_namespace_prefix(tmp_path):
    rows = [*ROWS, *[["1003", "101", "2025-09-03", "P"]] * 8]

    def prefixed(name, data):
        if name != "xl/worksheets/sheet1.xml":
            return data
        data = re.sub(rb"<(/?)(?![?!])", rb"<\1x:", data).replace(b"xmlns=", b"xmlns:x=")
        return data

    path = written(tmp_path, rezipped(without_dimension(xlsx_bytes(rows)), prefixed))

    assert inspect_file(path, limits=limits(xlsx_max_rows=11)).headers == tuple(ROWS[0])
    reason = refusal(path, name="daily.xlsx", limits=limits(xlsx_max_rows=10))
    assert reason.startswith("The first sheet has more than the 10 rows an import reads")


def test_it_counts_rows_up_to_the_furthest_row_number_a_sheet_names(tmp_path):
    # One row numbered 5,000,000 makes openpyxl produce the 4,999,999 empty rows before it.
    archive = without_dimension(xlsx_bytes())
    path = written(tmp_path, in_sheet(archive, b'<row r="3"', b'<row r="5000000"'))

    reason = refusal(path, name="daily.xlsx")

    assert reason.startswith("The first sheet has more than the 1,048,576 rows")


def test_it_refuses_another_sheet_that_would_be_read_whole_to_size_it(tmp_path):
    archive = xlsx_bytes(sheets=2, more_rows=[["1003", "101", "2025-09-02", "P"]])
    path = written(tmp_path, without_dimension(archive, sheet=2))

    reason = refusal(path, name="daily.xlsx", limits=limits(xlsx_max_rows=3))

    assert reason.startswith("Another sheet of the workbook has more than the 3 rows")


def test_it_stops_a_sheet_that_understates_its_size_as_its_rows_stream_past(tmp_path):
    rows = [*ROWS, *[["1003", "101", "2025-09-03", "P"]] * 8]
    path = written(tmp_path, declaring("A1:D2", xlsx_bytes(rows)))
    shape = inspect_file(path, limits=limits(xlsx_max_rows=10))
    mapping = {column: column for column in ROWS[0]}

    with pytest.raises(ImportValidationError, match="The sheet has more than 10 rows"):
        list(
            read_rows(
                path, shape, kind=Kind.DAILY, mapping=mapping, limits=limits(xlsx_max_rows=10)
            )
        )
    with pytest.raises(ImportValidationError, match="The sheet has more than 30 cells"):
        list(
            read_rows(
                path, shape, kind=Kind.DAILY, mapping=mapping, limits=limits(xlsx_max_cells=30)
            )
        )


# --- Through the browser upload and the command: nothing is written -------------------------------


def _cases() -> dict[str, tuple[str, bytes, dict, str]]:
    """name -> (file name, content, settings, what the message says)."""
    return {
        "size": (
            "daily.csv",
            csv_bytes() + b"1003,101,2025-09-02,P\r\n" * 150_000,
            {"IMPORT_MAX_UPLOAD_BYTES": MiB},
            "daily.csv: The file is 3.3 MB, more than the 1 MB an import takes.",
        ),
        "type": (
            "daily.csv",
            b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
            {},
            "daily.csv: This file is a PDF document, not a CSV file or an Excel workbook.",
        ),
        "bomb": (
            "daily.xlsx",
            bomb(),
            {},
            "daily.xlsx: This workbook unpacks to far more data than its size suggests",
        ),
        "huge sheet": (
            "daily.xlsx",
            declaring("A1:D2000000"),
            {},
            "daily.xlsx: The first sheet has 2,000,000 rows, more than the 1,048,576 rows",
        ),
    }


CASES = sorted(_cases())


@pytest.fixture
def uploads(settings, tmp_path):
    """Where uploads are kept and where Django spools them, both watched."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.FILE_UPLOAD_TEMP_DIR = tmp_path / "spool"
    settings.FILE_UPLOAD_TEMP_DIR.mkdir()
    return tmp_path


def kept_files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()]


@pytest.mark.parametrize("case", CASES)
def test_the_upload_page_shows_why_a_file_is_refused_and_writes_nothing(
    client, settings, uploads, district_admin, sis_district, case
):
    name, content, changed, message = _cases()[case]
    for setting, value in changed.items():
        setattr(settings, setting, value)
    before = fingerprint()
    client.force_login(district_admin)

    response = client.post(
        "/d/riverside/attendance/imports/",
        {"file": _named(content, name), "daily_mode": "replace"},
    )

    assert response.status_code == 422
    page = response.content.decode()
    assert escape(message) in page
    assert 'class="errorlist" role="alert"' in page
    assert fingerprint() == before
    with reading():
        assert not AttendanceImport.objects.exists()
        refusal = AuditEvent.objects.get()
    assert kept_files(uploads) == []
    assert (refusal.user, refusal.action, refusal.row_count) == (district_admin, "change", 0)
    assert refusal.purpose.startswith(f"Upload refused, nothing imported: {message}"[:200])


def test_a_cabinet_member_is_refused_a_bomb_too(client, uploads, cabinet_member, sis_district):
    client.force_login(cabinet_member)

    response = client.post(
        "/d/riverside/attendance/imports/",
        {"file": _named(bomb(), "daily.xlsx"), "daily_mode": "replace"},
    )

    assert response.status_code == 422
    assert "far more data than its size suggests" in response.content.decode()
    assert kept_files(uploads) == []


def test_the_size_limited_handler_drops_what_it_spooled_once_past_the_limit(settings, tmp_path):
    from attendance_platform.uploads import OversizedUpload, SizeLimitedUploadHandler

    settings.IMPORT_MAX_UPLOAD_BYTES = 1000
    settings.FILE_UPLOAD_TEMP_DIR = tmp_path
    handler = SizeLimitedUploadHandler()
    handler.new_file("file", "daily.csv", "text/csv", 2500)
    handler.receive_data_chunk(b"x" * 800, 0)
    assert len(kept_files(tmp_path)) == 1
    handler.receive_data_chunk(b"x" * 800, 800)
    assert kept_files(tmp_path) == []
    handler.receive_data_chunk(b"x" * 900, 1600)

    upload = handler.file_complete(2500)

    assert isinstance(upload, OversizedUpload)
    assert (upload.name, upload.size, upload.read()) == ("daily.csv", 2500, b"")
    assert kept_files(tmp_path) == []


def _named(content: bytes, name: str) -> io.BytesIO:
    upload = io.BytesIO(content)
    upload.name = name
    return upload


@pytest.mark.parametrize("case", CASES)
def test_the_command_refuses_the_same_files_and_writes_nothing(
    settings, uploads, sis_district, tmp_path, case
):
    name, content, changed, message = _cases()[case]
    for setting, value in changed.items():
        setattr(settings, setting, value)
    path = written(tmp_path, content, name)
    before = fingerprint()

    with pytest.raises(CommandError) as raised:
        call_command("import_attendance", str(path), "--district", "riverside")

    assert str(raised.value).startswith(message)
    assert fingerprint() == before
    with reading():
        assert not AttendanceImport.objects.exists()
    assert kept_files(uploads / "media") == []


def test_the_command_reports_a_refusal_as_json(uploads, sis_district, tmp_path, capsys):
    path = written(tmp_path, b"%PDF-1.7\n", "daily.csv")

    with pytest.raises(CommandError):
        call_command("import_attendance", str(path), "--district", "riverside", "--json")

    report = json.loads(capsys.readouterr().out)
    assert report["status"] == "refused"
    assert report["errors"][0]["reason"].startswith("This file is a PDF document")


@pytest.mark.django_db(transaction=True)
def test_the_command_exits_non_zero_with_the_message(settings, district, tmp_path):
    path = written(tmp_path, b"%PDF-1.7\n", "daily.csv")
    url = database_url(as_admin=True)

    finished = subprocess.run(  # noqa: S603 — this interpreter, this project's manage.py
        [sys.executable, "manage.py", "import_attendance", str(path), "--district", "riverside"],
        capture_output=True,
        text=True,
        env={**os.environ, "DATABASE_URL": url},
        check=False,
    )

    assert finished.returncode == 1
    assert "daily.csv: This file is a PDF document" in finished.stderr


def test_an_import_queued_before_a_limit_was_lowered_fails_with_the_reason(
    settings, uploads, district, sis_district, export
):
    with reading(), export.summary.open("rb") as upload:
        record = services.attendance_import_create(
            district=district,
            uploaded_by=None,
            upload=File(upload, name="summary.csv"),
        )
    settings.IMPORT_MAX_UPLOAD_BYTES = 1024

    tasks.run_attendance_import.delay(district_id=district.pk, import_id=record.pk)

    with reading():
        record.refresh_from_db()
    assert record.status == ImportStatus.FAILED
    assert record.message.startswith("summary.csv: The file is ")
    assert "more than the 1 KB an import takes" in record.message


def test_a_file_within_every_limit_still_imports(uploads, district, sis_district, export):
    assert import_file(district, export.summary).status == ImportStatus.SUCCEEDED
