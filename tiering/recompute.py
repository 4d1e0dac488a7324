"""The district's band recompute: when it is due, and running it safely.

When: each district recomputes every ``interval_days`` counted from its anchor date, in its own
time zone. Beat only pokes once a day (`enqueue_due_recomputes`); whether a district is due is
decided here from the anchor and the runs recorded in the database, so a poke that comes twice
(a beat restart) finds the cycle's run recorded, and the first poke after days without any
(beat down, its schedule file lost) finds the cycle's run missing and starts it.

Safely: a run is one `RecomputeRun` row. Its attempt is counted and committed first, then the
work happens in a second transaction that holds a PostgreSQL advisory lock for the district
(released by PostgreSQL when that transaction ends or its connection dies, so a dead worker
never leaves a stale lock). A worker killed mid-run rolls back everything it wrote: the
district keeps its previous snapshots, and the redelivered task runs the attempt again; the
attempt cap stops a run whose every attempt kills its worker.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from districts.models import District, SchoolYear, User
from districts.tenancy import require_working_for, system_context

from . import digest, selectors, snapshots
from .models import (
    AttendanceImport,
    ImportSource,
    RecomputeRun,
    RecomputeSchedule,
    RecomputeStatus,
    RecomputeTrigger,
    Snapshot,
    Standing,
)

logger = logging.getLogger(__name__)

BUSY = "busy"
# Two 32-bit keys: this namespace and the district id (pg_advisory_xact_lock(int, int)).
_LOCK_SQL = "SELECT pg_try_advisory_xact_lock(hashtext('tiering.recompute'), %s)"


class NothingToRecompute(Exception):
    """The district has no attendance for its current school year yet."""


# --- The schedule rule ----------------------------------------------------------------------


def period_start(*, anchor: date, interval_days: int, today: date) -> date | None:
    """The first day of the cycle containing ``today``, or None before the anchor."""
    if today < anchor:
        return None
    return anchor + timedelta(days=(today - anchor).days // interval_days * interval_days)


def next_period_start(*, anchor: date, interval_days: int, today: date) -> date:
    current = period_start(anchor=anchor, interval_days=interval_days, today=today)
    return anchor if current is None else current + timedelta(days=interval_days)


def schedule_for(*, district: District, today: date) -> RecomputeSchedule:
    """The district's schedule, started on first use from the first day of its current school
    year (so the cycles line up with the year's biweekly review points), else from today."""
    require_working_for(district)
    schedule = RecomputeSchedule.objects.for_district(district).first()
    if schedule is None:
        year = SchoolYear.objects.for_district(district).current(today)
        schedule = RecomputeSchedule(district=district, anchor=year.first_day if year else today)
        schedule.full_clean()
        schedule.save()
    return schedule


@transaction.atomic
def schedule_update(*, district: District, anchor: date, interval_days: int) -> RecomputeSchedule:
    """Moves the district's cycle. Runs already recorded stay as they are; the first poke on or
    after the new cycle's start runs it."""
    require_working_for(district)
    schedule = schedule_for(district=district, today=anchor)
    schedule.anchor = anchor
    schedule.interval_days = interval_days
    schedule.full_clean()
    schedule.save()
    return schedule


def due_period(*, district: District, now: datetime) -> date | None:
    """The cycle whose run is due now: the current one, unless its run is recorded done or
    has used up its attempts. Cycles that passed entirely without a poke are not replayed: a
    recompute always reads the latest attendance, so running the current cycle catches up."""
    today = district.today(now)
    schedule = schedule_for(district=district, today=today)
    start = period_start(anchor=schedule.anchor, interval_days=schedule.interval_days, today=today)
    if start is None:
        return None
    run = (
        RecomputeRun.objects.for_district(district)
        .filter(trigger=RecomputeTrigger.SCHEDULE, period_start=start)
        .first()
    )
    if run is not None and (run.is_finished or run.attempts >= settings.RECOMPUTE_MAX_ATTEMPTS):
        return None
    return start


def runs_record_due(*, now: datetime) -> list[RecomputeRun]:
    """The daily poke: records the due run of every district (tasks.py queues them). Each
    district is read in its own tenant context and transaction."""
    due = []
    for district in District.objects.order_by("pk"):
        with system_context(district, reason="recompute:poke"):
            start = due_period(district=district, now=now)
            if start is None:
                continue
            run, _ = RecomputeRun.objects.get_or_create(
                district=district,
                trigger=RecomputeTrigger.SCHEDULE,
                period_start=start,
                defaults={"queued_at": now},
            )
            due.append(run)
    return due


def run_after_import(*, attendance_import: AttendanceImport) -> RecomputeRun:
    """The run that follows a successful import, recorded (once) in the import's transaction:
    its digest step, telling principals of the import's snapshots. A batch of attendance events
    takes no snapshot of its own; its run classifies the district, and a run after earlier
    batches that no worker has started yet serves this batch too, so that a night's hundred
    batches cost one or two classifications rather than a hundred."""
    district = attendance_import.district
    require_working_for(district)
    if attendance_import.source == ImportSource.EVENTS:
        # Locked until this batch commits: a worker claiming the run waits for it, and so
        # classifies with this batch's days.
        waiting = (
            RecomputeRun.objects.for_district(district)
            .select_for_update()
            .filter(
                trigger=RecomputeTrigger.IMPORT,
                status=RecomputeStatus.QUEUED,
                attempts=0,
                source_import__source=ImportSource.EVENTS,
            )
            .first()
        )
        if waiting is not None:
            return waiting
    run, _ = RecomputeRun.objects.get_or_create(
        district=district, trigger=RecomputeTrigger.IMPORT, source_import=attendance_import
    )
    return run


@transaction.atomic
def run_request(
    *, district: District, requested_by: User, trigger: RecomputeTrigger = RecomputeTrigger.MANUAL
) -> RecomputeRun:
    """A district administrator's "recompute now", for after fixing what made a run fail, or
    (trigger DIGEST) "send the digest now", out of the biweekly schedule."""
    require_working_for(district)
    if trigger not in (RecomputeTrigger.MANUAL, RecomputeTrigger.DIGEST):
        raise ValueError(f"An administrator does not start a run of trigger {trigger}.")
    return RecomputeRun.objects.create(
        district=district, trigger=trigger, requested_by=requested_by
    )


# --- Running one ----------------------------------------------------------------------------


def _locked(district: District) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(_LOCK_SQL, [district.pk])
        return cursor.fetchone()[0]


def run_execute(*, district_id: int, run_id: int, now: datetime | None = None) -> str:
    """Runs one recorded recompute; returns its status, or BUSY when another recompute of the
    district holds the lock (the caller tries again later). Safe to call any number of times
    for the same run: once it is done, calls change nothing."""
    district = District.objects.get(pk=district_id)
    clock = now or timezone.now()
    with system_context(district, reason="recompute:claim"):
        if not _locked(district):
            return BUSY
        run = RecomputeRun.objects.select_for_update().get(pk=run_id)
        if run.is_finished:
            return run.status
        if run.attempts >= settings.RECOMPUTE_MAX_ATTEMPTS:
            if run.status != RecomputeStatus.FAILED:
                run.status = RecomputeStatus.FAILED
                run.finished_at = clock
                run.message = (
                    f"Stopped after {run.attempts} attempts that never finished: each one "
                    "ended with its worker (out of memory or killed). Check the worker logs "
                    "for this time, then use Recompute now."
                )
                run.save()
                logger.error("Recompute run %s of %s: %s", run.pk, district.slug, run.message)
            return run.status
        run.attempts += 1
        run.status = RecomputeStatus.RUNNING
        run.started_at = clock
        run.finished_at = None
        run.message = ""
        run.save()
    logger.info("Recompute run %s of %s: attempt %s", run_id, district.slug, run.attempts)
    try:
        with system_context(district, reason="recompute:run"):
            if not _locked(district):
                return BUSY
            run = RecomputeRun.objects.select_for_update().get(pk=run_id)
            if run.is_finished:
                return run.status
            _recompute(district, run, clock)
            run.status = RecomputeStatus.SUCCEEDED
            run.finished_at = timezone.now() if now is None else clock
            run.save()
    except NothingToRecompute as nothing:
        return _finish(district, run_id, RecomputeStatus.SKIPPED, str(nothing), clock, now)
    except Exception as failure:
        logger.exception("Recompute run %s of %s failed", run_id, district.slug)
        return _finish(
            district,
            run_id,
            RecomputeStatus.FAILED,
            f"{failure}. The district's bands are as they were before this run; fix the cause "
            "(the worker log has the details) and use Recompute now.",
            clock,
            now,
        )
    logger.info(
        "Recompute run %s of %s: %s students as of %s in %s",
        run.pk,
        district.slug,
        run.students,
        run.as_of,
        run.duration,
    )
    return run.status


def _finish(district, run_id, status, message, clock, now) -> str:
    with system_context(district, reason="recompute:finish"):
        run = RecomputeRun.objects.select_for_update().get(pk=run_id)
        run.status = status
        run.message = message
        run.finished_at = timezone.now() if now is None else clock
        run.save()
    if status == RecomputeStatus.SKIPPED:
        logger.info("Recompute run %s of %s skipped: %s", run_id, district.slug, message)
    return status


def _latest_facts(district: District, today: date) -> snapshots.Facts:
    year = SchoolYear.objects.for_district(district).current(today)
    if year is None:
        raise NothingToRecompute(
            f"{district.name} has no school year that has started; add the school year, "
            "then import its attendance."
        )
    facts = snapshots.latest_facts(district=district, year=year)
    if facts is None:
        raise NothingToRecompute(
            f"No attendance has been imported for {year.label} yet; the bands are computed "
            "once its first daily or summary file is imported."
        )
    return facts


def _recompute(district: District, run: RecomputeRun, clock: datetime) -> None:
    today = district.today(clock)
    if run.trigger == RecomputeTrigger.DIGEST:
        _digest_now(district, run, today)
        return
    taken = None
    if run.trigger == RecomputeTrigger.IMPORT:
        # The import classified its own facts in its own transaction; classifying the same
        # facts again would only add a duplicate review point to every trend.
        taken = list(
            Snapshot.objects.for_district(district).filter(source_import=run.source_import)
        )
    if not taken:
        facts = _latest_facts(district, district.today(clock))
        taken = snapshots.snapshots_take(district=district, as_of=facts.as_of, source=facts.kind)
    primary = next((s for s in taken if s.rule_set.is_primary), taken[0])
    for snapshot in taken:
        snapshots.tallies_refresh(district=district, snapshot=snapshot)
    run.as_of = primary.as_of
    run.source_kind = primary.source_kind
    run.snapshots = len(taken)
    run.students = Standing.objects.for_district(district).across_district(snapshot=primary).count()
    if run.trigger == RecomputeTrigger.SCHEDULE:
        run.digests = digest.digests_send(district=district, run=run, snapshot=primary, today=today)
    else:
        schedule = schedule_for(district=district, today=today)
        digest.updates_notify(
            district=district,
            run=run,
            snapshot=primary,
            next_digest=next_period_start(
                anchor=schedule.anchor, interval_days=schedule.interval_days, today=today
            ),
        )


def _digest_now(district: District, run: RecomputeRun, today: date) -> None:
    """An administrator's "send the digest now": the digest of the current bands, as the next
    scheduled one would send it, without recomputing them."""
    current = selectors.current_snapshot(snapshots=Snapshot.objects.for_district(district))
    if current is None:
        raise NothingToRecompute(
            "No attendance has been imported yet, so there is no digest to send; import the "
            "district's attendance first."
        )
    run.as_of = current.as_of
    run.source_kind = current.source_kind
    run.students = Standing.objects.for_district(district).across_district(snapshot=current).count()
    run.digests = digest.digests_send(district=district, run=run, snapshot=current, today=today)


# --- The operations page ---------------------------------------------------------------------


@dataclass(frozen=True)
class Overview:
    schedule: RecomputeSchedule
    today: date
    # The start of the cycle whose run is still to happen now (overdue or in progress).
    due_since: date | None
    next_start: date
    last_finished: RecomputeRun | None
    in_progress: list[RecomputeRun]
    recent: list[RecomputeRun]


def overview(*, district: District, now: datetime, runs) -> Overview:
    today = district.today(now)
    schedule = schedule_for(district=district, today=today)
    ordered = runs.select_related("source_import", "requested_by").order_by("-queued_at", "-pk")
    return Overview(
        schedule=schedule,
        today=today,
        due_since=due_period(district=district, now=now),
        next_start=next_period_start(
            anchor=schedule.anchor, interval_days=schedule.interval_days, today=today
        ),
        last_finished=ordered.exclude(finished_at=None).order_by("-finished_at").first(),
        in_progress=list(
            ordered.filter(status__in=[RecomputeStatus.QUEUED, RecomputeStatus.RUNNING])
        ),
        recent=list(ordered[:25]),
    )
