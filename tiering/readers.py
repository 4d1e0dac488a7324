"""Reading SIS export files (CSV or XLSX) into typed, row-numbered chunks.

``inspect_file`` works out what a file is (format, encoding, delimiter, headers) from its
content, never its name. ``read_rows`` streams it in chunks of canonical, typed columns so that
memory stays flat for a daily file of tens of millions of rows, and reports every problem it
finds with the row number and column name the person sees in their spreadsheet. Rows with a
problem are left out of the chunk; the caller imports nothing if any chunk had a problem.

Whatever the bytes, the only exception raised for bad input is ``ImportValidationError``; a
file past the upload limits (``filecheck``) is refused before anything parses it.

This is a plain module on purpose: it imports neither Django nor the project's models.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import load_workbook
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from tiering import filecheck
from tiering.filecheck import UploadLimits
from tiering.headers import (
    ATTENDANCE_CODE,
    BIRTH_DATE,
    DATE,
    DAYS_ABSENT,
    DAYS_ENROLLED,
    DISABILITY,
    ENGLISH_LEARNER,
    EXCUSED,
    GRADE,
    LABELS,
    LOW_INCOME,
    REQUIRED,
    SUSPENSION,
    TARDY,
    UNEXCUSED,
    Kind,
    columns_of,
    normalise_descriptor,
)

MAX_REPORTED_ERRORS = 1_000
DEFAULT_LIMITS = UploadLimits()

_SAMPLE_BYTES = 1 << 20
_DELIMITERS = (",", ";", "\t", "|")  # in order of preference when counts tie
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}

_COUNTS = (DAYS_ENROLLED, DAYS_ABSENT, EXCUSED, UNEXCUSED, SUSPENSION, TARDY)
_ABSENCE_PARTS = (EXCUSED, UNEXCUSED, SUSPENSION)
_DATES = (DATE, BIRTH_DATE)
_BOOLEANS = (DISABILITY, ENGLISH_LEARNER, LOW_INCOME)
# Ed-Fi exports write these as descriptor URIs.
_DESCRIPTORS = (ATTENDANCE_CODE, GRADE)

_DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y")
# Outside these a date is a typo (0206 for 2026), and pandas can't hold years past 2262 anyway.
_EARLIEST_DATE = pd.Timestamp("1900-01-01")
_LATEST_DATE = pd.Timestamp("2100-12-31")
_YES = ("y", "yes", "true", "t", "1")
_NO = ("n", "no", "false", "f", "0")
_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
# A count of one school year's days; the summary table holds counts below 10,000 only.
_MOST_DAYS = 366
# Absence counts are often halves or tenths of a day; a sum of tenths is not exact in binary.
_TOLERANCE = 1e-9


# --- Decoding ------------------------------------------------------------------------------------

# Bytes that don't decode are read as Windows-1252, or as the Latin-1 control character where
# 1252 leaves the byte undefined. A UTF-8 file with a stray 1252 name far past the sample that
# chose the encoding keeps that name legible, and no byte can stop the import with a decode error.
_FALLBACK_ERRORS = "tiering-readers-cp1252-fallback"
_CP1252_OR_LATIN1 = tuple(
    bytes([byte]).decode("cp1252", errors="ignore") or chr(byte) for byte in range(256)
)


def _decode_fallback(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeDecodeError):
        raise error
    undecodable = error.object[error.start : error.end]
    return "".join(_CP1252_OR_LATIN1[byte] for byte in undecodable), error.end


codecs.register_error(_FALLBACK_ERRORS, _decode_fallback)


# --- Errors --------------------------------------------------------------------------------------


class ProblemCode(StrEnum):
    """What kind of problem a file has, stored with each for the code that acts on it (the
    import page offers defining unknown attendance codes); the reason is for people."""

    FILE = "file"  # the file as a whole can't be read: refused, empty, unparsable, no year
    COLUMNS = "columns"  # its header row: a column missing, named twice, or none named
    VALUE = "value"  # a row's value is not what its column holds
    NOT_LISTED = "not_listed"  # how many more problems there are than are listed
    # Found across rows or against the district's data (ingest):
    UNKNOWN_SCHOOL = "unknown_school"
    UNKNOWN_ATTENDANCE_CODE = "unknown_attendance_code"
    OUTSIDE_SCHOOL_YEAR = "outside_school_year"
    DAY_ALREADY_IMPORTED = "day_already_imported"
    CONFLICTING_VALUES = "conflicting_values"
    REPEATED_ROW = "repeated_row"
    TOO_LONG = "too_long"


@dataclass(frozen=True)
class RowError:
    row: int  # as a spreadsheet shows it: the header is row 1; 0 means the whole file
    column: str  # the header as written in the file, or "" when no one column is at fault
    value: str
    reason: str
    code: ProblemCode

    def as_json(self) -> dict:
        """As an import's record stores it (AttendanceImport.errors) and reports show it."""
        return {
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "reason": self.reason,
            "code": self.code.value,
        }


