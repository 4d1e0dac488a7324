"""Problems stored by imports before each had a code (migration 0012) are given theirs, so that
a failed import of that time still offers defining its unknown attendance codes, and reads as
it did."""

import importlib

from django.apps import apps
from django.db import connection, transaction

from districts import db_walls
from tests.factories import AttendanceImportFactory
from tests.reading import reading
from tiering import selectors
from tiering.headers import Kind
from tiering.models import AttendanceImport, ImportStatus
from tiering.readers import ProblemCode

CODES = importlib.import_module("tiering.migrations.0012_problem_codes")


def _problem(row: int, column: str, value: str, reason: str) -> dict:
    return {"row": row, "column": column, "value": value, "reason": reason}


OLD_DAILY = [
    _problem(0, "", "", "The file is empty. Export it again from your SIS and upload it."),
    _problem(1, "", "", "There is no Date column. Add one, or choose which column holds it."),
    _problem(4, "Date", "31/02", "Not a date; write it as 2024-09-03."),
    _problem(
        7,
        "Code",
        "FT",
        "Unknown attendance code. Say what it means from this import's page, and the same file"
        " is imported again.",
    ),
    _problem(9, "Code", "ft", "Unknown attendance code. Say what it means."),
    _problem(11, "Date", "2024-09-03", "The same student and day appear twice (first in row 5)."),
    _problem(12, "", "", 'A value in this row opens a quote (") that is never closed, so…'),
    _problem(0, "", "", "3 more problems not listed here; fix the ones above and upload…"),
]


def _migrate(step) -> None:
    """The migration's step as it runs: as the tables' owner, to whom row-level security
    applies too."""
    with (
        db_walls.owner_connection(),
        transaction.atomic(),
        connection.schema_editor(atomic=False) as editor,
    ):
        step(apps, editor)


def _errors(record) -> list[dict]:
    with reading(record.district):
        return AttendanceImport.objects.get(pk=record.pk).errors


def test_problems_stored_before_codes_are_given_theirs(transactional_db, district, other_district):
    failed = AttendanceImportFactory(
        district=district, kind=Kind.DAILY, status=ImportStatus.FAILED, errors=OLD_DAILY
    )
    elsewhere = AttendanceImportFactory(
        district=other_district,
        status=ImportStatus.FAILED,
        errors=[_problem(3, "School", "999", "Unknown school code. Register the school first.")],
    )
    succeeded = AttendanceImportFactory(district=district)

    _migrate(CODES.add_codes)

    errors = _errors(failed)
    assert [error["code"] for error in errors] == [
        ProblemCode.FILE,
        ProblemCode.COLUMNS,
        ProblemCode.VALUE,
        ProblemCode.UNKNOWN_ATTENDANCE_CODE,
        ProblemCode.UNKNOWN_ATTENDANCE_CODE,
        ProblemCode.REPEATED_ROW,
        ProblemCode.FILE,
        ProblemCode.NOT_LISTED,
    ]
    # What people read is as it was.
    assert [{k: v for k, v in e.items() if k != "code"} for e in errors] == OLD_DAILY
    with reading(district):
        record = AttendanceImport.objects.get(pk=failed.pk)
        assert selectors.unknown_attendance_codes(attendance_import=record) == ["FT"]
    assert [error["code"] for error in _errors(elsewhere)] == [ProblemCode.UNKNOWN_SCHOOL]
    assert _errors(succeeded) == []

    _migrate(CODES.add_codes)  # a code already there stays
    assert [error["code"] for error in _errors(failed)][3] == ProblemCode.UNKNOWN_ATTENDANCE_CODE

    _migrate(CODES.remove_codes)
    assert _errors(failed) == OLD_DAILY
    assert _errors(elsewhere)[0].keys() == {"row", "column", "value", "reason"}
