"""The recompute through real Celery worker processes on the real Redis broker (not eager
mode): beat's daily poke end to end, and a worker killed in the middle of a recompute."""

from __future__ import annotations

from datetime import date

import psycopg2
from django.conf import settings

from districts import db_walls
from districts.models import Notification
from districts.tenancy import system_context
from tests.databases import database_url
from tests.reading import reading
from tests.workers import PATIENCE_S, eventually
from tiering import recompute, selectors, tasks
from tiering.models import RecomputeRun, RecomputeStatus, RuleSet, Snapshot, Standing
from tiering.tasks import enqueue_due_recomputes


def _run(district, run_id: int) -> RecomputeRun:
    with reading(district):
        return RecomputeRun.objects.get(pk=run_id)


def _count(district, model, **filters) -> int:
    with reading(district):
        return model.objects.filter(**filters).count()


def test_beats_daily_poke_recomputes_and_notifies_through_a_worker(
    district, tiered, principal, broker
):
    broker("poke")
    enqueue_due_recomputes.delay()

    def scheduled_run_succeeded() -> RecomputeRun | None:
        with reading(district):
            return RecomputeRun.objects.filter(
                trigger="schedule", status=RecomputeStatus.SUCCEEDED
            ).first()

    run = eventually(scheduled_run_succeeded, "the scheduled recompute to succeed")
    assert run.period_start == recompute.period_start(
        anchor=date(2026, 8, 17),
        interval_days=14,
        today=district.today(run.queued_at),
    )
    assert (run.attempts, run.students, run.digests) == (1, 10, 1)
    with reading(district):
        digest = Notification.objects.get(user=principal, key=f"tiering:digest:{run.pk}")
    assert "Adams Elementary School" in digest.body
    # A second poke the same day (a beat restart) finds the cycle done and queues nothing.
    assert enqueue_due_recomputes.delay().get(timeout=PATIENCE_S) == 0


def _standings(district, snapshot_id: int) -> list[tuple]:
    with reading(district):
        return sorted(
            Standing.objects.filter(snapshot_id=snapshot_id).values_list(
                "student_id", "school_id", "days_absent", "band"
            ),
            key=str,
        )


def _current_snapshot(district) -> Snapshot:
    with system_context(district, reason="test"):
        return selectors.current_snapshot(snapshots=Snapshot.objects.all())


def test_a_worker_killed_mid_recompute_leaves_the_bands_intact_and_the_retry_completes(
    district, tiered, principal, broker
):
    with system_context(district, reason="test"):
        RuleSet.objects.create(district=district, name="State definition", minimum_days_enrolled=15)
    before = _current_snapshot(district)
    standings_before = _standings(district, before.pk)
    snapshots_before = _count(district, Snapshot)

    # While we hold a share lock on the standings table, the run gets as far as writing its
    # first snapshot row and then waits to insert that snapshot's standings: mid-run, with
    # something written and nothing committed.
    holder = psycopg2.connect(database_url())
    # pg_stat_activity is read once per transaction: watch from outside the holder's.
    observer = psycopg2.connect(database_url())
    observer.autocommit = True
    try:
        with holder.cursor() as cursor:
            # The app's login role holds no table privilege of its own: its personas do.
            cursor.execute(f"SET ROLE {db_walls.SYSTEM}")
            cursor.execute("LOCK TABLE tiering_standing IN SHARE MODE")
        worker = broker("doomed")
        with system_context(district, reason="test"):
            run = recompute.run_request(district=district, requested_by=None)
            tasks.recompute_run_queue(run=run)

        def waiting_mid_run() -> bool:
            with observer.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock' AND query LIKE '%INSERT INTO tiering_standing%'"
                )
                return cursor.fetchone()[0] == 1

        eventually(waiting_mid_run, "the recompute to wait halfway")
        mid_run = _run(district, run.pk)
        assert (mid_run.status, mid_run.attempts) == (RecomputeStatus.RUNNING, 1)
        worker.kill()
        holder.rollback()  # the dead worker's statement completes, and finds no one to answer

        def lock_freed() -> bool:
            with observer.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = %s",
                    [district.pk],
                )
                return cursor.fetchone()[0] == 0

        eventually(lock_freed, "PostgreSQL to free the dead worker's lock")
    finally:
        holder.close()
        observer.close()
    # Nothing the killed attempt wrote survived: the pages show exactly what they showed.
    assert _count(district, Snapshot) == snapshots_before
    assert _current_snapshot(district).pk == before.pk
    assert _standings(district, before.pk) == standings_before
    assert _count(district, Notification, key="tiering:updated:2026-11-20") == 0
    assert _run(district, run.pk).status == RecomputeStatus.RUNNING

    # A new worker finds the unacknowledged task once the broker's visibility timeout (short
    # here; above the longest run in production) has passed, and runs its second attempt.
    broker("successor", CELERY_VISIBILITY_TIMEOUT="3")
    finished = eventually(
        lambda: (r := _run(district, run.pk)).is_finished and r,
        "the redelivered recompute to finish",
    )
    assert (finished.status, finished.attempts, finished.snapshots) == ("succeeded", 2, 2)
    after = _current_snapshot(district)
    assert after.pk != before.pk
    assert _standings(district, before.pk) == standings_before
    assert _count(district, Snapshot) == snapshots_before + 2
    # A recompute started by hand tells the principal in the app (the digest is biweekly).
    assert _count(district, Notification, user=principal, key="tiering:updated:2026-11-20") == 1
    assert settings.CELERY_TASK_ACKS_LATE and settings.CELERY_TASK_REJECT_ON_WORKER_LOST