class ImportValidationError(Exception):
    """The file can't be imported; ``errors`` says where and why, ``str()`` sums it up."""

    def __init__(self, message: str, errors: Sequence[RowError]) -> None:
        super().__init__(message)
        self.errors = list(errors)

    def __reduce__(self) -> tuple[type[ImportValidationError], tuple[str, list[RowError]]]:
        # Exceptions pickle their args alone; a Celery result or a worker process needs both.
        return type(self), (str(self), self.errors)


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}" + ("" if count == 1 else "s")


def _summary(filename: str, errors: Sequence[RowError], *, problems: int, rows: int) -> str:
    if problems == 1 and errors[0].row <= 1:
        return f"{filename}: {errors[0].reason} Nothing was imported."
    return (
        f"{filename}: {_plural(problems, 'problem')} in {_plural(rows, 'row')}"
        " — nothing was imported."
    )


def _refusal(
    filename: str, reason: str, *, row: int = 0, code: ProblemCode = ProblemCode.FILE
) -> ImportValidationError:
    error = RowError(row=row, column="", value="", reason=reason, code=code)
    return ImportValidationError(
        _summary(filename, [error], problems=1, rows=int(row > 0)), [error]
    )


class ErrorCollector:
    """A file's problems across chunks (and later checks), listing at most ``limit`` of them.

    Listing every problem of a file that is wrong on every row helps no one; the first thousand
    show the pattern, and the count says how much there is to fix.
    """

    def __init__(self, limit: int = MAX_REPORTED_ERRORS) -> None:
        self._limit = limit
        self._listed: list[RowError] = []
        self.count = 0  # problems found, listed or not
        self.row_count = 0  # spreadsheet rows with at least one problem

    def add(
        self, errors: Iterable[RowError], *, unlisted: int = 0, rows: int | None = None
    ) -> None:
        """Record ``errors`` plus ``unlisted`` more; ``rows`` counts the rows they fall on."""
        errors = list(errors)
        self._listed.extend(errors[: max(self._limit - len(self._listed), 0)])
        self.count += len(errors) + unlisted
        self.row_count += len({e.row for e in errors if e.row > 0}) if rows is None else rows

    def add_chunk(self, chunk: Chunk) -> None:
        self.add(chunk.errors, unlisted=chunk.unlisted_errors, rows=chunk.error_rows)

    def __bool__(self) -> bool:
        return self.count > 0

    @property
    def truncated_count(self) -> int:
        return self.count - len(self._listed)

    @property
    def errors(self) -> list[RowError]:
        """The listed problems, then one line saying how many more there are, if any."""
        if not self.truncated_count:
            return list(self._listed)
        more = RowError(
            row=0,
            column="",
            value="",
            reason=(
                f"{_plural(self.truncated_count, 'more problem')} not listed here; fix the ones"
                " above and upload the file again to see the rest."
            ),
            code=ProblemCode.NOT_LISTED,
        )
        return [*self._listed, more]

    def raise_if_any(self, filename: str) -> None:
        if self:
            errors = self.errors
            message = _summary(filename, errors, problems=self.count, rows=self.row_count)
            raise ImportValidationError(message, errors)


# --- Inspecting ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileShape:
    format: str  # "csv" or "xlsx"
    encoding: str | None
    delimiter: str | None
    headers: tuple[str, ...]
    filename: str


def check_size(size: int, *, filename: str, limits: UploadLimits = DEFAULT_LIMITS) -> None:
    """The refusal of a file past the upload size limit, judged from its size alone."""
    try:
        filecheck.check_size(size, limits)
    except filecheck.Refused as refused:
        raise _refusal(filename, refused.reason) from None


