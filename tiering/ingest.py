"""Loading a validated SIS file into PostgreSQL, set-based: COPY into a temporary staging
table, checks across rows in SQL (each problem keeps its file row number), merge into the
fact tables, then classify every student in one GROUP BY.

Heavy work with no ORM in it: every function takes a DB-API cursor (psycopg2, inside the
caller's transaction) and plain values, so an import is exactly as atomic as that transaction.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import numpy as np
import pandas as pd
import psycopg2.errors
import pyarrow as pa
import pyarrow.compute as pc

from districts.models import School, reporting_year

from .bands import band_sql
from .headers import LABELS, Kind
from .models import AttendanceCategory, Student
from .readers import ProblemCode

STAGE = "import_stage"
# The staged students, each SIS ID once with the district's id for it (students.id): written by
# _upsert_students, joined by the daily merge's statements after it instead of looking each
# student up again by SIS ID.
STUDENTS = "import_student"
Problem = tuple[int, str, str, str, ProblemCode]  # row, canonical column, value, reason, code

# Staging columns per kind: everything arrives as text or an already-typed value, and the
# file's row number travels with each row so that every problem points at its line.
_STAGE_COLUMNS: dict[Kind, tuple[tuple[str, str], ...]] = {
    Kind.DAILY: (
        ("row", "bigint"),
        ("student_id", "text"),
        ("school_code", "text"),
        ("date", "date"),
        ("attendance_code", "text"),
        ("grade", "smallint"),
    ),
    Kind.SUMMARY: (
        ("row", "bigint"),
        ("student_id", "text"),
        ("school_code", "text"),
        ("grade", "smallint"),
        ("days_enrolled", "numeric"),
        ("days_absent", "numeric"),
        ("excused", "numeric"),
        ("unexcused", "numeric"),
        ("suspension", "numeric"),
        ("tardy", "numeric"),
    ),
    Kind.ROSTER: (
        ("row", "bigint"),
        ("student_id", "text"),
        ("school_code", "text"),
        ("grade", "smallint"),
    ),
}
DEMOGRAPHICS: tuple[tuple[str, str], ...] = (
    ("first_name", "text"),
    ("last_name", "text"),
    ("birth_date", "date"),
    ("gender", "text"),
    ("race_ethnicity", "text"),
    ("disability", "boolean"),
    ("english_learner", "boolean"),
    ("low_income", "boolean"),
    ("zip_code", "text"),
)
# Summary and roster files may carry demographics; daily files do not.
for _kind in (Kind.SUMMARY, Kind.ROSTER):
    _STAGE_COLUMNS[_kind] += DEMOGRAPHICS

ABSENCE_CATEGORIES = (
    AttendanceCategory.EXCUSED,
    AttendanceCategory.UNEXCUSED,
    AttendanceCategory.SUSPENSION_OUT,
)


@dataclass(frozen=True)
class Target:
    district_id: int
    kind: Kind
    school_year_id: int
    first_day: date
    last_day: date
    as_of: date | None
    create_schools: bool = False
    append: bool = False
    # Each row replaces its student's day and no other (a batch of attendance events): a
    # year-to-date file replaces every day of its students over the dates it spans.
    named_days_only: bool = False
    # Whether the merge refreshes the statistics of the tables it writes before reading them
    # again: a batch of at most 10,000 events leaves that to autovacuum, as ANALYZE samples up
    # to 30,000 rows of a table whatever the batch's size (half a second of each batch), and
    # no plan for so few rows is slow.
    refresh_statistics: bool = True
    # The file is complete for its schools: students the district has there whom it does not
    # mention are no longer enrolled there (Coverage.COMPLETE).
    complete: bool = False

    @property
    def reporting_year(self) -> int:
        """The partition of the summaries and standings the school year's rows live in: every
        statement on them names it, so it reads and writes that partition only."""
        return reporting_year(self.first_day)

    def written_partitions(self) -> tuple[str, ...]:
        """The partitions an import of this kind writes: a school year's days lie in the
        partitions of the reporting years its dates cross (one, for a July–June year)."""
        if self.kind == Kind.DAILY:
            years = range(reporting_year(self.first_day), reporting_year(self.last_day) + 1)
            return tuple(partition("tiering_attendanceday", year) for year in years)
        if self.kind == Kind.SUMMARY:
            return (partition("tiering_attendancesummary", self.reporting_year),)
        return ()


def partition(table: str, year: int) -> str:
    """The name migration 0018's attendance_year_partitions gives a table's partition of a
    reporting year: tiering_standing_2026_27 for July 2026 – June 2027."""
    return f"{table}_{year}_{(year + 1) % 100:02d}"


@dataclass(frozen=True)
class Rule:
    minimum_days_enrolled: int
    count_in_school_suspension: bool
    partial_day_fraction: Decimal


def stage_columns(kind: Kind) -> tuple[str, ...]:
    return tuple(name for name, _ in _STAGE_COLUMNS[kind])


def lock_content(cursor, *, district_id: int, sha256: str) -> None:
    """Waits until no other transaction is importing this content for this district; the lock
    ends with the transaction, so a worker that dies cannot leave it behind."""
    cursor.execute(
        "SELECT pg_advisory_xact_lock(hashtext('tiering.import'), hashtext(%s))",
        [f"{district_id}:{sha256}"],
    )


def create_stage(cursor, kind: Kind) -> None:
    # The import's sorts and hash aggregates run over every staged row; with the default 4 MB
    # they spill to disk. Local to the import's transaction.
    cursor.execute("SET LOCAL work_mem = '256MB'")
    columns = ", ".join(f"{name} {sql_type}" for name, sql_type in _STAGE_COLUMNS[kind])
    cursor.execute(f"DROP TABLE IF EXISTS {STAGE}")
    # Temporary and dropped at commit: nothing of a failed import outlives its transaction.
    cursor.execute(f"CREATE TEMP TABLE {STAGE} ({columns}) ON COMMIT DROP")


@dataclass
class Staged:
    """What the staged rows hold, gathered from each chunk as it is copied: the checks and the
    merge ask it instead of scanning millions of staged rows for a handful of distinct values."""

    rows: int = 0
    columns: set[str] = field(default_factory=set)
    school_codes: set[str] = field(default_factory=set)
    attendance_codes: set[str] = field(default_factory=set)
    first_date: date | None = None
    last_date: date | None = None

    def add(self, frame: pd.DataFrame) -> None:
        self.rows += len(frame)
        self.columns.update(column for column in frame.columns if frame[column].notna().any())
        if "school_code" in frame.columns:
            self.school_codes.update(frame["school_code"].dropna().unique())
        if "attendance_code" in frame.columns:
            self.attendance_codes.update(frame["attendance_code"].dropna().unique())
        if "date" in frame.columns and frame["date"].notna().any():
            first, last = frame["date"].min().date(), frame["date"].max().date()
            self.first_date = min(first, self.first_date or first)
            self.last_date = max(last, self.last_date or last)


class StageWriter:
    """One COPY into the staging table for the whole file, fed chunk by chunk: a thread of
    its own waits on PostgreSQL (psycopg2 lets go of the GIL while it sends) so that the server
    stores one chunk while Python reads and types the next, on the other core.

    Use as a context manager; leaving it ends the COPY and raises what the COPY raised."""

    _END = b""

    def __init__(self, cursor, kind: Kind, staged: Staged) -> None:
        self._cursor = cursor
        self._kind = kind
        self._staged = staged
        self._chunks: queue.Queue[bytes] = queue.Queue(maxsize=2)
        self._thread: threading.Thread | None = None
        self._columns: list[str] = []
        self._failure: BaseException | None = None

    def __enter__(self) -> StageWriter:
        return self

    def write(self, frame: pd.DataFrame) -> None:
        if frame.empty:  # its COPY text would read as the end of the stream
            return
        if self._thread is None:
            self._columns = [c for c in stage_columns(self._kind) if c in frame.columns]
            self._thread = threading.Thread(target=self._copy, name="import-copy", daemon=True)
            self._thread.start()
        self._put(copy_text(frame, self._columns))
        self._staged.add(frame)

    def __exit__(self, exc_type, exc, traceback) -> None:
        if self._thread is None:
            return
        self._put(self._END)
        self._thread.join()
        if self._failure is not None and exc is None:
            raise self._failure

    def _put(self, data: bytes) -> None:
        # A COPY that failed reads no more: the chunk is dropped and __exit__ raises why.
        while self._thread.is_alive():
            with contextlib.suppress(queue.Full):
                self._chunks.put(data, timeout=1)
                return

    def _copy(self) -> None:
        try:
            self._cursor.copy_expert(
                f"COPY {STAGE} ({', '.join(self._columns)}) FROM STDIN", _QueueReader(self._chunks)
            )
        except BaseException as failure:  # handed to the importing thread by __exit__
            self._failure = failure


class _QueueReader:
    """The file-like object copy_expert reads: each read is one encoded chunk, b"" the end."""

    def __init__(self, chunks: queue.Queue[bytes]) -> None:
        self._chunks = chunks

    def read(self, size: int = -1) -> bytes:
        return self._chunks.get()


def copy_text(frame: pd.DataFrame, columns: list[str]) -> bytes:
    """The frame's columns in COPY's text format. DataFrame.to_csv formatted every cell in
    Python (4.9 s for 1.7M daily rows); here each distinct value is formatted once and numpy
    lays the lines out in one buffer."""
    return _lines(*(_copy_fields(frame[column]) for column in columns))


def _lines(*fields: np.ndarray) -> bytes:
    """Fixed-width byte strings, one array per column, as tab-separated lines: the columns
    side by side in one grid of bytes, whose padding (NUL, which text in PostgreSQL never
    holds) is then dropped. Adding the columns up string by string and joining a bytes
    object per line took 0.4 s per 250,000 summary rows."""
    rows = len(fields[0])
    grid = []
    for i, values in enumerate(fields):
        grid.append(values.view(np.uint8).reshape(rows, values.dtype.itemsize))
        grid.append(np.full((rows, 1), ord("\n" if i == len(fields) - 1 else "\t"), np.uint8))
    text = np.hstack(grid)
    return text[text != 0].tobytes()


# The backslash first, so that the ones the others add are not doubled again.
_COPY_ESCAPE_PAIRS = (("\\", "\\\\"), ("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r"))
_COPY_ESCAPES = str.maketrans(dict(_COPY_ESCAPE_PAIRS))
_COPY_NULL = b"\\N"


def _copy_fields(values: pd.Series) -> np.ndarray:
    # A plain numpy integer column has no missing values (the nullable ones are extension types).
    if isinstance(values.dtype, np.dtype) and values.dtype.kind in "iu" and values.min() >= 0:
        return _digits(values.to_numpy())
    if isinstance(values.dtype, pd.StringDtype) and values.nunique() > len(values) // 4:
        return _text_fields(values)
    # Files repeat their values (dates, codes, schools, counts), so each is formatted once.
    codes, distinct = pd.factorize(values)
    # factorize codes a missing value as -1, which picks the NULL appended last.
    return np.array([*map(_copy_field, distinct), _COPY_NULL], dtype=bytes)[codes]


def _text_fields(values: pd.Series) -> np.ndarray:
    """Mostly distinct text (student IDs, names) escaped by pyarrow and laid out as
    fixed-width bytes by numpy from arrow's UTF-8 buffer, not one Python object per value:
    converting to numpy text and encoding it took 1 s per 250,000 student IDs."""
    text = pa.array(values, type=pa.large_string())
    for character, escaped in _COPY_ESCAPE_PAIRS:
        text = pc.replace_substring(text, character, escaped)
    _, offsets_buffer, data_buffer = text.buffers()
    offsets = np.frombuffer(offsets_buffer, dtype=np.int64)[
        text.offset : text.offset + len(text) + 1
    ]
    data = np.frombuffer(data_buffer, dtype=np.uint8) if data_buffer else np.zeros(1, np.uint8)
    lengths = np.diff(offsets)
    width = max(int(lengths.max(initial=0)), 1)
    inside = np.arange(width) < lengths[:, None]
    grid = np.zeros((len(text), width), dtype=np.uint8)
    grid[inside] = data[(offsets[:-1, None] + np.arange(width))[inside]]
    fields = grid.view(f"S{width}").ravel()
    return np.where(text.is_null().to_numpy(zero_copy_only=False), _COPY_NULL, fields)


def _digits(numbers: np.ndarray) -> np.ndarray:
    """Non-negative integers as zero-padded decimal text, by arithmetic rather than one string
    conversion per number (row numbers are all distinct)."""
    width = len(str(int(numbers.max()))) if len(numbers) else 1
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    ascii_digits = (numbers[:, None] // powers % 10 + ord("0")).astype(np.uint8)
    return np.ascontiguousarray(ascii_digits).view(f"S{width}").ravel()


def _copy_field(value: object) -> bytes:
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES).encode()
    if isinstance(value, bool | np.bool_):
        return b"t" if value else b"f"
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d").encode()
    if isinstance(value, float | np.floating):
        return repr(float(value)).encode()
    return str(value).encode()


def _rows(
    cursor, sql: str, params: dict, column: str, code: ProblemCode, reason: Callable[..., str]
) -> list[Problem]:
    cursor.execute(sql + " ORDER BY 1 LIMIT 1000", params)
    return [
        (row, column, str(value or ""), reason(*rest), code)
        for row, value, *rest in cursor.fetchall()
    ]


def year_partitions(cursor, *, first_day: date, last_day: date) -> None:
    """The partitions of the big tables for a school year's dates, made if missing (migration
    0018's owner function; a school year gets them when it is added, so this finds them made,
    unless the year was retired since): no write meets a year without its partition."""
    cursor.execute("SELECT attendance_year_partitions(%s, %s)", [first_day, last_day])


def analyze_stage(cursor) -> None:
    # Autovacuum never analyzes temporary tables; without statistics the planner guesses a
    # thousand rows and picks nested loops that take minutes on millions.
    cursor.execute(f"ANALYZE {STAGE}")


def analyze(cursor, table: str) -> None:
    # ANALYZE needs ownership, which the app's roles never have: the owner's function does it
    # for the tables an import fills (tiering/migrations/0005 keeps the list).
    cursor.execute("SELECT attendance_analyze(%s)", [table])


def analyze_written(cursor, target: Target) -> None:
    """Fresh statistics for the partitions an import just filled, so that the next statement
    (the classification, or the next import in the same transaction) is planned for their
    real size: autovacuum cannot see rows before they are committed, but ANALYZE in the
    writing transaction counts them. Only the school year's partitions: the statements that
    follow read that year alone, and other years' rows did not change."""
    for table in target.written_partitions():
        analyze(cursor, table)


