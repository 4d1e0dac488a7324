"""The import through a real Celery worker on the real Redis broker (not eager mode)."""

import time

from django.core.files import File

from districts.tenancy import system_context
from tests.reading import reading
from tests.sis import LAST_DAY
from tiering import services, tasks
from tiering.models import AttendanceImport, ImportStatus, Snapshot


def test_a_worker_imports_a_queued_file_after_its_upload_commits(
    celery_worker, district, sis_district, export
):
    with system_context(district, reason="test"), export.summary.open("rb") as upload:
        record = services.attendance_import_create(
            district=district,
            uploaded_by=None,
            upload=File(upload, name="summary.csv"),
            as_of=LAST_DAY,
        )
        tasks.attendance_import_queue(attendance_import=record)
        assert record.status == ImportStatus.QUEUED
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with reading(district):
            record = AttendanceImport.unscoped.get(pk=record.pk)
        if record.is_finished:
            break
        time.sleep(0.2)
    assert record.status == ImportStatus.SUCCEEDED, record.message
    with reading(district):
        assert Snapshot.unscoped.filter(source_import=record).count() == 1