def check_upload(path: Path, *, filename: str, limits: UploadLimits = DEFAULT_LIMITS) -> str:
    """``filecheck.CSV`` or ``filecheck.XLSX``, or the refusal of a file that is neither or is
    past a limit (filecheck.py)."""
    try:
        return filecheck.check_file(Path(path), filename=filename, limits=limits)
    except filecheck.Refused as refused:
        raise _refusal(filename, refused.reason) from None


def inspect_file(
    path: Path, *, filename: str | None = None, limits: UploadLimits = DEFAULT_LIMITS
) -> FileShape:
    """What the file is, judged by its content; ``filename`` is the name to show people."""
    path = Path(path)
    name = filename or path.name
    if check_upload(path, filename=name, limits=limits) == filecheck.XLSX:
        return _inspect_xlsx(path, name, limits)
    with path.open("rb") as file:
        sample = file.read(_SAMPLE_BYTES + 1)
    complete = len(sample) <= _SAMPLE_BYTES
    sample = sample[:_SAMPLE_BYTES]
    encoding = _detect_encoding(sample, complete=complete)
    text = codecs.getincrementaldecoder(encoding)(errors=_FALLBACK_ERRORS).decode(
        sample, final=complete
    )
    if not text.strip():
        raise _refusal(name, "The file is empty. Export it again from your SIS and upload it.")
    delimiter = _sniff_delimiter(text)
    try:
        first_row = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except (csv.Error, StopIteration) as error:
        raise _refusal(
            name, "The first row can't be read as column names. Check that it is a CSV file."
        ) from error
    headers = _checked_headers(
        [cell.replace("\ufeff", "").strip() for cell in first_row], name, row=1
    )
    return FileShape(
        format="csv", encoding=encoding, delimiter=delimiter, headers=headers, filename=name
    )


def _detect_encoding(sample: bytes, *, complete: bool) -> str:
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    # Excel's "Unicode Text" export.
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=complete)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def _sniff_delimiter(text: str) -> str:
    """The candidate that splits the first row into the most columns, counting outside quotes."""
    counts = dict.fromkeys(_DELIMITERS, 0)
    quoted = False
    for char in text:
        if char == '"':
            quoted = not quoted
        elif not quoted:
            if char in "\r\n":
                break
            if char in counts:
                counts[char] += 1
    return max(_DELIMITERS, key=counts.__getitem__)


def _checked_headers(headers: Sequence[str], filename: str, *, row: int) -> tuple[str, ...]:
    if not any(headers):
        raise _refusal(
            filename,
            "The first row is empty. Put the column names (such as student_id) in the first row.",
            row=row,
            code=ProblemCode.COLUMNS,
        )
    seen: dict[str, int] = {}
    for header in headers:
        if header:
            seen[header] = seen.get(header, 0) + 1
    repeated = [header for header, count in seen.items() if count > 1]
    if repeated:
        errors = [
            RowError(
                row=row,
                column=header,
                value=header,
                reason=f"{seen[header]} columns are called “{header}”. Rename them so that each"
                " column has its own name.",
                code=ProblemCode.COLUMNS,
            )
            for header in repeated
        ]
        raise ImportValidationError(
            _summary(filename, errors, problems=len(errors), rows=1), errors
        )
    return tuple(headers)


# --- Excel workbooks -----------------------------------------------------------------------------


def _inspect_xlsx(path: Path, filename: str, limits: UploadLimits) -> FileShape:
    with _first_sheet(path, filename, limits) as sheet:
        number, values = _header_row(_sheet_rows(sheet, filename, limits), filename)
    headers = [_cell_text(value).strip() for value in values]
    while not headers[-1]:
        headers.pop()
    return FileShape(
        format="xlsx",
        encoding=None,
        delimiter=None,
        headers=_checked_headers(headers, filename, row=number),
        filename=filename,
    )


@contextmanager
def _first_sheet(path: Path, filename: str, limits: UploadLimits) -> Iterator[ReadOnlyWorksheet]:
    # The zip directory again, as it costs nothing, because read_rows may be handed a path
    # inspect_file never saw; the sheets' sizes are checked again as their rows stream past.
    try:
        filecheck.check_workbook(path, limits, sheets=False)
    except filecheck.Refused as refused:
        raise _refusal(filename, refused.reason) from None
    # A file object, because openpyxl refuses paths without an Excel extension and uploads are
    # stored under names of our choosing.
    with path.open("rb") as file:
        try:
            workbook = load_workbook(file, read_only=True, data_only=True)
        except Exception as error:  # openpyxl reports foreign or damaged files with many types
            raise _refusal(filename, filecheck.DAMAGED_WORKBOOK) from error
        try:
            if not workbook.worksheets:
                raise _refusal(filename, "The workbook has no sheets.")
            sheet = workbook.worksheets[0]
            # Read-only mode stops at the size the file declares, and some writers declare too
            # little; reading to the real end is the only way not to lose rows.
            sheet.reset_dimensions()
            yield sheet
        finally:
            workbook.close()