class MergeProblems(Exception):
    """The merge met rows the district's tables can't take; ``problems`` lists them."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} rows can't be saved")
        self.problems = problems


class RepeatedRowsError(MergeProblems):
    """The merge met a key twice: the file repeats a student and day (or student and school)."""


# Staged text that lands in a column of limited length, and that length (the models decide).
_TEXT_LIMITS: dict[str, int] = {
    "student_id": Student._meta.get_field("sis_id").max_length,
    "school_code": School._meta.get_field("sis_code").max_length,
    **{
        name: Student._meta.get_field(name).max_length
        for name, sql_type in DEMOGRAPHICS
        if sql_type == "text"
    },
}


def values_too_long(cursor, kind: Kind) -> list[Problem]:
    """Rows whose text is longer than the column it lands in holds."""
    present = set(stage_columns(kind))
    problems: list[Problem] = []
    for column, limit in _TEXT_LIMITS.items():
        if column in present:
            problems += _rows(
                cursor,
                f"""SELECT row, left({column}, 100), length({column}) FROM {STAGE}
                    WHERE length({column}) > %(limit)s""",
                {"limit": limit},
                column,
                ProblemCode.TOO_LONG,
                lambda length, column=column, limit=limit: (
                    f"Too long: {LABELS[column]} holds at most {limit} characters, and this"
                    f" value has {length:,}. Check that the column holds {LABELS[column]}, or"
                    " shorten the value."
                ),
            )
    return problems


def validate(
    cursor, target: Target, staged: Staged, *, rows_refused: bool = False
) -> list[Problem]:
    """Checks that need the whole file or the database. Returns problems; changes nothing.

    Rows repeating a key, and text too long for its column, are listed here only when
    something else is wrong (or ``rows_refused``: a row check already failed), since no merge
    will then run to meet them, and, for repeats, when one could hide from the merge (a
    not-enrolled day is never inserted). Otherwise the merge meets them (the fact table's key
    raises RepeatedRowsError): that saves a sort of every staged row (3.1 s of a 1.7M-row daily
    import)."""
    p = {
        "district": target.district_id,
        "first": target.first_day,
        "last": target.last_day,
        "not_enrolled": int(AttendanceCategory.NOT_ENROLLED),
    }
    problems: list[Problem] = []
    if not target.create_schools and (unknown := _unknown_schools(cursor, target, staged)):
        problems += _rows(
            cursor,
            f"SELECT row, school_code FROM {STAGE} WHERE school_code = ANY(%(unknown)s)",
            {"unknown": unknown},
            "school_code",
            ProblemCode.UNKNOWN_SCHOOL,
            lambda: (
                "Unknown school code. Register the school first, or import with "
                "“create schools” on a district's first load."
            ),
        )
    repeats_may_hide = False
    if target.kind == Kind.DAILY:
        codes = {**p, "codes": sorted(staged.attendance_codes)}
        cursor.execute(
            """SELECT staged.code, c.category FROM unnest(%(codes)s::text[]) AS staged(code)
               LEFT JOIN tiering_attendancecode c
                 ON c.district_id = %(district)s AND lower(c.code) = lower(staged.code)""",
            codes,
        )
        categories = dict(cursor.fetchall())
        repeats_may_hide = p["not_enrolled"] in categories.values()
        if unknown := sorted(code for code, category in categories.items() if category is None):
            problems += _rows(
                cursor,
                f"""SELECT row, attendance_code FROM {STAGE}
                    WHERE attendance_code = ANY(%(unknown)s)""",
                {"unknown": unknown},
                "attendance_code",
                ProblemCode.UNKNOWN_ATTENDANCE_CODE,
                lambda: (
                    "Unknown attendance code. Say what it means from this import's page, and "
                    "the same file is imported again."
                ),
            )
        if staged.first_date and (
            staged.first_date < target.first_day or staged.last_date > target.last_day
        ):
            problems += _rows(
                cursor,
                f"""SELECT row, date FROM {STAGE}
                    WHERE date < %(first)s OR date > %(last)s""",
                p,
                "date",
                ProblemCode.OUTSIDE_SCHOOL_YEAR,
                lambda: (
                    f"Outside the school year ({target.first_day:%b %-d, %Y} – "
                    f"{target.last_day:%b %-d, %Y})."
                ),
            )
        if target.append:
            problems += _rows(
                cursor,
                f"""SELECT s.row, s.date FROM {STAGE} s
                    JOIN tiering_student st
                      ON st.district_id = %(district)s AND st.sis_id = s.student_id
                    JOIN tiering_attendanceday d
                      ON d.district_id = %(district)s AND d.student_id = st.id
                     AND d.date = s.date AND d.date BETWEEN %(first)s AND %(last)s""",
                p,
                "date",
                ProblemCode.DAY_ALREADY_IMPORTED,
                lambda: (
                    "This day is already imported for this student. Import a year-to-date "
                    "file to replace days, or leave this day out of a new-days file."
                ),
            )
    problems += _conflicts(cursor, target.kind, staged)
    if problems or rows_refused:
        # No merge will run to meet text too long for its column either (see merge).
        problems += values_too_long(cursor, target.kind)
    if problems or repeats_may_hide or rows_refused:
        problems += repeated_rows(cursor, target.kind)
    return problems


def _unknown_schools(cursor, target: Target, staged: Staged) -> list[str]:
    cursor.execute(
        """SELECT code FROM unnest(%(codes)s::text[]) AS staged(code)
           WHERE NOT EXISTS (SELECT FROM districts_school sc
                             WHERE sc.district_id = %(district)s AND sc.sis_code = code)""",
        {"codes": sorted(staged.school_codes), "district": target.district_id},
    )
    return [code for (code,) in cursor.fetchall()]


def repeated_rows(cursor, kind: Kind) -> list[Problem]:
    if kind == Kind.DAILY:
        return _repeated_rows(
            cursor,
            key=("student_id", "date"),
            column="date",
            what="The same student and day appear twice",
        )
    if kind == Kind.SUMMARY:
        return _repeated_rows(
            cursor,
            key=("student_id", "school_code"),
            column="student_id",
            what="This student appears twice for the same school",
        )
    return []


def _conflicts(cursor, kind: Kind, staged: Staged) -> list[Problem]:
    """Students given two values of what one student has one of. One hash aggregate finds
    them (min differs from max); only their rows are then listed column by column."""
    columns = [c for c in _conflict_columns(kind) if c in staged.columns]
    if not columns:
        return []
    boolean = {name for name, sql_type in DEMOGRAPHICS if sql_type == "boolean"}
    differs = " OR ".join(
        f"bool_and({c}) <> bool_or({c})" if c in boolean else f"min({c}) <> max({c})"
        for c in columns
    )
    cursor.execute(f"SELECT student_id FROM {STAGE} GROUP BY student_id HAVING {differs}")
    students = [student for (student,) in cursor.fetchall()]
    if not students:
        return []
    problems: list[Problem] = []
    for column in columns:
        problems += _rows(
            cursor,
            f"""SELECT s.row, s.{column}, c.values FROM {STAGE} s JOIN (
                  SELECT student_id, string_agg(DISTINCT {column}::text, ', ') AS values
                  FROM {STAGE} WHERE {column} IS NOT NULL AND student_id = ANY(%(students)s)
                  GROUP BY student_id HAVING count(DISTINCT {column}) > 1) c
                USING (student_id)""",
            {"students": students},
            column,
            ProblemCode.CONFLICTING_VALUES,
            lambda values: (
                f"This student appears with different values here ({values}); "
                "one student must have one value."
            ),
        )
    return problems


def _repeated_rows(cursor, *, key: tuple[str, ...], column: str, what: str) -> list[Problem]:
    """Every row after the first with the same key, pointing back at the first."""
    return _rows(
        cursor,
        f"""SELECT row, {column}, first_row FROM (
              SELECT row, {column}, min(row) OVER w AS first_row, count(*) OVER w AS n
              FROM {STAGE} WINDOW w AS (PARTITION BY {", ".join(key)})) d
            WHERE n > 1 AND row <> first_row""",
        {},
        column,
        ProblemCode.REPEATED_ROW,
        lambda first_row: f"{what} (first in row {first_row}).",
    )


def _conflict_columns(kind: Kind) -> list[str]:
    demographic = [name for name, _ in DEMOGRAPHICS]
    return ["grade"] if kind == Kind.DAILY else ["grade", *demographic]


def merge(cursor, target: Target, staged: Staged) -> int:
    """Moves the staged rows into the district's tables. Returns the rows imported; raises
    MergeProblems (RepeatedRowsError if the file repeats a key) for rows that don't fit.

    Text longer than its column is found when an insert fails rather than checked first: a
    scan of every staged row for a problem that real files hardly ever have would cost every
    import a second per ten million rows."""
    cursor.execute("SAVEPOINT import_merge")
    try:
        inserted = _merge(cursor, target, staged)
    except psycopg2.errors.StringDataRightTruncation:
        cursor.execute("ROLLBACK TO SAVEPOINT import_merge")
        raise MergeProblems(values_too_long(cursor, target.kind)) from None
    cursor.execute("RELEASE SAVEPOINT import_merge")
    return inserted


def _merge(cursor, target: Target, staged: Staged) -> int:
    p = {
        "district": target.district_id,
        "year": target.school_year_id,
        "reporting_year": target.reporting_year,
        "year_first": target.first_day,
        "year_last": target.last_day,
        "as_of": target.as_of,
        "not_enrolled": int(AttendanceCategory.NOT_ENROLLED),
    }
    if target.create_schools:
        cursor.execute(
            f"""INSERT INTO districts_school (district_id, sis_code, name, low_grade, high_grade)
                SELECT %(district)s, school_code, 'School ' || school_code,
                       coalesce(min(grade), 0), coalesce(max(grade), 12)
                FROM {STAGE} WHERE school_code IS NOT NULL GROUP BY school_code
                ON CONFLICT (district_id, sis_code) DO NOTHING""",
            p,
        )
    _upsert_students(cursor, target, staged, p)
    if target.kind != Kind.ROSTER:
        year_partitions(cursor, first_day=target.first_day, last_day=target.last_day)
    # Students (and schools) may be new in this transaction: planned as the 7-row tables the
    # stale statistics describe, the fact insert re-scanned the whole staging table once per
    # school (38 times, 38 s for 3.5M rows).
    if target.refresh_statistics:
        analyze(cursor, "tiering_student")
        analyze(cursor, "districts_school")
    if target.complete:
        _remove_not_mentioned(cursor, target, staged)
    if target.kind == Kind.DAILY:
        # The file's few distinct codes, matched ignoring case once rather than per row: the
        # join on lower() also misled the planner into one index probe per row for students.
        cursor.execute("DROP TABLE IF EXISTS import_code")
        cursor.execute(
            """CREATE TEMP TABLE import_code ON COMMIT DROP AS
               SELECT staged.code, c.category, c.absent_fraction
               FROM unnest(%(codes)s::text[]) AS staged(code)
               JOIN tiering_attendancecode c
                 ON c.district_id = %(district)s AND lower(c.code) = lower(staged.code)""",
            {**p, "codes": sorted(staged.attendance_codes)},
        )
        cursor.execute("ANALYZE import_code")
        if target.named_days_only:
            _delete_named_days(cursor, p)
        elif not target.append:
            _delete_covered_days(cursor, p, staged)
        return _insert_once_per_key(cursor, target.kind, _insert_days_sql(target), p)
    if target.kind == Kind.SUMMARY:
        return _upsert_summaries(cursor, target, staged, p)
    cursor.execute(f"SELECT count(*) FROM {STAGE}")
    return cursor.fetchone()[0]


# The totals a summary file gives: what it says of a student at a school replaces what is there.
_SUMMARY_TOTALS = (
    "days_enrolled",
    "days_absent",
    "excused",
    "unexcused",
    "suspension",
    "tardy",
    "as_of",
)


def _upsert_summaries(cursor, target: Target, staged: Staged, p: dict) -> int:
    """Each of the file's students' totals at each of its schools, written over those on
    record in place, those new inserted: one MERGE, which joins the staged rows to the
    students, schools and totals on record once. A re-import (the district's summary every two
    weeks, every total again) deleted its 500,000 rows and inserted them again (5.4 s, the
    table left twice its size until vacuumed); updated in place, each new version lands on its
    row's page, which the partition leaves half free for it (migration 0020), and needs no index
    entry (3.6 s). INSERT … ON CONFLICT DO UPDATE took 7.8-12.6 s: it locks each row, a WAL
    record of its own, before updating it. An UPDATE and then an INSERT of the rows not on
    record joined them twice: 2.6-2.9 s against 2.1-2.3 s for 500,000 totals again (a first
    import's inserts take 0.1 s longer so).

    A row the file repeats at a student and school is refused: new here, by the key; on
    record, by the MERGE, which updates a row once. Repeats that change nothing on record
    are not met, so the rows written fall short of the rows staged, and the file's repeats
    are then looked for (as when rows were left as they were, which a corrected file imported
    again does)."""
    given = [f"i.{c}" for c in _SUMMARY_TOTALS if c != "as_of"] + ["%(as_of)s::date"]
    replaced = ", ".join(f"{c} = {v}" for c, v in zip(_SUMMARY_TOTALS, given, strict=True))
    written = _insert_once_per_key(
        cursor,
        target.kind,
        f"""MERGE INTO tiering_attendancesummary f
            USING (SELECT st.id AS student_id, sc.id AS school_id,
                          {", ".join(f"s.{c}" for c in _SUMMARY_TOTALS if c != "as_of")}
                   FROM {STAGE} s
                   JOIN tiering_student st
                     ON st.district_id = %(district)s AND st.sis_id = s.student_id
                   JOIN districts_school sc
                     ON sc.district_id = %(district)s AND sc.sis_code = s.school_code
                   -- In key order, as the daily facts: the new rows of a first import are
                   -- inserted so (3.4 s of backend CPU against 4.2 s for 500,000 students).
                   ORDER BY st.id, sc.id) i
            ON f.district_id = %(district)s AND f.reporting_year = %(reporting_year)s
               AND f.school_year_id = %(year)s AND f.student_id = i.student_id
               AND f.school_id = i.school_id
            -- The same totals again are not rewritten: a new row version each.
            WHEN MATCHED AND ({", ".join(f"f.{c}" for c in _SUMMARY_TOTALS)})
                             IS DISTINCT FROM ({", ".join(given)}) THEN
              UPDATE SET {replaced}
            WHEN NOT MATCHED THEN
              INSERT (district_id, school_year_id, reporting_year, student_id, school_id,
                      {", ".join(_SUMMARY_TOTALS)})
              VALUES (%(district)s, %(year)s, %(reporting_year)s, i.student_id, i.school_id,
                      {", ".join(given)})""",
        p,
    )
    if written < staged.rows and (repeats := repeated_rows(cursor, target.kind)):
        raise RepeatedRowsError(repeats)
    return staged.rows


def _insert_once_per_key(cursor, kind: Kind, sql: str, p: dict) -> int:
    """Runs a fact insert whose key, once the district's covered rows are gone, can only clash
    within the file itself; a clash lists the repeated rows instead of failing the import."""
    cursor.execute("SAVEPOINT import_facts")
    try:
        cursor.execute(sql, p)
    # CardinalityViolation: an upsert by key (_insert_days_sql) or the summaries' MERGE met
    # its key twice.
    except (psycopg2.errors.UniqueViolation, psycopg2.errors.CardinalityViolation):
        cursor.execute("ROLLBACK TO SAVEPOINT import_facts")
        raise RepeatedRowsError(repeated_rows(cursor, kind)) from None
    inserted = cursor.rowcount
    cursor.execute("RELEASE SAVEPOINT import_facts")
    return inserted


def _delete_covered_days(cursor, p: dict, staged: Staged) -> None:
    """A year-to-date file replaces its students' days over the dates it spans (a student has
    one school a day, so at any school). Other students' days stay, unless the file is
    complete for its schools (_remove_not_mentioned)."""
    p = {**p, "first": staged.first_date, "last": staged.last_date}
    cursor.execute(
        f"""DELETE FROM tiering_attendanceday d USING {STUDENTS} i
            WHERE d.district_id = %(district)s AND d.student_id = i.id
              AND d.date BETWEEN %(first)s AND %(last)s""",
        p,
    )


def _delete_named_days(cursor, p: dict) -> None:
    """Attendance events replace the days they name, each its student's, and no other: the
    insert upserts each by its key (_insert_days_sql), and an event whose code means not
    enrolled, which inserts nothing, removes its day here. Nothing to do without such a code:
    the delete of every named day, planned against a partition whose statistics lagged behind
    it, read every day of the school year (535 ms of a 10,000-event batch with 240,000 days on
    record, and growing with them)."""
    cursor.execute("SELECT EXISTS (SELECT FROM import_code WHERE category = %(not_enrolled)s)", p)
    if not cursor.fetchone()[0]:
        return
    # The school year's dates (the events were checked to lie within it) keep the delete to
    # its partitions.
    cursor.execute(
        f"""DELETE FROM tiering_attendanceday d USING {STAGE} s, import_code c, {STUDENTS} i
            WHERE c.code = s.attendance_code AND c.category = %(not_enrolled)s
              AND i.sis_id = s.student_id
              AND d.district_id = %(district)s AND d.student_id = i.id AND d.date = s.date
              AND d.date BETWEEN %(year_first)s AND %(year_last)s""",
        p,
    )


def _insert_days_sql(target: Target) -> str:
    """The staged days into the district's, each of a code that is not "not enrolled". A batch
    of events replaces the day each event names by its key, as it inserts."""
    sql = f"""INSERT INTO tiering_attendanceday
          (district_id, student_id, school_id, date, category, absent_fraction)
        SELECT %(district)s, i.id, sc.id, s.date, c.category, c.absent_fraction
        FROM {STAGE} s
        JOIN import_code c ON c.code = s.attendance_code
        JOIN {STUDENTS} i ON i.sis_id = s.student_id
        JOIN districts_school sc
          ON sc.district_id = %(district)s AND sc.sis_code = s.school_code
        WHERE c.category <> %(not_enrolled)s
        -- In key order the primary key grows at its right edge; in file order every row lands
        -- on a random index page (6.7 s against 26-46 s for 3.5M rows). In the same order in
        -- every batch, two batches upserting the same days at once wait for each other rather
        -- than deadlock.
        ORDER BY i.id, s.date"""
    if target.named_days_only:
        sql += """
        ON CONFLICT (district_id, student_id, date) DO UPDATE
        SET school_id = excluded.school_id, category = excluded.category,
            absent_fraction = excluded.absent_fraction"""
    return sql


# The district's students with attendance on record this school year at the file's schools,
# as (student id, school id, student's SIS ID, school's SIS code): summary totals of the year or
# daily records within it. Parameters: _known_params.
_KNOWN_AT_SCHOOLS = """
        SELECT f.student_id, f.school_id, st.sis_id, sc.sis_code
        FROM (SELECT student_id, school_id FROM tiering_attendancesummary
              WHERE district_id = %(district)s AND reporting_year = %(reporting_year)s
                AND school_year_id = %(year)s
                AND school_id IN (SELECT id FROM districts_school
                                  WHERE district_id = %(district)s
                                    AND sis_code = ANY(%(schools)s))
              UNION
              SELECT student_id, school_id FROM tiering_attendanceday
              WHERE district_id = %(district)s AND date BETWEEN %(year_first)s AND %(year_last)s
                AND school_id IN (SELECT id FROM districts_school
                                  WHERE district_id = %(district)s
                                    AND sis_code = ANY(%(schools)s))) f
        JOIN districts_school sc ON sc.district_id = %(district)s AND sc.id = f.school_id
        JOIN tiering_student st ON st.district_id = %(district)s AND st.id = f.student_id"""


def _known_params(target: Target, staged: Staged) -> dict:
    return {
        "district": target.district_id,
        "year": target.school_year_id,
        "reporting_year": target.reporting_year,
        "year_first": target.first_day,
        "year_last": target.last_day,
        "schools": sorted(staged.school_codes),
    }


@dataclass(frozen=True)
class SchoolChange:
    """What a file changes at one of its schools, counted in students."""

    school_code: str
    school_name: str  # empty for a school the import would register
    in_file: int
    new: int  # in the file, with no attendance on record at this school this year
    updated: int  # in the file, with attendance on record here this year
    not_mentioned: int  # with attendance on record here this year, not in the file


def preview(cursor, target: Target, staged: Staged) -> list[SchoolChange]:
    """Per school the file names: its students, those new there and those already there, and
    the students the district has there whom the file leaves out. Changes nothing."""
    cursor.execute(
        f"""WITH mentioned AS (SELECT DISTINCT school_code, student_id FROM {STAGE}
                               WHERE school_code IS NOT NULL),
                 known AS ({_KNOWN_AT_SCHOOLS})
            SELECT c.school_code, coalesce(min(sc.name), ''),
                   count(m.student_id),
                   count(m.student_id) FILTER (WHERE k.sis_id IS NULL),
                   count(m.student_id) FILTER (WHERE k.sis_id IS NOT NULL),
                   count(k.sis_id) FILTER (WHERE m.student_id IS NULL)
            FROM mentioned m
            FULL JOIN (SELECT sis_code AS school_code, sis_id FROM known) k
              ON k.school_code = m.school_code AND k.sis_id = m.student_id
            CROSS JOIN LATERAL (SELECT coalesce(m.school_code, k.school_code) AS school_code) c
            LEFT JOIN districts_school sc
              ON sc.district_id = %(district)s AND sc.sis_code = c.school_code
            GROUP BY c.school_code ORDER BY c.school_code""",
        _known_params(target, staged),
    )
    return [SchoolChange(*row) for row in cursor.fetchall()]


def _remove_not_mentioned(cursor, target: Target, staged: Staged) -> None:
    """For a file complete for its schools: the students the district has there this year
    whom it does not mention there are no longer enrolled there, so their attendance there
    this year (totals and days) goes, and no classification rates them there again."""
    cursor.execute("DROP TABLE IF EXISTS import_gone")
    cursor.execute(
        f"""CREATE TEMP TABLE import_gone ON COMMIT DROP AS
            SELECT k.student_id, k.school_id FROM ({_KNOWN_AT_SCHOOLS}) k
            WHERE NOT EXISTS (SELECT FROM {STAGE} s
                              WHERE s.student_id = k.sis_id AND s.school_code = k.sis_code)""",
        _known_params(target, staged),
    )
    p = _known_params(target, staged)
    cursor.execute(
        """DELETE FROM tiering_attendancesummary f USING import_gone g
           WHERE f.district_id = %(district)s AND f.reporting_year = %(reporting_year)s
             AND f.school_year_id = %(year)s
             AND f.student_id = g.student_id AND f.school_id = g.school_id""",
        p,
    )
    cursor.execute(
        """DELETE FROM tiering_attendanceday f USING import_gone g
           WHERE f.district_id = %(district)s AND f.date BETWEEN %(year_first)s AND %(year_last)s
             AND f.student_id = g.student_id AND f.school_id = g.school_id""",
        p,
    )


def _upsert_students(cursor, target: Target, staged: Staged, p: dict) -> None:
    """Writes the staged students into the district's: a new student is inserted, a known one
    updated where the file says something new. Leaves each staged student, with their id, in
    STUDENTS: the daily merge's statements join it rather than look every student up by SIS
    ID again (three or four lookups a student took 230-390 ms of a 10,000-event batch).

    Imports of one district that write students do so one after the other, each after the one
    before committed (an exclusive advisory lock, held to the end of the transaction): an
    insert then never meets a student another import is inserting, and a file's delete and
    insert of days never meet another import's. INSERT … ON CONFLICT, safe without the lock,
    spent 2.7 s more backend CPU on the 500,000 new students of a first import than a plain
    insert. A batch of events naming only students the district has, as they are, writes no
    student: it shares the lock with other such batches, whose days are upserted by their key
    (_insert_days_sql) and so may be written at once, and waits only for the imports that
    write students. Held exclusively by every batch, it ran a district's batches one at a time
    whatever the worker's processes."""
    columns = _student_columns(target, staged)
    resolve = _resolve_students_sql(target, columns)
    if target.named_days_only:
        cursor.execute(resolve, p)
        cursor.execute(f"SELECT EXISTS (SELECT FROM {STUDENTS} WHERE id IS NULL OR changed)")
        writes = cursor.fetchone()[0]
        _lock_students(cursor, p, exclusive=writes)
        if writes:
            # Again under the lock: an import that held it may have written them since.
            cursor.execute(resolve, p)
    else:
        _lock_students(cursor, p, exclusive=True)
        cursor.execute(resolve, p)
        writes = True
    if writes:
        _write_students(cursor, target, columns, p)
    if target.kind == Kind.DAILY:
        # Planned for its real size (autovacuum never analyzes a temporary table).
        cursor.execute(f"ANALYZE {STUDENTS}")


