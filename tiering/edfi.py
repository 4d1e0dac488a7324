"""Ed-Fi `studentSchoolAttendanceEvents`, sent to the API as JSON, as the daily file the import
reads: one row per event, its columns named by the events' own field paths. The recognition of
headers (headers.py) knows those paths, readers.py reads the descriptor URIs, and every
problem the import finds names the event's field as its column, so a batch goes through exactly
the checks and the merge a daily file does.

This module checks only what a file cannot express: the batch's shape and each event's. It is
a plain module on purpose: it imports neither Django nor the project's models.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping

from tiering.readers import ImportValidationError, ProblemCode, RowError

BATCH_KEY = "studentSchoolAttendanceEvents"
STUDENT = ("studentReference", "studentUniqueId")
SCHOOL = ("schoolReference", "schoolId")
DATE = ("eventDate",)
CATEGORY = ("attendanceEventCategoryDescriptor",)
FIELDS = (STUDENT, SCHOOL, DATE, CATEGORY)
HEADERS = tuple(".".join(path) for path in FIELDS)
# The most events one request carries: its rows are read and checked within the request.
MAX_EVENTS = 10_000
# The spreadsheet row of the batch's first event: its header is row 1.
FIRST_ROW = 2


def event_index(row: int) -> int | None:
    """The position in the batch of the event a problem's row names; None for the batch."""
    return row - FIRST_ROW if row >= FIRST_ROW else None


def events_file(batch: object) -> bytes:
    """The batch as a CSV daily file, or ImportValidationError naming each event (by its row,
    FIRST_ROW for the first) whose shape no file could have: not an object, a reference that is
    not an object, a value that is neither text nor a whole number."""
    events = batch.get(BATCH_KEY) if isinstance(batch, Mapping) else None
    if not isinstance(events, list) or not events:
        raise _refused(f"Send an object whose {BATCH_KEY} is a list of 1 to {MAX_EVENTS:,} events.")
    if len(events) > MAX_EVENTS:
        raise _refused(
            f"The batch has {len(events):,} events; send at most {MAX_EVENTS:,} per request."
        )
    return _csv(_well_formed(events) or _checked(events))


def _csv(rows: list[tuple]) -> bytes:
    """The rows under HEADERS as CSV. Values with no delimiter, quote or line break in them
    (the counts below give any away) are joined as they are: csv.writer's check of every
    value took 18 ms of a 10,000-event batch, the join 8. Any other batch is csv.writer's."""
    lines = "\n".join(
        [f"{student},{school},{day},{category}" for student, school, day, category in rows]
    )
    if (
        lines.count(",") == (len(HEADERS) - 1) * len(rows)
        and lines.count("\n") == len(rows) - 1
        and '"' not in lines
        and "\r" not in lines
    ):
        return f"{','.join(HEADERS)}\n{lines}\n".encode()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADERS)
    writer.writerows(rows)
    return out.getvalue().encode()


def _well_formed(events: list) -> list[tuple] | None:
    """The rows of a batch whose every event has the four fields, each text or a whole number,
    read in one comprehension; None for any other batch, which _checked reads event by
    event."""
    try:
        rows = [
            (
                event[STUDENT[0]][STUDENT[1]],
                event[SCHOOL[0]][SCHOOL[1]],
                event[DATE[0]],
                event[CATEGORY[0]],
            )
            for event in events
        ]
    except (KeyError, TypeError):  # not an object, or a field missing
        return None
    # A number is written as its digits, as _checked writes it.
    if {type(value) for row in rows for value in row} <= {str, int}:
        return rows
    return None


def _checked(events: list) -> list[tuple]:
    """The rows of a batch, or ImportValidationError naming each event whose shape no file
    could have."""
    rows = []
    problems: list[RowError] = []
    for index, event in enumerate(events):
        row = index + FIRST_ROW
        if type(event) is not dict:
            problems.append(_problem(row, "", event, "Each event is a JSON object."))
            continue
        rows.append(
            (
                _reference(event, STUDENT, row, problems),
                _reference(event, SCHOOL, row, problems),
                _text(event.get(DATE[0]), DATE[0], row, problems),
                _text(event.get(CATEGORY[0]), CATEGORY[0], row, problems),
            )
        )
    if problems:
        refused = len({problem.row for problem in problems})
        raise ImportValidationError(
            f"{len(problems):,} problem{'s' if len(problems) != 1 else ''} in {refused:,} "
            f"event{'s' if refused != 1 else ''} — nothing was imported.",
            problems,
        )
    return rows


def _reference(event: dict, path: tuple[str, str], row: int, problems: list[RowError]) -> str:
    reference = event.get(path[0])
    if reference is None:
        return ""
    if type(reference) is not dict:
        problems.append(_problem(row, path[0], reference, f"{path[0]} is a JSON object."))
        return ""
    return _text(reference.get(path[1]), ".".join(path), row, problems)


def _text(value: object, field: str, row: int, problems: list[RowError]) -> str:
    if type(value) is str:
        return value
    if value is None:
        return ""  # the import says what is missing, as for an empty cell
    # Ed-Fi's schoolId is a number; a student's unique ID may be sent as one too.
    if type(value) is int:
        return str(value)
    problems.append(_problem(row, field, value, f"{field} is text (or a whole number)."))
    return ""


def _problem(row: int, field: str, value: object, reason: str) -> RowError:
    return RowError(
        row=row, column=field, value=str(value)[:100], reason=reason, code=ProblemCode.VALUE
    )


def _refused(reason: str) -> ImportValidationError:
    return ImportValidationError(
        f"{reason} Nothing was imported.",
        [RowError(row=0, column="", value="", reason=reason, code=ProblemCode.FILE)],
    )
