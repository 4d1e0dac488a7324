"""Many districts at once (issue 22): two real `celery worker` processes import and recompute
two districts at the same time, and neither waits on a lock the other holds. Each district's
import and recompute take only that district's advisory locks; the tables the districts share
take no lock that one district's transaction holds against another's."""

from __future__ import annotations

import threading

import psycopg2
from django.core.files import File

from districts.models import Grade
from districts.services import school_create, school_year_create
from districts.tenancy import system_context
from tests.databases import database_url
from tests.reading import reading
from tests.sis import LAST_DAY
from tests.workers import eventually
from tiering import services, tasks
from tiering.models import AttendanceImport, ImportStatus, RecomputeRun, RecomputeStatus


def _set_up(district, generated) -> None:
    """What the `sis_district` fixture gives the first district, for any district."""
    with system_context(district, reason="test fixture"):
        for spec in generated.schools:
            school_create(
                district=district,
                sis_code=spec.sis_code,
                name=spec.name,
                low_grade=Grade.from_label(spec.low_grade),
                high_grade=Grade.from_label(spec.high_grade),
            )
        school_year_create(
            district=district,
            label="2025–26",
            first_day=generated.calendar.first_day,
            last_day=generated.calendar.last_day,
            instructional_days=len(generated.calendar.instructional_days),
        )


def _record(district, path) -> AttendanceImport:
    with system_context(district, reason="test"), path.open("rb") as upload:
        return services.attendance_import_create(
            district=district,
            uploaded_by=None,
            upload=File(upload, name=path.name),
            as_of=LAST_DAY,
        )


def _queue(district, record: AttendanceImport) -> None:
    with system_context(district, reason="test"):
        tasks.attendance_import_queue(attendance_import=record)


def _finished(district, import_id: int) -> AttendanceImport | None:
    with reading(district):
        record = AttendanceImport.objects.get(pk=import_id)
        runs = list(RecomputeRun.objects.all())
    if record.is_finished and runs and all(run.is_finished for run in runs):
        return record
    return None


class LockWatch:
    """Every lock any session of the test database waited for while it watched (but the
    storage's own page-adding lock), read from
    pg_locks as often as the server answers (from outside any transaction: pg_locks and
    pg_stat_activity are read once per transaction)."""

    def __init__(self) -> None:
        self.waits: set[tuple] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch)

    def _watch(self) -> None:
        link = psycopg2.connect(database_url(as_admin=True))
        link.autocommit = True
        try:
            with link.cursor() as cursor:
                while not self._stop.is_set():
                    cursor.execute(
                        "SELECT l.locktype, l.relation::regclass::text, l.mode, a.query"
                        " FROM pg_locks l JOIN pg_stat_activity a USING (pid)"
                        " WHERE NOT l.granted AND a.datname = current_database()"
                        # Adding pages to a table both write to: held for the moment a page
                        # takes, never until a transaction ends.
                        " AND l.locktype <> 'extend'"
                    )
                    self.waits.update(cursor.fetchall())
        finally:
            link.close()

    def __enter__(self) -> LockWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def test_two_workers_import_and_recompute_two_districts_at_once_without_waiting_on_each_other(
    broker, district, other_district, generated, export
):
    first, second = broker("first"), broker("second")
    _set_up(district, generated)
    _set_up(other_district, generated)
    records = {d: _record(d, export.daily) for d in (district, other_district)}

    with LockWatch() as watch:
        for d, record in records.items():
            _queue(d, record)
        done = {
            d: eventually(lambda d=d: _finished(d, records[d].pk), f"{d.slug}'s import", first.log)
            for d in records
        }

    imports = list(done.values())
    assert [r.status for r in imports] == [ImportStatus.SUCCEEDED] * 2
    # Each worker imported one district, both at the same time ...
    a, b = imports
    assert a.started_at < b.finished_at and b.started_at < a.finished_at
    workers_used = {
        w.log.name for w in (first, second) if "run_attendance_import" in w.log.read_text()
    }
    assert len(workers_used) == 2
    # ... and neither ever waited on a lock the other held.
    assert watch.waits == set()
    for d in records:
        with reading(d):
            assert {run.status for run in RecomputeRun.objects.all()} == {RecomputeStatus.SUCCEEDED}