def _write_students(cursor, target: Target, columns: list[str], p: dict) -> None:
    # A re-import mostly repeats what is there: an unchanged student is not rewritten (a new
    # row version and index entries each).
    cursor.execute(
        f"""UPDATE tiering_student t SET {", ".join(f"{c} = i.new_{c}" for c in columns)}
            FROM {STUDENTS} i
            WHERE i.changed AND t.district_id = %(district)s AND t.id = i.id""",
        p,
    )
    insert = f"""INSERT INTO tiering_student (district_id, sis_id, {", ".join(columns)})
        SELECT %(district)s, i.sis_id, {", ".join(f"i.new_{c}" for c in columns)}
        FROM {STUDENTS} i WHERE i.id IS NULL
        -- In key order the unique index grows at its right edge.
        ORDER BY i.sis_id"""
    if target.kind != Kind.DAILY:
        cursor.execute(insert, p)
        return
    # The days, which join STUDENTS, need the new students' ids too.
    cursor.execute(
        f"""WITH inserted AS ({insert} RETURNING id, sis_id)
            UPDATE {STUDENTS} i SET id = inserted.id FROM inserted
            WHERE i.sis_id = inserted.sis_id""",
        p,
    )


def _lock_students(cursor, p: dict, *, exclusive: bool) -> None:
    function = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
    cursor.execute(f"SELECT {function}(hashtext('tiering.students'), %(district)s)", p)


