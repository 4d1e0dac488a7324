"""An import whose worker's pool process is killed in the middle (SIGKILL, as the kernel's
out-of-memory killer does on a file too big for the worker's memory), through a real `celery
worker` process on the real Redis broker: the worker hands the task out again and the next
attempt imports the file, once; a file that kills every attempt ends failed after
IMPORT_MAX_ATTEMPTS, saying what to do, with the district's data as it was."""

from __future__ import annotations

import re

import pandas as pd
import psycopg2
import pytest
from django.core.files import File

from districts.db_walls import SYSTEM
from districts.tenancy import system_context
from tests.databases import database_url
from tests.reading import fingerprint, reading, tiering_tables
from tests.sis import LAST_DAY, import_file
from tests.workers import eventually
from tiering import progress, services, tasks
from tiering.models import (
    AttendanceImport,
    AttendanceSummary,
    ImportStatus,
    RecomputeRun,
    Snapshot,
    Student,
)

# The default, whatever the environment says: a second attempt to run, or to kill too.
MAX_ATTEMPTS = 2
# The import waits to write here while a second connection holds a share lock on it: mid-
# import, with the file read and students written, and nothing committed. A file merely big
# enough to be killed halfway would leave where it is killed to the machine's speed.
TABLE = "tiering_attendancesummary"


def _record(district, import_id: int) -> AttendanceImport:
    with reading(district):
        return AttendanceImport.objects.get(pk=import_id)


def _recomputes_settled(district) -> bool:
    with reading(district):
        return all(run.is_finished for run in RecomputeRun.objects.all())


def _tables_but_the_imports() -> list[str]:
    return [t for t in tiering_tables() if t != AttendanceImport._meta.db_table]


@pytest.fixture
def worker(broker, district, sis_district, export, tmp_path):
    """A worker, and the district's attendance so far: the export without its last 50
    students (so that the full file the test queues is new content, adding students and
    bands), imported, and the recompute after it run by the worker."""
    started = broker("importer", IMPORT_MAX_ATTEMPTS=str(MAX_ATTEMPTS))
    lines = export.summary.read_text().splitlines(keepends=True)
    earlier = tmp_path / "summary-earlier.csv"
    earlier.write_text("".join(lines[:-50]))
    assert import_file(district, earlier).status == ImportStatus.SUCCEEDED
    eventually(lambda: _recomputes_settled(district), "the earlier import's recompute", started.log)
    return started


@pytest.fixture
def observer():
    # pg_stat_activity is read once per transaction: watch from outside any.
    connection = psycopg2.connect(database_url())
    connection.autocommit = True
    yield connection
    connection.close()


@pytest.fixture
def holder():
    connection = psycopg2.connect(database_url())
    with connection.cursor() as cursor:
        # The app's login role holds no table privilege of its own: its personas do.
        cursor.execute(f"SET ROLE {SYSTEM}")
        cursor.execute(f"LOCK TABLE {TABLE} IN SHARE MODE")
    yield connection
    connection.close()


def _queue(district, export) -> AttendanceImport:
    with system_context(district, reason="test"), export.summary.open("rb") as upload:
        record = services.attendance_import_create(
            district=district,
            uploaded_by=None,
            upload=File(upload, name="summary.csv"),
            as_of=LAST_DAY,
        )
        tasks.attendance_import_queue(attendance_import=record)
    return record


def _mid_import(observer, district, import_id: int, attempt: int, worker) -> int:
    """Waits until the attempt waits on the lock; returns its database backend's pid."""

    def waiting() -> int | None:
        with observer.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                " AND wait_event_type = 'Lock' AND query LIKE %s",
                [f"%{TABLE}%"],
            )
            pids = [pid for (pid,) in cursor.fetchall()]
        assert len(pids) <= 1, pids
        return pids[0] if pids else None

    pid = eventually(waiting, f"attempt {attempt} to wait mid-import", worker.log)
    # What the import's page shows meanwhile, committed before the import's transaction.
    record = _record(district, import_id)
    assert (record.status, record.attempts) == (ImportStatus.RUNNING, attempt)
    assert progress.read(import_id) == {"percent": 75, "message": "Saving attendance"}
    return pid


def _terminate(observer, pid: int) -> None:
    def gone() -> bool:
        with observer.cursor() as cursor:
            cursor.execute("SELECT NOT EXISTS (SELECT FROM pg_stat_activity WHERE pid = %s)", [pid])
            return cursor.fetchone()[0]

    with observer.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    eventually(gone, "the dead attempt's backend to end")


def test_a_worker_killed_mid_import_hands_it_on_and_the_next_attempt_imports_it_once(
    worker, holder, observer, district, export
):
    record = _queue(district, export)
    _mid_import(observer, district, record.pk, 1, worker)
    worker.kill_pool_process()
    holder.rollback()  # the dead attempt's statement completes, and finds no one to answer

    finished = eventually(
        lambda: (r := _record(district, record.pk)).is_finished and r,
        "the import's second attempt to finish",
        worker.log,
    )
    assert (finished.status, finished.attempts) == (ImportStatus.SUCCEEDED, 2), finished.message
    # The same worker handed the task on at once (reject_on_worker_lost): the broker's
    # visibility timeout, hours away, played no part.
    assert worker.process.poll() is None
    assert "exited prematurely: signal 9 (SIGKILL)" in worker.log.read_text()
    rows = len(export.summary.read_text().splitlines()) - 1
    assert finished.rows_imported == rows
    eventually(lambda: _recomputes_settled(district), "the import's recompute", worker.log)
    with reading(district):
        assert Snapshot.objects.filter(source_import=record).count() == 1
        assert AttendanceSummary.objects.count() == rows
        students = pd.read_csv(export.summary, dtype=str).student_id.nunique()
        assert Student.objects.count() == students
        assert RecomputeRun.objects.filter(source_import=record).count() == 1


def test_a_file_that_kills_every_attempt_ends_failed_with_what_to_do(
    worker, holder, observer, district, export
):
    before = fingerprint(district, tables=_tables_but_the_imports())
    record = _queue(district, export)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        backend = _mid_import(observer, district, record.pk, attempt, worker)
        worker.kill_pool_process()
        # PostgreSQL ends a dead client's backend as soon as it waits on the client, as an
        # import reading its file does; this one waits on the lock, which stays held so that
        # the next attempt stops at the same place.
        _terminate(observer, backend)

    failed = eventually(
        lambda: (r := _record(district, record.pk)).is_finished and r,
        "the import to be stopped",
        worker.log,
    )
    assert (failed.status, failed.attempts) == (ImportStatus.FAILED, MAX_ATTEMPTS)
    assert failed.stopped_short
    assert "because the worker running it stopped" in failed.message
    assert f"import {record.pk} needs a worker with more memory" in failed.message
    # The last delivery was acknowledged with that outcome: the file kills no more workers.
    ended = re.compile(r"run_attendance_import\[[^]]+\] succeeded in [\d.]+s: 'failed'")
    eventually(lambda: ended.search(worker.log.read_text()), "the task to end", worker.log)
    received = re.findall(r"run_attendance_import\[[^]]+\] received", worker.log.read_text())
    assert len(received) == MAX_ATTEMPTS + 1
    holder.rollback()
    assert fingerprint(district, tables=_tables_but_the_imports()) == before
    with reading(district):
        assert not Snapshot.objects.filter(source_import=record).exists()
        assert not RecomputeRun.objects.filter(source_import=record).exists()
