"""The database connection killed in the middle of an import (security-notes.md checklist 8),
through the real Celery task on the real Redis broker and a worker of its own: the district's
data is as it was, the import says it failed and what to do, importing the file again succeeds,
and a repeat after that changes nothing."""

from __future__ import annotations

import re
import time

import psycopg2
import pytest

from districts.db_walls import SYSTEM
from districts.lifecycle import tenant_models
from districts.models import AuditEvent
from tests.databases import database_url
from tests.reading import reading
from tests.sis import LAST_DAY, import_file
from tiering.models import AttendanceImport, ImportStatus, RecomputeRun, Snapshot, Student

IMPORTS = "/d/riverside/attendance/imports/"
# How long a step may take before the test gives up: a guard against hanging, never a measure
# of speed.
PATIENCE_S = 120


def _eventually(check, what: str):
    deadline = time.monotonic() + PATIENCE_S
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.2)
    pytest.fail(f"Gave up waiting for {what}.")


def _district_rows(district) -> dict[str, list[tuple]]:
    """Every row of every table with the district's id, except the record of imports and the
    access record, which an import adds to by design."""
    rows = {}
    with reading(district):
        for model in tenant_models():
            if model in (AttendanceImport, AuditEvent):
                continue
            columns = [f.attname for f in model._meta.concrete_fields]
            found = model._base_manager.filter(district_id=district.pk).values_list(*columns)
            rows[model._meta.label_lower] = sorted(found, key=repr)
    return rows


def _finished(district, import_id: int) -> AttendanceImport | None:
    with reading(district):
        record = AttendanceImport.unscoped.get(pk=import_id)
    return record if record.is_finished else None


def _recomputes_settled(district) -> bool:
    with reading(district):
        return all(run.is_finished for run in RecomputeRun.unscoped.filter(district=district))


def _import_id(response) -> int:
    assert response.status_code == 302, response.content.decode()[:2000]
    return int(re.fullmatch(rf"{IMPORTS}(\d+)/", response["Location"]).group(1))


@pytest.fixture
def imported_before(celery_worker, district, sis_district, district_admin, export, tmp_path):
    """The district's rows so far, its administrator's membership and its attendance: the
    export without its last 50 students, so that the full file the test uploads is new content
    and adds students, summaries and bands."""
    lines = export.summary.read_text().splitlines(keepends=True)
    earlier = tmp_path / "summary-earlier.csv"
    earlier.write_text("".join(lines[:-50]))
    assert import_file(district, earlier).status == ImportStatus.SUCCEEDED
    # Its recompute runs on the worker; the rows are compared once it is done.
    _eventually(lambda: _recomputes_settled(district), "the earlier import's recompute")
    return _district_rows(district)