def _student_columns(target: Target, staged: Staged) -> list[str]:
    """The columns of a student the file gives: their school and grade, and the demographics
    a summary or roster file gives a value of. A column the file leaves empty says nothing:
    known students keep theirs and new ones get the column's default, so it is neither
    carried through the students' resolution nor compared (a summary without demographics
    resolved its 500,000 students again in 1.2 s with them, 0.8 s without)."""
    present = {name for name, _ in _STAGE_COLUMNS[target.kind]} & staged.columns
    return ["school_id", "grade", *(name for name, _ in DEMOGRAPHICS if name in present)]


def _resolve_students_sql(target: Target, columns: list[str]) -> str:
    """STUDENTS made afresh: each staged student once, their last row, with their id (NULL
    for a student the district does not have yet), what the file makes of each column
    (new_*), and whether that changes a known student."""
    text_columns = {name for name, sql_type in DEMOGRAPHICS if sql_type == "text"}

    def value(column: str) -> str:
        if column == "school_id":
            return "sc.id"
        # Names and codes are blank rather than NULL in the students table.
        return f"coalesce(s.{column}, '')" if column in text_columns else f"s.{column}"

    def new(column: str) -> str:
        # What the file says replaces what is there, except where it says nothing.
        if column == "school_id":
            return "coalesce(i.school_id, t.school_id)"
        # A new student (no t) takes the file's value as it is.
        return (
            f"CASE WHEN i.{column} IS NULL OR i.{column}::text = ''"
            f" THEN coalesce(t.{column}, i.{column}) ELSE i.{column} END"
        )

    if target.kind == Kind.DAILY:
        # The student's current school is of their latest day: the rows of each student's
        # latest day, found by hash aggregate and join rather than by sorting every staged row.
        source = f"""FROM {STAGE} s
            JOIN (SELECT student_id, max(date) AS date FROM {STAGE} GROUP BY student_id) latest
              USING (student_id, date)"""
    else:
        source = f"FROM {STAGE} s"
    return f"""DROP TABLE IF EXISTS {STUDENTS};
        CREATE TEMP TABLE {STUDENTS} ON COMMIT DROP AS
        SELECT i.sis_id, t.id,
               {", ".join(f"{new(c)} AS new_{c}" for c in columns)},
               t.id IS NOT NULL
                 AND ({", ".join(f"t.{c}" for c in columns)})
                     IS DISTINCT FROM ({", ".join(new(c) for c in columns)}) AS changed
        FROM (
          -- One row per student, their last: a file repeating a student's day (or school)
          -- is refused by the facts' key after this, not here.
          SELECT DISTINCT ON (s.student_id) s.student_id AS sis_id,
                 {", ".join(f"{value(c)} AS {c}" for c in columns)}
          {source}
          LEFT JOIN districts_school sc
            ON sc.district_id = %(district)s AND sc.sis_code = s.school_code
          ORDER BY s.student_id, s.row DESC) i
        LEFT JOIN tiering_student t ON t.district_id = %(district)s AND t.sis_id = i.sis_id"""


