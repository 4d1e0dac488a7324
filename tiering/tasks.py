"""The import's chain (import, with its snapshot step, then the digest step) and the recompute,
queued for a worker or run in this process. The services record what is to run; this module
alone queues it, once the recording transaction commits."""

from pathlib import Path

from celery import shared_task
from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from districts.models import District
from districts.tenancy import system_context

from . import bands_changed, recompute, services
from .models import (
    AttendanceImport,
    ImportSource,
    ImportStatus,
    RecomputeRun,
    RecomputeStatus,
)


def attendance_import_queue(*, attendance_import: AttendanceImport) -> None:
    """Hands a queued import (new, retried or confirmed) to a worker once it commits."""
    if attendance_import.status == ImportStatus.QUEUED:
        district_id, import_id = attendance_import.district_id, attendance_import.pk
        transaction.on_commit(
            lambda: run_attendance_import.delay(district_id=district_id, import_id=import_id)
        )


def recompute_run_queue(*, run: RecomputeRun, countdown: int = 0) -> None:
    """Hands a recorded run to a worker once it commits, to start ``countdown`` seconds later."""
    transaction.on_commit(
        lambda: recompute_district.apply_async(
            kwargs={"district_id": run.district_id, "run_id": run.pk}, countdown=countdown or None
        )
    )


def attendance_import_now(
    *, district: District, path: Path, reason: str, name: str | None = None, **options
) -> AttendanceImport:
    """Records an import of the file at ``path`` (``options`` as attendance_import_create's)
    and runs it here, as a worker would: the command, the demo data, benchmarks and tests.
    Returns it finished, or previewed; a file refused at upload raises
    ``readers.ImportValidationError``, keeping nothing."""
    options.setdefault("uploaded_by", None)
    with system_context(district, reason=reason), path.open("rb") as upload:
        record = services.attendance_import_create(
            district=district, upload=File(upload, name=name or path.name), **options
        )
    return attendance_import_run_now(attendance_import=record, reason=reason)


def attendance_import_run_now(
    *, attendance_import: AttendanceImport, reason: str
) -> AttendanceImport:
    """Runs a queued import here rather than in a worker; its digest step is queued as a
    worker's would be."""
    district = District.objects.get(pk=attendance_import.district_id)
    _import_chain(district_id=district.pk, import_id=attendance_import.pk)
    with system_context(district, reason=reason):
        return AttendanceImport.objects.get(pk=attendance_import.pk)


def _import_chain(*, district_id: int, import_id: int) -> str:
    status = services.attendance_import_execute(district_id=district_id, import_id=import_id)
    if status == ImportStatus.SUCCEEDED:
        # The digest step, recorded in the import's transaction: it tells principals of the
        # import's snapshots. A second delivery queues it again, and finds it done.
        district = District.objects.get(pk=district_id)
        with system_context(district, reason="import:digest"):
            record = AttendanceImport.objects.get(pk=import_id)
            recompute_run_queue(
                run=recompute.run_after_import(attendance_import=record),
                countdown=_recompute_delay(record),
            )
    return status


def _recompute_delay(record: AttendanceImport) -> int:
    """A batch of events is rarely alone: its run starts after EVENTS_RECOMPUTE_DELAY_SECONDS,
    and serves every batch merged meanwhile (recompute.run_after_import). Started at once, the
    first batch's classification of a 500,000-student district held one of a worker's two
    processes while the 19 batches sent after it were merged one at a time by the other
    (bench/api.py: 16,300 events/s), and classified all but one batch's days only for the next
    run to classify them again."""
    return settings.EVENTS_RECOMPUTE_DELAY_SECONDS if record.source == ImportSource.EVENTS else 0


# Not a TenantTask: one transaction around the whole task would take the import's attempt
# count and its failure down with it when its worker or connection dies; the service counts
# the attempt, runs the import and records a failure in transactions of their own. Handed out
# again when its worker dies (out of memory on a huge file): the service's attempt cap, not the
# broker, decides when to stop.
@shared_task(acks_late=True, reject_on_worker_lost=True)
def run_attendance_import(*, district_id: int, import_id: int) -> str:
    return _import_chain(district_id=district_id, import_id=import_id)


@shared_task
def enqueue_due_recomputes() -> int:
    """Beat's daily poke. Which districts are due comes from the database (recompute.py), so
    a repeated poke queues nothing new and a missed one is made up by the next."""
    due = recompute.runs_record_due(now=timezone.now())
    for run in due:
        recompute_run_queue(run=run)
    return len(due)


# Not a TenantTask: the attempt must be counted in a transaction of its own, committed before
# the work's transaction starts, or a worker killed mid-run would roll the count back with it.
@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True)
def recompute_district(self, *, district_id: int, run_id: int) -> str:
    outcome = recompute.run_execute(district_id=district_id, run_id=run_id)
    if outcome == recompute.BUSY:
        # Another recompute of this district is running; its lock ends with it.
        raise self.retry(countdown=settings.RECOMPUTE_BUSY_RETRY_SECONDS, max_retries=None)
    if outcome == RecomputeStatus.SUCCEEDED:
        # Also on a second delivery of a finished run: the hooks' work is idempotent.
        bands_changed.hooks.notify(district_id=district_id)
    return outcome