@pytest.mark.parametrize(
    ("table", "stage"),
    [
        ("tiering_attendancesummary", "saving the attendance (students already written)"),
        ("tiering_standing", "placing students in bands (attendance and snapshot written)"),
    ],
)
def test_a_connection_killed_mid_import_leaves_nothing_and_the_file_imports_again(
    imported_before, table, stage, client, district_admin, district, export
):
    client.force_login(district_admin)
    # While a second connection holds a share lock on `table`, the import's worker gets as far
    # as its first write there and waits: mid-import, with rows written and nothing committed.
    holder = psycopg2.connect(database_url())
    # pg_stat_activity is read once per transaction: watch from outside the holder's.
    killer = psycopg2.connect(database_url())
    killer.autocommit = True
    try:
        with holder.cursor() as cursor:
            cursor.execute(f"SET LOCAL ROLE {SYSTEM}")
            cursor.execute(f"LOCK TABLE {table} IN SHARE MODE")
        with export.summary.open("rb") as upload:
            response = client.post(
                IMPORTS, {"file": upload, "daily_mode": "replace", "as_of": LAST_DAY.isoformat()}
            )
        stopped_id = _import_id(response)
        # The check and its preview only read: the import proper writes once confirmed.
        checked = _eventually(lambda: _finished(district, stopped_id), "the file's check")
        assert checked.status == ImportStatus.PREVIEWED, checked.errors
        assert _import_id(client.post(f"{IMPORTS}{stopped_id}/confirm/")) == stopped_id

        def importer_waiting() -> int | None:
            with killer.cursor() as cursor:
                cursor.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                    " AND wait_event_type = 'Lock' AND query LIKE %s",
                    [f"%{table}%"],
                )
                pids = [pid for (pid,) in cursor.fetchall()]
            assert len(pids) <= 1, pids
            return pids[0] if pids else None

        pid = _eventually(importer_waiting, f"the import to wait while {stage}")
        with killer.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
            assert cursor.fetchone()[0]
        holder.rollback()
        stopped = _eventually(lambda: _finished(district, stopped_id), "the import to end")
    finally:
        holder.close()
        killer.close()

    # Nothing the import wrote survived, in any of the district's tables.
    assert _district_rows(district) == imported_before
    # Its record outlived the dead connection: failed, saying why and what to do.
    assert stopped.status == ImportStatus.FAILED
    assert stopped.stopped_short and stopped.error_count == 0
    assert "the connection to the database was lost" in stopped.message
    assert "Import the file again" in stopped.message
    page = client.get(f"{IMPORTS}{stopped_id}/").content.decode()
    assert "Not imported: stopped before it finished." in page
    assert "Nothing from this file was saved" in page
    assert f'action="{IMPORTS}{stopped_id}/again/"' in page
    assert "Import this file again</button>" in page
    # The page polling the import (htmx) gets the same news, and stops polling.
    fragment = client.get(f"{IMPORTS}{stopped_id}/", headers={"HX-Request": "true"})
    assert "Import this file again" in fragment.content.decode()
    assert "hx-trigger" not in fragment.content.decode()

    # The failed attempt is not "already imported": the same file imports, whole.
    retry_id = _import_id(client.post(f"{IMPORTS}{stopped_id}/again/"))
    retried = _eventually(lambda: _finished(district, retry_id), "the import to run again")
    assert retried.status == ImportStatus.SUCCEEDED, retried.message
    assert retried.sha256 == stopped.sha256
    assert retried.rows_imported == len(export.summary.read_text().splitlines()) - 1
    _eventually(lambda: _recomputes_settled(district), "the retried import's recompute")
    imported = _district_rows(district)
    with reading(district):
        assert Student.unscoped.count() == len(imported_before["tiering.student"]) + 50
        assert Snapshot.unscoped.filter(source_import_id=retry_id).count() == 1
        assert not Snapshot.unscoped.filter(source_import_id=stopped_id).exists()
        assert RecomputeRun.unscoped.filter(source_import_id=retry_id).count() == 1
        assert AttendanceImport.unscoped.get(pk=stopped_id).status == ImportStatus.FAILED

    # A repeat is a no-op, whether the file is uploaded again or the stopped import re-run.
    with export.summary.open("rb") as upload:
        again = client.post(
            IMPORTS, {"file": upload, "daily_mode": "replace", "as_of": LAST_DAY.isoformat()}
        )
    repeats = [_import_id(again), _import_id(client.post(f"{IMPORTS}{stopped_id}/again/"))]
    for repeat_id in repeats:
        with reading(district):
            repeat = AttendanceImport.unscoped.get(pk=repeat_id)
        assert (repeat.status, repeat.duplicate_of_id) == (ImportStatus.DUPLICATE, retry_id)
        assert repeat.rows_imported == 0
        assert "nothing was changed" in client.get(f"{IMPORTS}{repeat_id}/").content.decode()
    assert _district_rows(district) == imported
    with reading(district):
        succeeded = AttendanceImport.unscoped.filter(
            sha256=stopped.sha256, status=ImportStatus.SUCCEEDED
        )
        assert list(succeeded.values_list("pk", flat=True)) == [retry_id]