def classify(
    cursor,
    *,
    district_id: int,
    snapshot_id: int,
    reporting_year: int,
    school_year_id: int,
    first_day: date,
    last_day: date,
    rule: Rule,
) -> int:
    """Writes every student's standing for one snapshot, from the attendance on record up to
    ``last_day``: one per school attended and, for a student who attended more than one, one
    across the district (summed over their schools). A student of one school has no district
    row: their school's row is their district standing too (querysets.StandingQuerySet.
    across_district reads them so). Returns the standings written.

    Which facts rate a student at a school (the facts rule, the same for every import, review
    point and recompute): their summary totals for the year when those run to a later date
    than their last daily record there, otherwise their daily records. Summary totals dated
    after ``last_day`` are not read, as daily records after it are not."""
    p = {
        "district": district_id,
        "snapshot": snapshot_id,
        "reporting_year": reporting_year,
        "year": school_year_id,
        "first": first_day,
        "last": last_day,
        "minimum": rule.minimum_days_enrolled,
        "iss": 1 if rule.count_in_school_suspension else 0,
        "partial": rule.partial_day_fraction,
    }
    c = AttendanceCategory
    daily = f"""
        SELECT student_id, school_id, max(date) AS last_date,
          count(*)::numeric AS enrolled,
          sum({day_absence_sql(in_school_suspension="%(iss)s", partial_day="%(partial)s")})::numeric
            AS absent,
          count(*) FILTER (WHERE category = {c.EXCUSED})::numeric AS excused,
          count(*) FILTER (WHERE category = {c.UNEXCUSED})::numeric AS unexcused,
          (count(*) FILTER (WHERE category = {c.SUSPENSION_OUT})
           + %(iss)s * count(*) FILTER (WHERE category = {c.SUSPENSION_IN}))::numeric
            AS suspension,
          count(*) FILTER (WHERE category = {c.TARDY})::numeric AS tardy
        FROM tiering_attendanceday
        WHERE district_id = %(district)s AND date BETWEEN %(first)s AND %(last)s
        GROUP BY student_id, school_id"""
    # The summary's key makes each of its rows one student at one school already.
    summary = """
        SELECT student_id, school_id, as_of, days_enrolled AS enrolled, days_absent AS absent,
               excused, unexcused, suspension, tardy
        FROM tiering_attendancesummary
        WHERE district_id = %(district)s AND reporting_year = %(reporting_year)s
          AND school_year_id = %(year)s AND as_of <= %(last)s"""
    columns = "student_id, school_id, enrolled, absent, excused, unexcused, suspension, tardy"
    year_partitions(cursor, first_day=first_day, last_day=first_day)
    cursor.execute(
        """SELECT EXISTS (SELECT FROM tiering_attendanceday WHERE district_id = %(district)s
                          AND date BETWEEN %(first)s AND %(last)s)""",
        p,
    )
    if cursor.fetchone()[0]:
        facts = f"""daily AS MATERIALIZED ({daily}),
            summary AS MATERIALIZED ({summary}),
            per_school AS MATERIALIZED (
              SELECT {columns} FROM daily d
              WHERE NOT EXISTS (SELECT FROM summary s WHERE s.student_id = d.student_id
                                  AND s.school_id = d.school_id AND s.as_of > d.last_date)
              UNION ALL
              SELECT {columns} FROM summary s
              WHERE NOT EXISTS (SELECT FROM daily d WHERE d.student_id = s.student_id
                                  AND d.school_id = s.school_id AND d.last_date >= s.as_of))"""
    else:
        # No daily record to weigh against the totals (a district that sends summaries
        # only): the facts are the totals as they are, read once rather than materialized
        # twice and matched against an empty set (0.3-0.5 s of the 4.5-4.8 s a 500,000-student
        # snapshot took).
        facts = f"per_school AS MATERIALIZED (SELECT {columns} FROM ({summary}) s)"
    band = band_sql(days_absent="a.absent", days_enrolled="a.enrolled", minimum_days="%(minimum)s")
    cursor.execute(
        # The table first and the facts after: pg_stat_activity keeps a statement's first
        # kilobyte, and whoever watches a long classification there sees what it writes.
        f"""INSERT INTO tiering_standing
              (district_id, reporting_year, snapshot_id, student_id, school_id, grade,
               days_enrolled, days_absent, excused, unexcused, suspension, tardy, band)
            WITH {facts},
            transfers AS (SELECT student_id FROM per_school
                          GROUP BY student_id HAVING count(*) > 1)
            SELECT %(district)s, %(reporting_year)s, %(snapshot)s, a.student_id, a.school_id,
                   st.grade, a.enrolled,
                   a.absent, a.excused, a.unexcused, a.suspension, a.tardy, {band}
            FROM (SELECT * FROM per_school
                  UNION ALL
                  -- Only the transfers' rows are summed: numeric sums over every student
                  -- built a hash table of 219 MB per 100,000 students.
                  SELECT student_id, NULL, sum(enrolled), sum(absent), sum(excused),
                         sum(unexcused), sum(suspension), sum(tardy)
                  FROM per_school JOIN transfers USING (student_id)
                  GROUP BY student_id) a
            JOIN tiering_student st ON st.id = a.student_id
            -- In the unique key's order, so that it grows at its right edge.
            ORDER BY a.school_id, a.student_id""",
        p,
    )
    return cursor.rowcount


def day_absence_sql(*, in_school_suspension: str, partial_day: str) -> str:
    """How much of a school day one daily record missed, as a SQL CASE over its `category` and
    `absent_fraction`: the one counting rule for standings and for every window measured later
    (a PDSA cycle's Study). Every absence counts — excused, unexcused and suspension alike;
    in-school suspension as the rule set says; tardies not at all. The two arguments are SQL
    (placeholders or literals) for the rule set's in-school-suspension weight (0 or 1) and its
    share of a partial day."""
    c = AttendanceCategory
    return f"""CASE category
                WHEN {c.EXCUSED} THEN 1 WHEN {c.UNEXCUSED} THEN 1
                WHEN {c.SUSPENSION_OUT} THEN 1 WHEN {c.SUSPENSION_IN} THEN {in_school_suspension}
                WHEN {c.PARTIAL} THEN coalesce(absent_fraction, {partial_day})
                ELSE 0 END"""


def problems_in_order(problems: Iterable[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda problem: (problem[0], problem[1]))
