"""Whether an uploaded file may be read at all, judged before anything parses it.

Three checks, cheapest first: the file's size; what it is, by its content (never its name or
the browser's MIME type); and, for a workbook, limits read from the zip directory and from the
head of each sheet, so that a zip bomb or a sheet of billions of cells is refused without being
inflated. ``readers.inspect_file`` runs them before it reads anything, and the import service
runs them on an upload before it records an import.

Magic bytes are enough here: the only formats read are text and OOXML workbooks, and both need
checks of their own (encodings and NUL bytes; the zip's parts) that no file-type library does.
The short table below only names the usual wrong files, so the person knows what they sent.

This is a plain module on purpose: it imports neither Django nor pandas nor openpyxl, so
settings can take their defaults from ``UploadLimits``.
"""

from __future__ import annotations

import codecs
import posixpath
import re
import struct
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from xml.etree.ElementTree import Element, ParseError

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

MiB = 1 << 20
CSV = "csv"
XLSX = "xlsx"


@dataclass(frozen=True)
class UploadLimits:
    """What an import accepts. settings.py reads each from the environment (README lists them);
    these are the defaults."""

    # A large district's year of daily records is about 9M rows; at 60-100 bytes a row (ID,
    # school, date, code, grade, often a name) that is 0.5-0.9 GB of CSV.
    max_bytes: int = 1024 * MiB
    # Everything a workbook unpacks to. Excel's largest sheet (1,048,576 rows) of 20 columns
    # is about 0.8 GB of sheet XML.
    xlsx_max_unpacked_bytes: int = 1024 * MiB
    # Sheet XML deflates 5-15 times (incrementing cell references keep it from doing better);
    # a zip bomb, hundreds or thousands of times. Apache POI refuses past 100 too.
    xlsx_max_ratio: int = 100
    # A workbook holds a dozen parts plus a few per sheet, chart or picture.
    xlsx_max_members: int = 1_000
    # openpyxl opens every sheet of a workbook to size it, though only the first is imported.
    xlsx_max_sheets: int = 100
    # Excel's own limits: a sheet past them did not come from Excel.
    xlsx_max_rows: int = 1_048_576
    xlsx_max_columns: int = 200
    # Rows x columns of the sheet read. openpyxl read 20,000 cells a second on this project's
    # busy shared machine (a few times more when idle): this keeps a workbook import to minutes.
    # CSV has no such cost.
    xlsx_max_cells: int = 25_000_000