def _sheet_rows(
    sheet: ReadOnlyWorksheet, filename: str, limits: UploadLimits
) -> Iterator[tuple[int, Sequence[object]]]:
    """(spreadsheet row number, cell values), refusing sheets past the size limits.

    filecheck refused sheets that declare too large a size; these checks catch the ones whose
    declared size is wrong. A row is as wide as its last cell, even one with nothing in it, so
    width is refused before anything scans it: one formatted cell far to the right would
    otherwise make every row cost thousands of cells.
    """
    rows = sheet.iter_rows(values_only=True)
    number = cells = 0
    while True:
        try:
            values = next(rows)
        except StopIteration:
            return
        except Exception as error:  # damaged sheet XML surfaces from openpyxl in many types
            raise _refusal(filename, filecheck.DAMAGED_WORKBOOK) from error
        number += 1
        cells += len(values)
        if number > limits.xlsx_max_rows:
            raise _refusal(
                filename,
                f"The sheet has more than {limits.xlsx_max_rows:,} rows, the most an import reads"
                " from a workbook. Save it as CSV (which has no such limit) and upload that.",
            )
        if len(values) > limits.xlsx_max_columns:
            raise _refusal(
                filename,
                f"Row {number} has cells beyond column {limits.xlsx_max_columns}, more columns"
                " than can be imported. Delete the columns after your data, or copy the data to"
                " a new sheet, and upload it again.",
            )
        if cells > limits.xlsx_max_cells:
            raise _refusal(
                filename,
                f"The sheet has more than {limits.xlsx_max_cells:,} cells, the most an import"
                " reads from a workbook. Save it as CSV and upload that instead, or delete the"
                " columns the import does not need.",
            )
        yield number, values


