"""The import's attempts: each counted, and the import shown as importing, before its own
transaction; run again when its worker died; stopped with what to do once
IMPORT_MAX_ATTEMPTS attempts died. (Workers really killed: test_import_worker.py.)"""

import threading
from datetime import timedelta

import psycopg2
import pytest
from django.core.files import File
from django.db import connection
from django.utils import timezone

from districts.db_walls import SYSTEM
from districts.tenancy import system_context
from tests.databases import database_url
from tests.reading import fingerprint, reading, tiering_tables
from tests.sis import LAST_DAY, import_file
from tests.workers import PATIENCE_S, eventually
from tiering import progress, services
from tiering.models import AttendanceImport, AttendanceSummary, ImportStatus, Snapshot

IMPORTS = "/d/riverside/attendance/imports/"


def _queued(district, path) -> AttendanceImport:
    with system_context(district, reason="test"), path.open("rb") as upload:
        return services.attendance_import_create(
            district=district,
            uploaded_by=None,
            upload=File(upload, name=path.name),
            as_of=LAST_DAY,
        )


def _record(district, import_id: int) -> AttendanceImport:
    with reading(district):
        return AttendanceImport.objects.get(pk=import_id)


def _attempts_died(district, record: AttendanceImport, attempts: int) -> None:
    """What deliveries whose workers were killed leave behind: their counted attempts, and
    the import importing (everything else they wrote was rolled back with them)."""
    with reading(district):
        AttendanceImport.objects.filter(pk=record.pk).update(
            status=ImportStatus.RUNNING,
            attempts=attempts,
            started_at=timezone.now() - timedelta(minutes=5),
        )


def _tables_but_the_imports() -> list[str]:
    return [t for t in tiering_tables() if t != AttendanceImport._meta.db_table]


@pytest.fixture
def earlier_summary(district, sis_district, export, tmp_path):
    """The district's attendance before the test's file: the export without its last 50
    students, so that the full file is new content that adds students and bands."""
    lines = export.summary.read_text().splitlines(keepends=True)
    earlier = tmp_path / "summary-earlier.csv"
    earlier.write_text("".join(lines[:-50]))
    assert import_file(district, earlier).status == ImportStatus.SUCCEEDED


def test_the_attempt_is_counted_and_shown_before_the_import_commits(
    transactional_db, client, district_admin, district, sis_district, export
):
    record = _queued(district, export.summary)
    client.force_login(district_admin)
    # While a second connection holds a share lock on the summary table, the import gets as
    # far as saving the attendance and waits there, its own transaction open.
    holder = psycopg2.connect(database_url())
    with holder.cursor() as cursor:
        cursor.execute(f"SET LOCAL ROLE {SYSTEM}")
        cursor.execute("LOCK TABLE tiering_attendancesummary IN SHARE MODE")
    outcome = {}

    def execute():
        try:
            outcome["status"] = services.attendance_import_execute(
                district_id=district.pk, import_id=record.pk
            )
        finally:
            connection.close()

    importer = threading.Thread(target=execute)
    importer.start()
    try:
        eventually(
            lambda: (progress.read(record.pk) or {}).get("message") == "Saving attendance",
            "the import to reach the attendance",
        )
        # Read from outside the import's transaction: committed before it.
        running = _record(district, record.pk)
        assert (running.status, running.attempts) == (ImportStatus.RUNNING, 1)
        assert running.started_at is not None
        fragment = client.get(f"{IMPORTS}{record.pk}/", headers={"HX-Request": "true"})
        assert "<strong>Importing</strong> — Saving attendance" in fragment.content.decode()
        assert 'hx-trigger="every 1s"' in fragment.content.decode()
    finally:
        holder.close()
        importer.join(PATIENCE_S)
    assert outcome == {"status": ImportStatus.SUCCEEDED}
    finished = _record(district, record.pk)
    assert (finished.status, finished.attempts) == (ImportStatus.SUCCEEDED, 1)


def test_an_import_whose_worker_died_runs_again_and_lands_once(
    settings, district, sis_district, earlier_summary, export
):
    settings.IMPORT_MAX_ATTEMPTS = 2
    record = _queued(district, export.summary)
    _attempts_died(district, record, 1)

    status = services.attendance_import_execute(district_id=district.pk, import_id=record.pk)

    assert status == ImportStatus.SUCCEEDED
    finished = _record(district, record.pk)
    assert (finished.status, finished.attempts) == (ImportStatus.SUCCEEDED, 2)
    rows = len(export.summary.read_text().splitlines()) - 1
    assert finished.rows_imported == rows
    with reading(district):
        assert Snapshot.objects.filter(source_import=record).count() == 1
        assert AttendanceSummary.objects.count() == rows


@pytest.mark.parametrize(
    ("cap", "stopped"),
    [
        (1, "The import stopped before it finished because the worker running it stopped"),
        (2, "The import stopped 2 times before it finished, each time because the worker"),
    ],
)
def test_an_import_whose_every_attempt_died_stops_with_what_to_do_and_changes_nothing(
    cap,
    stopped,
    settings,
    client,
    district_admin,
    district,
    sis_district,
    earlier_summary,
    export,
    django_capture_on_commit_callbacks,
):
    settings.IMPORT_MAX_ATTEMPTS = cap
    record = _queued(district, export.summary)
    _attempts_died(district, record, cap)
    before = fingerprint(district, tables=_tables_but_the_imports())

    status = services.attendance_import_execute(district_id=district.pk, import_id=record.pk)

    assert status == ImportStatus.FAILED
    failed = _record(district, record.pk)
    assert (failed.status, failed.attempts, failed.error_count) == (ImportStatus.FAILED, cap, 0)
    assert failed.finished_at is not None
    assert failed.message.startswith(stopped)
    assert "most likely the file needs more memory than the worker has" in failed.message
    assert "Nothing from this file was saved" in failed.message
    assert "split it into smaller files" in failed.message
    assert f"that import {record.pk} needs a worker with more memory" in failed.message
    assert fingerprint(district, tables=_tables_but_the_imports()) == before
    # Another delivery of the same task finds it finished.
    assert services.attendance_import_execute(district_id=district.pk, import_id=record.pk) == (
        ImportStatus.FAILED
    )
    assert _record(district, record.pk).finished_at == failed.finished_at

    # The district sees why on the import's page, and can import the kept file again (once the
    # service's workers have the memory): a new import, with attempts of its own.
    client.force_login(district_admin)
    page = client.get(f"{IMPORTS}{record.pk}/").content.decode()
    assert "Not imported: stopped before it finished." in page
    assert "needs a worker with more memory" in page
    assert "Import this file again</button>" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{IMPORTS}{record.pk}/again/")
    assert response.status_code == 302
    with reading(district):
        again = AttendanceImport.objects.exclude(pk=record.pk).latest("created_at")
    assert response["Location"] == f"{IMPORTS}{again.pk}/"
    assert (again.status, again.attempts) == (ImportStatus.SUCCEEDED, 1), again.message
    assert _record(district, record.pk).status == ImportStatus.FAILED


def test_a_finished_import_is_not_run_again(district, sis_district, export):
    record = import_file(district, export.summary)
    assert (record.status, record.attempts) == (ImportStatus.SUCCEEDED, 1)
    before = fingerprint(district)

    status = services.attendance_import_execute(district_id=district.pk, import_id=record.pk)

    assert status == ImportStatus.SUCCEEDED
    assert fingerprint(district) == before
