from celery import shared_task
from django.conf import settings
from django.utils import timezone

from . import recompute, services


# Not a TenantTask: one transaction around the whole task would take the import's attempt
# count and its failure down with it when its worker or connection dies; the service counts
# the attempt, runs the import and records a failure in transactions of their own. Handed out
# again when its worker dies (out of memory on a huge file): the service's attempt cap, not the
# broker, decides when to stop.
@shared_task(acks_late=True, reject_on_worker_lost=True)
def run_attendance_import(*, district_id: int, import_id: int) -> str:
    return services.attendance_import_execute(district_id=district_id, import_id=import_id)


@shared_task
def enqueue_due_recomputes() -> int:
    """Beat's daily poke. Which districts are due comes from the database (recompute.py), so
    a repeated poke queues nothing new and a missed one is made up by the next."""
    return len(recompute.runs_enqueue_due(now=timezone.now()))


# Not a TenantTask: the attempt must be counted in a transaction of its own, committed before
# the work's transaction starts, or a worker killed mid-run would roll the count back with it.
@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True)
def recompute_district(self, *, district_id: int, run_id: int) -> str:
    outcome = recompute.run_execute(district_id=district_id, run_id=run_id)
    if outcome == recompute.BUSY:
        # Another recompute of this district is running; its lock ends with it.
        raise self.retry(countdown=settings.RECOMPUTE_BUSY_RETRY_SECONDS, max_retries=None)
    return outcome