def _header_row(
    rows: Iterator[tuple[int, Sequence[object]]], filename: str
) -> tuple[int, Sequence[object]]:
    """The first row with anything in it: some exports leave blank rows above the headers."""
    for number, values in rows:
        if not all(_blank(value) for value in values):
            return number, values
    raise _refusal(filename, "The first sheet of the workbook is empty.")


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _cell_text(value: object) -> str:
    """A cell as the text a CSV export would hold, so both formats share one set of checks."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    # Excel stores every number as a float: student 101 and ZIP 2134 come back as 101.0.
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def _date_cell_text(value: object) -> str:
    # A date cell's time of day (midnight, or a timestamp's) says nothing about the school day.
    return value.date().isoformat() if isinstance(value, datetime) else _cell_text(value)


# --- Reading -------------------------------------------------------------------------------------


@dataclass
class Chunk:
    frame: pd.DataFrame
    errors: list[RowError]
    # Problems beyond those listed in ``errors``: no chunk lists more than a whole file may, so
    # a file that is wrong on every row costs little more to read than a good one.
    unlisted_errors: int = 0
    error_rows: int = 0  # rows with at least one problem, listed or not


@dataclass(frozen=True)
class _Layout:
    columns: tuple[str, ...]  # canonical columns read, in the kind's order
    header: dict[str, str]  # canonical column -> header as written
    position: dict[str, int]  # canonical column -> index of its header
    required: frozenset[str]
    width: int  # number of headers
    delimiter: str | None


def _layout(shape: FileShape, kind: Kind, mapping: Mapping[str, str]) -> _Layout:
    columns = tuple(column for column in columns_of(kind) if column in mapping)
    for column in columns:
        if mapping[column] not in shape.headers:
            raise ValueError(f"{column} is mapped to {mapping[column]!r}, not a header of the file")
    missing = [column for column in REQUIRED[kind] if column not in mapping]
    if missing:
        errors = [
            RowError(
                row=1,
                column="",
                value="",
                reason=f"There is no {LABELS[column]} column. Add one, or choose which column"
                " holds it.",
                code=ProblemCode.COLUMNS,
            )
            for column in missing
        ]
        raise ImportValidationError(
            _summary(shape.filename, errors, problems=len(errors), rows=1), errors
        )
    return _Layout(
        columns=columns,
        header={column: mapping[column] for column in columns},
        position={column: shape.headers.index(mapping[column]) for column in columns},
        required=frozenset(REQUIRED[kind]),
        width=len(shape.headers),
        delimiter=shape.delimiter,
    )


def read_rows(
    path: Path,
    shape: FileShape,
    *,
    kind: Kind,
    mapping: Mapping[str, str],
    chunk_rows: int = 250_000,
    limits: UploadLimits = DEFAULT_LIMITS,
    grade_of: Callable[[str], int] | None = None,
) -> Iterator[Chunk]:
    """Stream the file as chunks of the canonical columns ``mapping`` gives for ``kind``.

    Each frame holds the kind's mapped columns, typed, plus ``row`` (the spreadsheet row
    number). Rows with a problem are left out and described in the chunk's errors. Blank rows
    are skipped silently. With ``grade_of`` (a label's grade number; ValueError for none), the
    grade column holds grade numbers, and a row whose grade is none is a problem too.
    """
    if chunk_rows < 1:
        raise ValueError("chunk_rows must be at least 1")
    layout = _layout(shape, kind, mapping)
    if shape.format == "xlsx":
        raw_chunks = _xlsx_chunks(Path(path), shape.filename, layout, chunk_rows, limits)
    else:
        raw_chunks = _csv_chunks(Path(path), shape, layout, chunk_rows)
    for raw, rows in raw_chunks:
        chunk = _typed_chunk(raw, rows, layout)
        if grade_of is not None and GRADE in chunk.frame.columns:
            _grade_numbers(chunk, layout.header[GRADE], grade_of)
        yield chunk


# Every raw chunk has one text column per canonical column plus this one: the first value past
# the last header, which a well-formed row leaves empty.
_EXTRA = "__extra__"
# What pandas raises for a CSV it can't tokenise.
_UNREADABLE = (pd.errors.ParserError, ValueError, UnicodeError)


def _csv_chunks(
    path: Path, shape: FileShape, layout: _Layout, chunk_rows: int
) -> Iterator[tuple[pd.DataFrame, np.ndarray]]:
    """Raw text chunks of a CSV file and their spreadsheet row numbers.

    Engine: pandas' C parser, read in chunks. Reading the synthetic daily file of 50,000
    students (8.6 million rows, 215 MB) through the whole of read_rows takes about 4 s at a
    peak RSS of 250 MB; the same typing fed by pyarrow's streaming reader (pyarrow.csv.open_csv)
    takes about 2 s at 580 MB. The C parser wins on what matters more: it numbers records the
    way a spreadsheet numbers rows even when quoted values hold line breaks, where pyarrow can't
    say which row a malformed line was; it pads short rows instead of rejecting them; and it
    decodes with a lenient error handler. pandas' own pyarrow engine can't read in chunks.

    Columns are read as object: converting only the mapped ones to strings costs less than
    converting every column. One name more than the headers catches a row with one value too
    many (usually a comma inside an unquoted name) without stopping; the C parser refuses rows
    longer still, which ends the read with that row's number.
    """
    width = layout.width
    try:  # the parser reads ahead as soon as it is made
        reader = pd.read_csv(
            path,
            sep=shape.delimiter,
            header=None,
            names=range(width + 1),
            dtype=object,
            na_filter=False,
            skip_blank_lines=False,
            index_col=False,
            encoding=shape.encoding,
            encoding_errors=_FALLBACK_ERRORS,
            engine="c",
            chunksize=chunk_rows,
        )
    except _UNREADABLE as error:
        raise _parser_refusal(shape, error) from error
    with reader:
        while True:
            try:
                raw = next(reader)
            except StopIteration:
                return
            except _UNREADABLE as error:
                raise _parser_refusal(shape, error) from error
            # The index counts records from 0 at the header, so record i is spreadsheet row i + 1.
            raw = raw[raw.index > 0]
            frame = pd.DataFrame(
                {column: raw[layout.position[column]] for column in layout.columns}
            )
            frame[_EXTRA] = raw[width]
            yield frame, raw.index.to_numpy(dtype=np.int64) + 1


_TOO_MANY_FIELDS = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")
_OPEN_QUOTE = re.compile(r"EOF inside string starting at row (\d+)")


def _parser_refusal(shape: FileShape, error: Exception) -> ImportValidationError:
    message = str(error)
    if match := _TOO_MANY_FIELDS.search(message):
        return _refusal(
            shape.filename,
            f"This row has {match[3]} values but there are only {len(shape.headers)} column"
            f" names, so the rows after it were not checked. {_quote_advice(shape.delimiter)}",
            row=int(match[2]),
        )
    if match := _OPEN_QUOTE.search(message):
        return _refusal(
            shape.filename,
            'A value in this row opens a quote (") that is never closed, so the rest of the'
            ' file reads as one value. Close the quote, or write a quote inside a value as "".',
            row=int(match[1]) + 1,
        )
    return _refusal(
        shape.filename,
        "The file can't be read as CSV. Open it in a spreadsheet, save it as CSV and upload it"
        " again.",
    )


def _quote_advice(delimiter: str | None) -> str:
    name = _DELIMITER_NAMES.get(delimiter or ",", "delimiter")
    return f"Put quotes around values that contain a {name}, or remove the extra values."


def _xlsx_chunks(
    path: Path, filename: str, layout: _Layout, chunk_rows: int, limits: UploadLimits
) -> Iterator[tuple[pd.DataFrame, np.ndarray]]:
    """Raw text chunks of the workbook's first sheet and their spreadsheet row numbers."""
    positions = [layout.position[column] for column in layout.columns]
    converters = [_date_cell_text if column in _DATES else _cell_text for column in layout.columns]
    width = layout.width
    with _first_sheet(path, filename, limits) as sheet:
        rows = _sheet_rows(sheet, filename, limits)
        _header_row(rows, filename)
        batch: list[list[str]] = []
        numbers: list[int] = []
        for number, values in rows:
            cells = [
                convert(values[position]) if position < len(values) else ""
                for position, convert in zip(positions, converters, strict=True)
            ]
            extra = next((value for value in values[width:] if not _blank(value)), None)
            cells.append(_cell_text(extra))
            batch.append(cells)
            numbers.append(number)
            if len(batch) == chunk_rows:
                yield _xlsx_frame(batch, layout), np.array(numbers, dtype=np.int64)
                batch, numbers = [], []
        if batch:
            yield _xlsx_frame(batch, layout), np.array(numbers, dtype=np.int64)


def _xlsx_frame(batch: list[list[str]], layout: _Layout) -> pd.DataFrame:
    return pd.DataFrame(batch, columns=[*layout.columns, _EXTRA], dtype=object)


# --- Typing and row checks -----------------------------------------------------------------------


def _phrase(column: str) -> str:
    """The column's label inside a sentence: "days absent", but "ZIP code" and "ID" intact."""
    label = LABELS[column]
    return label if label[1:2].isupper() else label[0].lower() + label[1:]


class _Problems:
    """A chunk's problems, found with whole-column masks and listed only up to the limit."""

    def __init__(self, rows: np.ndarray, layout: _Layout) -> None:
        self._rows = rows
        self._layout = layout
        self._found: list[pd.DataFrame] = []
        self.bad = np.zeros(len(rows), dtype=bool)

    def add(
        self, mask: pd.Series, column: str | None, values: pd.Series, reason: str | pd.Series
    ) -> None:
        """``values`` and a per-row ``reason`` may hold just the masked rows, by index label."""
        selected = mask.to_numpy(dtype=bool, na_value=False)
        if not selected.any():
            return
        self.bad |= selected
        labels = mask.index[selected]
        self._found.append(
            pd.DataFrame(
                {
                    "row": self._rows[selected],
                    "order": -1 if column is None else self._layout.position[column],
                    "column": "" if column is None else self._layout.header[column],
                    "value": values.reindex(labels).fillna("").to_numpy(dtype=object),
                    "reason": (
                        reason
                        if isinstance(reason, str)
                        else reason.reindex(labels).to_numpy(dtype=object)
                    ),
                }
            )
        )

    def listed(self) -> tuple[list[RowError], int, int]:
        """The first problems by row and column, how many more there are, and rows affected."""
        if not self._found:
            return [], 0, 0
        found = pd.concat(self._found, ignore_index=True).sort_values(
            ["row", "order"], kind="stable"
        )
        shown = found.head(MAX_REPORTED_ERRORS)
        errors = [
            RowError(
                row=int(row),
                column=column,
                value=str(value),
                reason=reason,
                code=ProblemCode.VALUE,
            )
            for row, column, value, reason in zip(
                shown["row"], shown["column"], shown["value"], shown["reason"], strict=True
            )
        ]
        return errors, len(found) - len(shown), int(found["row"].nunique())


def _stripped(values: pd.Series) -> pd.Series:
    """Text with surrounding whitespace removed and empty cells missing."""
    text = values.astype("str").str.strip()
    return text.mask(text == "")


def _typed_chunk(raw: pd.DataFrame, rows: np.ndarray, layout: _Layout) -> Chunk:
    raw = raw.reset_index(drop=True)
    text = {column: _stripped(raw[column]) for column in layout.columns}
    # Nearly every row leaves it empty, so only the rare others are converted.
    extra = _stripped(raw[_EXTRA][raw[_EXTRA] != ""]).reindex(raw.index)

    blank = extra.isna()
    for values in text.values():
        blank &= values.isna()
    if blank.any():
        keep = ~blank.to_numpy()
        rows = rows[keep]
        text = {column: values[keep].reset_index(drop=True) for column, values in text.items()}
        extra = extra[keep].reset_index(drop=True)

    problems = _Problems(rows, layout)
    if layout.delimiter is None:
        extra_reason = (
            "This row has a value in a column that has no name. Name the column,"
            " or delete the value."
        )
    else:
        extra_reason = "This row has more values than there are column names. " + _quote_advice(
            layout.delimiter
        )
    problems.add(extra.notna(), None, extra, extra_reason)

    typed: dict[str, pd.Series] = {}
    for column, values in text.items():
        if column in layout.required:
            problems.add(
                values.isna(),
                column,
                values,
                f"Missing {_phrase(column)}. Fill it in or delete the row.",
            )
        if column in _COUNTS:
            typed[column] = _counts(column, values, problems)
        elif column in _DATES:
            typed[column] = _dates(column, values, problems)
        elif column in _BOOLEANS:
            typed[column] = _booleans(column, values, problems)
        elif column in _DESCRIPTORS:
            typed[column] = _without_descriptor_uris(values)
        else:
            typed[column] = values
    _check_totals(typed, text, problems)

    frame = pd.DataFrame(typed)
    frame["row"] = rows
    frame = frame[~problems.bad].reset_index(drop=True)
    errors, unlisted, error_rows = problems.listed()
    return Chunk(frame=frame, errors=errors, unlisted_errors=unlisted, error_rows=error_rows)


def _grade_numbers(chunk: Chunk, header: str, grade_of: Callable[[str], int]) -> None:
    """Grades as the integers the schema stores, checked after the row checks (so only rows
    that passed them) and listed after their problems. Parsed once per distinct label, and
    spread back by position rather than by Series.map (which looked every row up again: 0.7 s
    for 500,000 rows)."""
    frame = chunk.frame
    labels = frame[GRADE]
    codes, distinct = pd.factorize(labels)
    per_label = []
    for label in distinct:
        try:
            per_label.append(int(grade_of(str(label))))
        except ValueError:
            per_label.append(None)
    # factorize codes a missing label as -1, which picks the None appended last.
    table = pd.array([*per_label, None], dtype="Int16")
    numbers = pd.Series(table.take(codes), index=labels.index)
    bad = (labels.notna() & numbers.isna()).to_numpy()
    chunk.errors += [
        RowError(
            row=int(row),
            column=header,
            value=str(value),
            reason="Not a grade; write K, 1 to 12, or PK.",
            code=ProblemCode.VALUE,
        )
        for row, value in zip(frame.loc[bad, "row"], labels[bad], strict=True)
    ]
    chunk.error_rows += int(bad.sum())
    frame[GRADE] = numbers
    chunk.frame = frame[~bad]


def _per_row(values: pd.Series, codes: np.ndarray, per_distinct: pd.Series, missing) -> pd.Series:
    """A value per distinct text (``pd.factorize``'s order) spread back over the rows; a
    missing text, coded -1, picks ``missing``, appended last."""
    return pd.Series(np.append(per_distinct.to_numpy(), missing)[codes], index=values.index)


def _counts(column: str, values: pd.Series, problems: _Problems) -> pd.Series:
    # Counts repeat (days enrolled run to 180 or so), so each distinct text is parsed once:
    # to_numeric over every row took 6.4 s of a 500,000-student summary's 16 s read.
    codes, distinct_values = pd.factorize(values)
    distinct = pd.Series(distinct_values, dtype=values.dtype)
    numeric = distinct.str.fullmatch(_NUMBER).fillna(False).astype(bool)
    parsed = pd.to_numeric(distinct.where(numeric), errors="coerce").astype("float64")
    numbers = _per_row(values, codes, parsed, np.nan)
    not_number = values.notna() & ~np.isfinite(numbers)
    negative = numbers < 0
    too_many = numbers > _MOST_DAYS
    problems.add(
        not_number,
        column,
        values,
        f"Not a number. Write {_phrase(column)} as a number, such as 12 or 12.5.",
    )
    problems.add(negative, column, values, f"{LABELS[column]} can't be negative. Write 0 or more.")
    problems.add(
        too_many,
        column,
        values,
        f"{LABELS[column]} can't be more than {_MOST_DAYS}, the days in a year. Check that the"
        " column counts days of this school year.",
    )
    # Left missing, so that the checks of totals only compare numbers that passed.
    return numbers.where(~(not_number | negative | too_many))


def _dates(column: str, values: pd.Series, problems: _Problems) -> pd.Series:
    # A daily file repeats a school year's 180 or so dates, so each distinct text is parsed once.
    codes, distinct_values = pd.factorize(values)
    distinct = pd.Series(distinct_values)
    parsed = pd.Series(pd.NaT, index=distinct.index, dtype="datetime64[us]")
    for date_format in _DATE_FORMATS:
        pending = parsed.isna()
        if not pending.any():
            break
        parsed[pending] = pd.to_datetime(distinct[pending], format=date_format, errors="coerce")
    out_of_range = (parsed < _EARLIEST_DATE) | (parsed > _LATEST_DATE)
    problems.add(
        _per_row(values, codes, parsed.isna(), False),
        column,
        values,
        "Not a date. Write dates as 2026-09-14 or 9/14/2026.",
    )
    problems.add(
        _per_row(values, codes, out_of_range, False),
        column,
        values,
        f"The year is out of range; {_phrase(column)}s must fall between 1900 and 2100.",
    )
    return _per_row(
        values,
        codes,
        parsed.mask(out_of_range).astype("datetime64[ns]"),
        np.datetime64("NaT", "ns"),
    )


def _booleans(column: str, values: pd.Series, problems: _Problems) -> pd.Series:
    lowered = values.str.lower()
    yes = lowered.isin(_YES).to_numpy(dtype=bool)
    no = lowered.isin(_NO).to_numpy(dtype=bool)
    problems.add(
        values.notna() & ~(yes | no),
        column,
        values,
        "Not a yes/no value. Write Y or N (Yes/No, True/False, T/F and 1/0 work too).",
    )
    result = pd.array(yes, dtype="boolean")
    result[~(yes | no)] = pd.NA
    return pd.Series(result, index=values.index)


def _without_descriptor_uris(values: pd.Series) -> pd.Series:
    if not values.str.contains("://", regex=False).fillna(False).any():
        return values
    # A file holds few distinct codes, so normalising each distinct value once is cheap.
    distinct = values.dropna().unique()
    table = {value: normalise_descriptor(value) for value in distinct}
    return values.map(table).astype(values.dtype)


def _check_totals(
    typed: dict[str, pd.Series], text: dict[str, pd.Series], problems: _Problems
) -> None:
    if DAYS_ABSENT not in typed:
        return
    absent = typed[DAYS_ABSENT]
    if DAYS_ENROLLED in typed:
        over = absent > typed[DAYS_ENROLLED] + _TOLERANCE
        if over.any():
            problems.add(
                over,
                DAYS_ABSENT,
                text[DAYS_ABSENT],
                "Days absent ("
                + text[DAYS_ABSENT][over]
                + ") is more than days enrolled ("
                + text[DAYS_ENROLLED][over]
                + ").",
            )
    parts = [column for column in _ABSENCE_PARTS if column in typed]
    if not parts:
        return
    total = sum(
        (typed[column].fillna(0.0) for column in parts), start=pd.Series(0.0, index=absent.index)
    )
    over = total > absent + _TOLERANCE
    if over.any():
        named = [_phrase(column) for column in parts]
        listed = named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]
        problems.add(
            over,
            DAYS_ABSENT,
            text[DAYS_ABSENT],
            listed[0].upper()
            + listed[1:]
            + " add up to "
            + total[over].map(_number_text)
            + ", more than days absent ("
            + text[DAYS_ABSENT][over]
            + ").",
        )


def _number_text(number: float) -> str:
    return str(int(number)) if number.is_integer() else f"{number:g}"