class Refused(Exception):
    """The file is not read; ``reason`` says why and what to upload instead."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def size_text(size: int, *, beside: int | None = None) -> str:
    """A byte count as people read it; exact when rounding would make it equal ``beside``."""
    text = _rounded(size)
    if beside is not None and text == _rounded(beside):
        return f"{size:,} bytes"
    return text


def _rounded(size: int) -> str:
    for unit, name in ((1 << 30, "GB"), (MiB, "MB"), (1 << 10, "KB")):
        if size >= unit:
            return f"{size / unit:,.1f}".removesuffix(".0") + f" {name}"
    return f"{size:,} bytes"


def check_size(size: int, limits: UploadLimits) -> None:
    if size > limits.max_bytes:
        raise Refused(
            f"The file is {size_text(size, beside=limits.max_bytes)}, more than the"
            f" {size_text(limits.max_bytes, beside=size)} an import takes. Split it by school and"
            " upload the parts one after the other (a year-to-date daily file replaces only the"
            " schools and dates it holds), or upload a summary file of year-to-date totals."
        )


def check_file(path: Path, *, filename: str, limits: UploadLimits) -> str:
    """``CSV`` or ``XLSX``, or ``Refused`` if the file is neither or is past a limit."""
    path = Path(path)
    check_size(path.stat().st_size, limits)
    with path.open("rb") as file:
        head = file.read(_HEAD_BYTES)
    if len(head) < _HEAD_BYTES and not head.strip(b" \t\r\n" + codecs.BOM_UTF8):
        return CSV  # readers says it is empty, whatever its name
    if head.startswith(_ZIP_MAGIC):
        check_workbook(path, limits)
        found = XLSX
    else:
        _check_text(path, head)
        found = CSV
    _check_name(filename, found)
    return found


# --- What a file is ------------------------------------------------------------------------------

_HEAD_BYTES = 64 * 1024
# A local file header, or the end record of an empty archive.
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_SIGNATURES = (
    (b"%PDF-", "a PDF document"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"{\\rtf", "a rich-text (RTF) document"),
)
_ARCHIVES = (
    (b"\x1f\x8b", "a gzip-compressed file"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
)
_UPLOAD_INSTEAD = "Export the attendance from your SIS as CSV or Excel (.xlsx) and upload that."
_NOT_A_TABLE = "This is not a CSV file or an Excel workbook"


def _check_text(path: Path, head: bytes) -> None:
    if head.startswith(_OLE2_MAGIC):
        raise Refused(
            "This is an old-style Excel file (.xls), or a workbook protected with a password,"
            " which Excel stores the same way. Open it in Excel, remove any password, save it as"
            " .xlsx or CSV and upload that."
        )
    for magic, what in _SIGNATURES:
        if head.startswith(magic):
            raise Refused(
                f"This file is {what}, not a CSV file or an Excel workbook. {_UPLOAD_INSTEAD}"
            )
    for magic, what in _ARCHIVES:
        if head.startswith(magic):
            raise Refused(
                f"This file is {what}, not a CSV file or an Excel workbook. Unpack it and upload"
                " the CSV or .xlsx file inside."
            )
    if markup := _markup(head):
        raise Refused(
            f"This file is {markup}, not a CSV file or an Excel workbook, though some systems"
            f" give such files an .xls name. {_UPLOAD_INSTEAD}"
        )
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        _check_utf16(path)
        return
    # Binary data of any length holds NUL bytes, and text never does (PostgreSQL can't store
    # them either); other control characters are left to the rows' checks, as typos.
    if b"\x00" in head:
        raise Refused(_utf16_without_bom() if _looks_utf16(head) else _binary())
    _check_no_nul(path)


def _markup(head: bytes) -> str | None:
    start = head.removeprefix(codecs.BOM_UTF8).lstrip()[:1024].lower()
    if start.startswith((b"<!doctype html", b"<html", b"<table")):
        return "a web page (HTML)"
    if start.startswith(b"<?xml"):
        if b"urn:schemas-microsoft-com:office:spreadsheet" in start:
            return "an Excel 2003 XML spreadsheet"
        return "an XML file"
    return None


def _looks_utf16(head: bytes) -> bool:
    # ASCII text in UTF-16 has a NUL in every other byte.
    pairs = head[: len(head) - len(head) % 2]
    return len(pairs) >= 4 and (
        pairs[0::2].count(0) * 10 > len(pairs) * 4 or pairs[1::2].count(0) * 10 > len(pairs) * 4
    )


def _utf16_without_bom() -> str:
    return (
        "This file looks like text saved as UTF-16 without the mark that says so. Save it again"
        " as “CSV UTF-8” (in Excel: File, Save As, CSV UTF-8) and upload that."
    )


def _binary(line: int | None = None) -> str:
    where = "" if line is None else f" (a NUL byte on line {line:,})"
    return (
        f"{_NOT_A_TABLE}: it holds binary data{where}, which no CSV export does. {_UPLOAD_INSTEAD}"
    )


def _check_no_nul(path: Path) -> None:
    # memchr over 1 MB blocks: a fraction of a second for the largest file taken.
    lines = 1
    with path.open("rb") as file:
        while block := file.read(MiB):
            at = block.find(b"\x00")
            if at != -1:
                raise Refused(_binary(lines + block.count(b"\n", 0, at)))
            lines += block.count(b"\n")


def _check_utf16(path: Path) -> None:
    decoder = codecs.getincrementaldecoder("utf-16")(errors="replace")
    lines = 1
    with path.open("rb") as file:
        while True:
            block = file.read(MiB)
            text = decoder.decode(block, final=not block)
            at = text.find("\x00")
            if at != -1:
                raise Refused(_binary(lines + text.count("\n", 0, at)))
            lines += text.count("\n")
            if not block:
                return


_CSV_NAMES = (".csv", ".txt", ".tsv", ".tab")
_XLSX_NAMES = (".xlsx", ".xlsm")


def _check_name(filename: str, found: str) -> None:
    """A name that says the other format means the wrong file was picked, or a file was renamed
    instead of converted; names that say neither (or nothing) leave it to the content."""
    suffix = Path(filename).suffix.lower()
    if found == XLSX and suffix in _CSV_NAMES:
        raise Refused(
            f"The file's name ends in {suffix}, but it is an Excel workbook. If it is the right"
            " file, rename it to end in .xlsx (or save it from Excel as CSV) and upload it again."
        )
    if found == CSV and suffix in _XLSX_NAMES:
        raise Refused(
            f"The file's name ends in {suffix}, but it is text (CSV), not an Excel workbook. If it"
            " is the right file, rename it to end in .csv (or open it in Excel and save it as"
            " .xlsx) and upload it again."
        )


# --- Workbooks -----------------------------------------------------------------------------------

DAMAGED_WORKBOOK = (
    "This file is a ZIP archive but not an Excel workbook that can be read. Open it in Excel,"
    " save it as .xlsx or CSV and upload that."
)
_BOMB = (
    "This workbook unpacks to far more data than its size suggests, so it was not opened. Save"
    " the sheet as CSV and upload that instead."
)
_CONTENT_TYPES = "[Content_Types].xml"
_WORKBOOK = "xl/workbook.xml"
_WORKBOOK_RELS = "xl/_rels/workbook.xml.rels"
# Members this small can't hide much whatever their ratio; the total limit still counts them.
_RATIO_GRACE_BYTES = MiB
# workbook.xml and its relationships list the sheets: kilobytes, even for a hundred sheets.
_PART_MAX_BYTES = 16 * MiB


def check_workbook(path: Path, limits: UploadLimits, *, sheets: bool = True) -> None:
    """Refuse a ZIP that is not an OOXML workbook, or one past the limits, without inflating
    more than the head of each sheet (or, for a sheet that does not declare its size, counting
    its rows as it streams through, never holding more than a block). ``sheets=False`` checks
    the zip directory alone, in milliseconds whatever the sheets hold."""
    with Path(path).open("rb") as file:
        declared = _declared_members(file)
    if declared is not None and declared > limits.xlsx_max_members:
        raise _too_many_members(declared, limits)
    try:
        archive = zipfile.ZipFile(path)
    except Exception as error:  # a damaged archive fails in many ways; all mean the same here
        raise Refused(DAMAGED_WORKBOOK) from error
    with archive:
        members = archive.infolist()
        if len(members) > limits.xlsx_max_members:
            raise _too_many_members(len(members), limits)
        _check_sizes(members, Path(path).stat().st_size, limits)
        names = {member.filename for member in members}
        if not {_CONTENT_TYPES, _WORKBOOK} <= names:
            raise Refused(_what_the_zip_is(archive, names))
        if not sheets:
            return
        try:
            listed, worksheets = _sheets(archive, names)
            if listed > limits.xlsx_max_sheets:
                raise Refused(
                    f"The workbook has {listed:,} sheets, more than the {limits.xlsx_max_sheets:,}"
                    " an import opens. Copy the sheet to import into a new workbook, or save it"
                    " as CSV, and upload that."
                )
            for index, part in enumerate(worksheets):
                with archive.open(part) as stream:
                    _check_sheet(_sheet_extent(stream, limits), first=index == 0, limits=limits)
        except Refused:
            raise
        except Exception as error:  # damaged members surface from zipfile and zlib in many types
            raise Refused(DAMAGED_WORKBOOK) from error


def _too_many_members(count: int, limits: UploadLimits) -> Refused:
    return Refused(
        f"This ZIP file holds {count:,} files; an Excel workbook holds a few dozen, and an import"
        f" opens none with more than {limits.xlsx_max_members:,}. Save the sheet as CSV and"
        " upload that instead."
    )


def _declared_members(file: IO[bytes]) -> int | None:
    """The member count in the archive's end record, read before zipfile builds an entry per
    member: a directory of millions of members costs memory before any can be counted.
    None when there is no readable end record (zipfile then refuses the archive)."""
    file.seek(0, 2)
    size = file.tell()
    tail_size = min(size, 22 + 0xFFFF)  # the end record, and the longest comment it may carry
    file.seek(size - tail_size)
    tail = file.read(tail_size)
    at = tail.rfind(b"PK\x05\x06")
    if at == -1 or len(tail) - at < 22:
        return None
    (count,) = struct.unpack_from("<H", tail, at + 10)
    if count != 0xFFFF or at < 20 or tail[at - 20 : at - 16] != b"PK\x06\x07":
        return count
    # ZIP64: the locator before the end record says where the ZIP64 end record is.
    (offset,) = struct.unpack_from("<Q", tail, at - 12)
    if offset > size - 56:
        return None
    file.seek(offset)
    record = file.read(56)
    if not record.startswith(b"PK\x06\x06"):
        return None
    (count,) = struct.unpack_from("<Q", record, 32)
    return count


def _check_sizes(members: list[zipfile.ZipInfo], archive_size: int, limits: UploadLimits) -> None:
    """The sizes the directory declares bound what zipfile will ever return (it stops at the
    declared size and fails the CRC past it), so they can be trusted as upper bounds."""
    unpacked = sum(member.file_size for member in members)
    if unpacked > limits.xlsx_max_unpacked_bytes:
        raise Refused(
            f"This workbook unpacks to {size_text(unpacked)}, more than the"
            f" {size_text(limits.xlsx_max_unpacked_bytes)} an import reads from a workbook. Save"
            " the sheet as CSV and upload that instead."
        )
    # Members whose packed data overlap (a known bomb construction) add up to more than the file.
    if sum(member.compress_size for member in members) > archive_size:
        raise Refused(_BOMB)
    for member in members:
        if member.file_size > _RATIO_GRACE_BYTES and member.file_size > limits.xlsx_max_ratio * max(
            member.compress_size, 1
        ):
            raise Refused(_BOMB)


def _what_the_zip_is(archive: zipfile.ZipFile, names: set[str]) -> str:
    if "word/document.xml" in names:
        what = "a Word document (.docx)"
    elif "ppt/presentation.xml" in names:
        what = "a PowerPoint presentation (.pptx)"
    elif "xl/workbook.bin" in names:
        what = "an Excel binary workbook (.xlsb)"
    elif (mimetype := _small_member(archive, "mimetype")) is not None and mimetype.startswith(
        b"application/vnd.oasis.opendocument"
    ):
        what = (
            "an OpenDocument spreadsheet (.ods)"
            if mimetype.startswith(b"application/vnd.oasis.opendocument.spreadsheet")
            else "an OpenDocument file"
        )
    else:
        tables = sorted(
            name for name in names if name.lower().endswith((*_CSV_NAMES, *_XLSX_NAMES))
        )
        if tables:
            listed = ", ".join(_shown(name) for name in tables[:3])
            more = f" and {len(tables) - 3:,} more" if len(tables) > 3 else ""
            return (
                f"This is a ZIP archive holding {listed}{more}, not an Excel workbook. Unzip it"
                " and upload the CSV or .xlsx file inside."
            )
        return f"This is a ZIP archive of other files, not an Excel workbook. {_UPLOAD_INSTEAD}"
    return (
        f"This file is {what}, not an Excel workbook (.xlsx). Save it as .xlsx or CSV and upload"
        " that."
    )


def _shown(name: str) -> str:
    # A member's name is the sender's text: shown short, and only ever escaped by the page.
    name = posixpath.basename(name.rstrip("/")) or name
    return f"“{name[:60]}…”" if len(name) > 60 else f"“{name}”"


def _small_member(archive: zipfile.ZipFile, name: str) -> bytes | None:
    try:
        member = archive.getinfo(name)
    except KeyError:
        return None
    return archive.read(member) if member.file_size <= 1024 else None


def _local(tag: object) -> str:
    # Comments and processing instructions have a function for a tag.
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _part(archive: zipfile.ZipFile, name: str) -> Element:
    member = archive.getinfo(name)
    if member.file_size > _PART_MAX_BYTES:
        raise Refused(DAMAGED_WORKBOOK)
    try:
        # defusedxml refuses entity declarations, the billion-laughs kind of bomb.
        return ElementTree.fromstring(archive.read(member))
    except (ParseError, DefusedXmlException, ValueError) as error:
        raise Refused(DAMAGED_WORKBOOK) from error


def _sheets(archive: zipfile.ZipFile, names: set[str]) -> tuple[int, list[str]]:
    """How many sheets the workbook lists, and the parts of its worksheets in its order (the
    first is the one imported), resolved as openpyxl resolves them."""
    listed = [
        element for element in _part(archive, _WORKBOOK).iter() if _local(element.tag) == "sheet"
    ]
    targets: dict[str, str] = {}
    if _WORKBOOK_RELS in names:
        for element in _part(archive, _WORKBOOK_RELS).iter():
            if _local(element.tag) == "Relationship" and element.get("Type", "").endswith(
                "/worksheet"
            ):
                targets[element.get("Id", "")] = element.get("Target", "")
    parts = []
    for sheet in listed:
        relation = next((value for key, value in sheet.attrib.items() if key.endswith("}id")), "")
        target = targets.get(relation)
        if target is None:
            continue
        part = (
            target.lstrip("/")
            if target.startswith("/")
            else posixpath.normpath(posixpath.join("xl", target))
        )
        if part in names:
            parts.append(part)
    return len(listed), parts


@dataclass(frozen=True)
class _Extent:
    rows: int
    columns: int | None  # None when the sheet does not declare its size
    declared: bool


_BLOCK = 64 * 1024
_HEAD_LIMIT = MiB
_DIMENSION = re.compile(rb"<(?:[\w.-]+:)?dimension\b[^>]*?\bref\s*=\s*[\"']([^\"']*)[\"']")
_SHEET_DATA = re.compile(rb"<([\w.-]+:)?sheetData\b")
_REFERENCE = re.compile(r"\$?([A-Za-z]{1,3})\$?([0-9]{1,7})")


def _sheet_extent(stream: IO[bytes], limits: UploadLimits) -> _Extent:
    """The size the sheet declares in its <dimension> (as openpyxl reads it: only before the
    sheet's data), or else its rows counted as the XML streams past, stopping as soon as the
    count passes the limit."""
    head = b""
    while len(head) < _HEAD_LIMIT:
        block = stream.read(_BLOCK)
        if not block:
            break
        head += block
        data = _SHEET_DATA.search(head)
        dimension = _DIMENSION.search(head, 0, data.start() if data else len(head))
        if dimension and (extent := _declared(dimension[1].decode("ascii", "replace"))):
            return extent
        if data:
            break
    # Row tags carry the sheetData tag's namespace prefix, if any; a pattern that starts with
    # the literal tag scans several times faster than one that allows any prefix.
    prefix = re.escape(data[1] or b"") if data else b""
    rows = _counted_rows(
        head,
        stream,
        limits,
        row=re.compile(b"<" + prefix + rb"row\b"),
        numbered=re.compile(b"<" + prefix + rb"row\b[^>]*?\br\s*=\s*[\"']\s*([0-9]+)"),
    )
    return _Extent(rows=rows, columns=None, declared=False)


def _declared(ref: str) -> _Extent | None:
    last = ref.rsplit(":", 1)[-1]
    match = _REFERENCE.fullmatch(last.strip())
    if not match:
        return None  # openpyxl can't use it either; it will call the workbook damaged
    columns = 0
    for letter in match[1].upper():
        columns = columns * 26 + ord(letter) - ord("A") + 1
    return _Extent(rows=int(match[2]), columns=columns, declared=True)


def _counted_rows(
    head: bytes, stream: IO[bytes], limits: UploadLimits, *, row: re.Pattern, numbered: re.Pattern
) -> int:
    """How many rows openpyxl would produce at most, counted until the count passes the limit.

    openpyxl numbers a row by its r attribute, or as the one after the previous row, and
    produces the empty rows up to a far r. So no row is numbered past the highest r seen plus
    the rows without an r: exact for the usual sheets (every row has an r, or none has), an
    upper bound for the rest. Counted a block at a time in C, not row by row in Python.
    """
    rows = with_number = highest = 0
    for text in _tags(head, stream):
        rows += len(row.findall(text))
        numbers = numbered.findall(text)
        if numbers:
            if max(map(len, numbers)) > 9:
                return limits.xlsx_max_rows + 1
            with_number += len(numbers)
            highest = max(highest, *map(int, numbers))
        bound = highest + rows - with_number
        if bound > limits.xlsx_max_rows:
            return bound
    return highest + rows - with_number


def _tags(head: bytes, stream: IO[bytes]) -> Iterator[bytes]:
    """The sheet's XML in blocks that never split a tag: an unfinished tag at a block's end is
    carried over to the next (a tag is short; text between tags is never carried)."""
    carry = b""
    block = head
    while block:
        text = carry + block
        start = text.rfind(b"<")
        if start != -1 and text.find(b">", start) == -1 and len(text) - start < _HEAD_LIMIT:
            text, carry = text[:start], text[start:]
        else:
            carry = b""
        yield text
        block = stream.read(_BLOCK)
    if carry:
        yield carry


def _check_sheet(extent: _Extent, *, first: bool, limits: UploadLimits) -> None:
    if extent.rows > limits.xlsx_max_rows:
        which = "The first sheet" if first else "Another sheet of the workbook"
        # A counted sheet was only counted up to the limit.
        rows = f"{extent.rows:,} rows, more than" if extent.declared else "more than"
        raise Refused(
            f"{which} has {rows} the {limits.xlsx_max_rows:,} rows an import reads from a"
            " workbook. Save the sheet as CSV (which has no such limit) and upload that instead."
        )
    if not first or extent.columns is None:
        return
    if extent.columns > limits.xlsx_max_columns:
        raise Refused(
            f"The first sheet reaches column {extent.columns:,}, more than the"
            f" {limits.xlsx_max_columns:,} columns an import reads. Delete the columns after your"
            " data, or copy the data to a new sheet, and upload it again."
        )
    cells = extent.rows * extent.columns
    if cells > limits.xlsx_max_cells:
        raise Refused(
            f"The first sheet spans {extent.rows:,} rows by {extent.columns:,} columns"
            f" ({cells:,} cells), more than the {limits.xlsx_max_cells:,} cells an import reads"
            " from a workbook. Save it as CSV and upload that instead, or delete the columns"
            " the import does not need."
        )
