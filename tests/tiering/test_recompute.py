"""The biweekly recompute: the schedule rule over a simulated term with a controlled clock,
idempotency, the per-district lock, the attempt cap, the principals' digest and the
operations page. (The real worker process and the kill test are in test_recompute_worker.py.)"""

from datetime import UTC, date, datetime, timedelta

import psycopg2
import pytest
from django.core import mail

from districts.models import Notification
from districts.services import notification_email_set
from districts.tenancy import system_context
from tests.databases import database_url
from tests.reading import reading
from tests.sis import import_file
from tests.tiered import CURRENT, write
from tiering import digest, recompute, selectors
from tiering.models import (
    RecomputeRun,
    RecomputeSchedule,
    RecomputeStatus,
    RecomputeTrigger,
    Snapshot,
    Standing,
)

ANCHOR = date(2026, 8, 17)  # the school year's first day (tests/factories.py)


def _at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def _record_due(now) -> list[int]:
    return [run.pk for run in recompute.runs_record_due(now=now)]


def _poke_and_work(district, now) -> list[int]:
    """What beat's poke and a worker do at ``now``, with the clock in the test's hands."""
    queued = _record_due(now=now)
    for run_id in queued:
        recompute.run_execute(district_id=district.pk, run_id=run_id, now=now)
    return queued


def _scheduled_runs(district):
    with system_context(district, reason="test"):
        return list(
            RecomputeRun.objects.filter(trigger=RecomputeTrigger.SCHEDULE).order_by("period_start")
        )


def test_it_places_a_day_in_its_cycle_counted_from_the_anchor():
    start = recompute.period_start
    assert start(anchor=ANCHOR, interval_days=14, today=date(2026, 8, 16)) is None
    assert start(anchor=ANCHOR, interval_days=14, today=ANCHOR) == ANCHOR
    assert start(anchor=ANCHOR, interval_days=14, today=date(2026, 8, 30)) == ANCHOR
    assert start(anchor=ANCHOR, interval_days=14, today=date(2026, 8, 31)) == date(2026, 8, 31)
    assert start(anchor=ANCHOR, interval_days=7, today=date(2026, 8, 30)) == date(2026, 8, 24)
    assert recompute.next_period_start(
        anchor=ANCHOR, interval_days=14, today=date(2026, 8, 20)
    ) == date(2026, 8, 31)
    assert recompute.next_period_start(anchor=ANCHOR, interval_days=14, today=date(2026, 8, 1)) == (
        ANCHOR
    )


def test_it_anchors_a_new_districts_cycle_on_its_school_years_first_day(district, school_year):
    with system_context(district, reason="test"):
        schedule = recompute.schedule_for(district=district, today=date(2026, 10, 1))
    assert (schedule.anchor, schedule.interval_days) == (ANCHOR, 14)


def test_it_recomputes_once_per_cycle_over_a_term_of_restarts_outages_and_dst(district, tiered):
    """Aug 17 2026 to Mar 31 2027 in Los Angeles, through both daylight-saving changes. Beat
    pokes every day at 10:00 UTC, except that it is down Sep 20 to Oct 3, restarts three
    times on Oct 13 (each restart pokes again), and on two cycle start days an extra poke
    comes at 07:30 UTC."""
    # Nov 9 07:30 UTC is still Nov 8 in Los Angeles (PST, UTC-8); Oct 12 07:30 UTC is
    # already Oct 12 (PDT, UTC-7). A rule on UTC dates would run Nov 9's cycle a day early.
    early = {date(2026, 10, 12), date(2026, 11, 9)}
    outage = {date(2026, 9, 20) + timedelta(days=n) for n in range(14)}
    ran_on: dict[date, date] = {}
    day = ANCHOR
    while day <= date(2027, 3, 31):
        pokes = [] if day in outage else [_at(day)]
        if day in early:
            pokes.insert(0, _at(day, 7, 30))
        if day == date(2026, 10, 13):
            pokes += [_at(day, 10, 1), _at(day, 16), _at(day, 23, 59)]
        for now in pokes:
            for run_id in _poke_and_work(district, now):
                with system_context(district, reason="test"):
                    run = RecomputeRun.objects.get(pk=run_id)
                assert run.period_start not in ran_on, f"{run.period_start} ran twice"
                ran_on[run.period_start] = district.today(now)
        day += timedelta(days=1)

    cycle_starts = [ANCHOR + timedelta(days=14 * n) for n in range(17)]  # to Mar 29, 2027
    assert list(ran_on) == cycle_starts
    # Every cycle ran on its first day, but the one that began while beat was down: it ran
    # on the first poke after (catching up by itself).
    late = {start: ran for start, ran in ran_on.items() if ran != start}
    assert late == {date(2026, 9, 28): date(2026, 10, 4)}
    runs = _scheduled_runs(district)
    assert [r.period_start for r in runs] == cycle_starts
    assert {(r.status, r.attempts) for r in runs} == {(RecomputeStatus.SUCCEEDED, 1)}
    with system_context(district, reason="test"):
        assert Snapshot.objects.filter(source_import__isnull=False).count() == 3 + 17


def test_it_runs_a_cycle_missed_by_the_lost_schedule_at_the_next_poke(district, tiered):
    # Beat lost its schedule file and its countdown with it: no poke came on the cycle's
    # first two days. The first poke afterwards finds the cycle's run missing.
    assert _poke_and_work(district, _at(date(2026, 11, 11))) != []
    assert [r.period_start for r in _scheduled_runs(district)] == [date(2026, 11, 9)]
    assert _poke_and_work(district, _at(date(2026, 11, 12))) == []


def test_a_second_run_of_the_same_cycle_changes_nothing(district, tiered, principal):
    now = _at(date(2026, 11, 23))
    [run_id] = _record_due(now=now)
    assert recompute.run_execute(district_id=district.pk, run_id=run_id, now=now) == "succeeded"
    with system_context(district, reason="test"):
        before = (Snapshot.objects.count(), Standing.objects.count(), Notification.objects.count())
    # The broker hands the same task out again, and a repeated poke finds nothing due.
    assert recompute.run_execute(district_id=district.pk, run_id=run_id, now=now) == "succeeded"
    assert _record_due(now=now + timedelta(hours=3)) == []
    with system_context(district, reason="test"):
        after = (Snapshot.objects.count(), Standing.objects.count(), Notification.objects.count())
        run = RecomputeRun.objects.get(pk=run_id)
    assert after == before
    assert before[2] == 1
    assert run.attempts == 1


def test_a_run_waits_while_another_holds_the_districts_lock(district, tiered):
    now = _at(date(2026, 11, 23))
    [run_id] = _record_due(now=now)
    holder = psycopg2.connect(database_url())
    try:
        with holder.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_lock(hashtext('tiering.recompute'), %s)", [district.pk]
            )
        with system_context(district, reason="test"):
            snapshots = Snapshot.objects.count()
        assert recompute.run_execute(district_id=district.pk, run_id=run_id, now=now) == "busy"
        with system_context(district, reason="test"):
            run = RecomputeRun.objects.get(pk=run_id)
            assert Snapshot.objects.count() == snapshots
        assert (run.status, run.attempts) == (RecomputeStatus.QUEUED, 0)
        with holder.cursor() as cursor:
            # Released here rather than by closing the connection: the server ends a closed
            # connection's session a moment after the client has moved on, and the run below
            # sometimes still found the lock held.
            cursor.execute(
                "SELECT pg_advisory_unlock(hashtext('tiering.recompute'), %s)", [district.pk]
            )
    finally:
        holder.close()
    assert recompute.run_execute(district_id=district.pk, run_id=run_id, now=now) == "succeeded"


def test_another_districts_lock_does_not_hold_this_one_back(district, tiered, other_district):
    now = _at(date(2026, 11, 23))
    holder = psycopg2.connect(database_url())
    try:
        with holder.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_lock(hashtext('tiering.recompute'), %s)", [other_district.pk]
            )
        queued = _record_due(now=now)
        with reading(district):
            [run_id] = RecomputeRun.objects.filter(pk__in=queued).values_list("pk", flat=True)
        assert recompute.run_execute(district_id=district.pk, run_id=run_id, now=now) == "succeeded"
    finally:
        holder.close()


def test_a_run_whose_workers_keep_dying_stops_at_the_attempt_cap(district, tiered, settings):
    now = _at(date(2026, 11, 23))
    [run_id] = _record_due(now=now)
    # Three deliveries claimed an attempt and never finished (their workers were killed).
    with reading(district):
        RecomputeRun.objects.filter(pk=run_id).update(
            status=RecomputeStatus.RUNNING, attempts=settings.RECOMPUTE_MAX_ATTEMPTS
        )
    assert recompute.run_execute(district_id=district.pk, run_id=run_id, now=now) == "failed"
    with reading(district):
        run = RecomputeRun.objects.get(pk=run_id)
    assert "Stopped after 3 attempts" in run.message
    # The daily poke leaves a cycle that used up its attempts to the administrator.
    assert _record_due(now=now + timedelta(days=1)) == []


def test_it_recomputes_a_district_whose_year_has_only_summaries(district, tiered):
    with system_context(district, reason="test"):
        run = recompute.run_request(district=district, requested_by=None)
    recompute.run_execute(district_id=district.pk, run_id=run.pk)
    with system_context(district, reason="test"):
        run.refresh_from_db()
        snapshot = Snapshot.objects.latest()
        bands = dict(
            Standing.objects.across_district(snapshot=snapshot).values_list(
                "student__sis_id", "band"
            )
        )
    assert (run.status, run.source_kind, run.as_of) == ("succeeded", "summary", date(2026, 11, 20))
    assert run.students == 10
    assert bands["S3"] == "moderate_chronic"
    assert bands["S8"] == "not_yet_rated"


def test_it_records_nothing_to_recompute_before_the_first_import(district, school_year):
    [run_id] = _record_due(now=_at(date(2026, 8, 17)))
    assert recompute.run_execute(district_id=district.pk, run_id=run_id) == "skipped"
    with reading(district):
        run = RecomputeRun.objects.get(pk=run_id)
    assert "No attendance has been imported for 2026–27 yet" in run.message
    assert _record_due(now=_at(date(2026, 8, 18))) == []


def test_it_follows_an_import_with_one_recompute_of_its_own(district, tiered):
    with system_context(district, reason="test"):
        runs = list(RecomputeRun.objects.filter(trigger=RecomputeTrigger.IMPORT))
    # last year's summary, the roster and two summaries: each recorded one run to do.
    assert len(runs) == 4
    latest = max(runs, key=lambda r: r.source_import_id)
    with reading(district):
        snapshots = Snapshot.objects.count()
    assert recompute.run_execute(district_id=district.pk, run_id=latest.pk) == "succeeded"
    with reading(district):
        latest.refresh_from_db()
        # The import classified its own facts: the run adopts those bands, adding no duplicate.
        assert Snapshot.objects.count() == snapshots
    assert (latest.as_of, latest.students, latest.digests) == (date(2026, 11, 20), 10, 0)


def test_each_principal_gets_a_digest_of_their_own_schools(
    district, tiered, principal, other_school_principal, django_capture_on_commit_callbacks
):
    with system_context(district, reason="test"):
        run = recompute.run_request(
            district=district, requested_by=None, trigger=RecomputeTrigger.DIGEST
        )
        notification_email_set(membership=other_school_principal.memberships.get(), enabled=False)
    with django_capture_on_commit_callbacks(execute=True):
        recompute.run_execute(district_id=district.pk, run_id=run.pk)
    with reading(district):
        pat = Notification.objects.get(user=principal)
        bob = Notification.objects.get(user=other_school_principal)
    # Adams (tests/tiered.py): S3 Cy Cole and S6 Fay Ford became chronic, S7 Gus Gray improved.
    assert "Became chronically absent: 2 — Cy Cole (S3), Fay Ford (S6)" in pat.body
    assert "Improved: 1 — Gus Gray (S7)" in pat.body
    assert "Chronically absent: 4 of 7 rated students (57.1%)" in pat.body
    assert "Ivy" not in pat.body and "Banneker" not in pat.body
    assert pat.subject.startswith(
        "Attendance digest as of Nov 20, 2026 (since Nov 6, 2026): 4 chronically absent"
    )
    assert "Banneker Elementary School" in bob.body and "Adams" not in bob.body
    # Only Pat kept email on; the email carries counts, never a student's name.
    [email] = mail.outbox
    assert email.to == ["pat@riverside.org"]
    assert "Became chronically absent: 2" in email.body
    assert "Cy Cole" not in email.body
    with reading(district):
        run.refresh_from_db()
    assert run.digests == 2


def test_the_digest_flags_a_school_with_stale_data(district, tiered, principal):
    with system_context(district, reason="test"):
        run = recompute.run_request(
            district=district, requested_by=None, trigger=RecomputeTrigger.DIGEST
        )
    # Five weeks after the last summary (Nov 20): older than the biweekly cycle.
    recompute.run_execute(district_id=district.pk, run_id=run.pk, now=_at(date(2026, 12, 28)))
    with reading(district):
        body = Notification.objects.get(user=principal).body
    assert "Stale data: the latest attendance is from Nov 20, 2026" in body


def test_the_operations_page_shows_the_last_and_next_recompute(
    client, district, district_admin, tiered
):
    now = _at(date(2026, 11, 23))
    [run_id] = _record_due(now=now)
    recompute.run_execute(district_id=district.pk, run_id=run_id)
    with reading(district):
        RecomputeRun.objects.create(
            district=district,
            trigger=RecomputeTrigger.MANUAL,
            status=RecomputeStatus.FAILED,
            message="division by zero. The district's bands are as they were before this run",
        )
    client.force_login(district_admin)
    response = client.get("/d/riverside/attendance/recompute/")
    assert response.status_code == 200
    page = response.content.decode()
    assert response.context["state"].last_finished.pk == run_id
    assert "division by zero" in page
    assert 'class="failed"' in page
    assert "Every 14 days from Aug 17, 2026" in page


def test_an_administrator_moves_the_schedule_and_starts_a_recompute(
    client, district_admin, tiered, django_capture_on_commit_callbacks
):
    client.force_login(district_admin)
    response = client.post(
        "/d/riverside/attendance/recompute/", {"anchor": "2026-09-07", "interval_days": "7"}
    )
    assert response.status_code == 302
    with reading():
        schedule = RecomputeSchedule.objects.get()
    assert (schedule.anchor, schedule.interval_days) == (date(2026, 9, 7), 7)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/d/riverside/attendance/recompute/run/")
    assert response.status_code == 302
    with reading():
        run = RecomputeRun.objects.get(trigger=RecomputeTrigger.MANUAL)
    assert (run.status, run.requested_by) == (RecomputeStatus.SUCCEEDED, district_admin)


@pytest.mark.parametrize("persona", ["principal", "cabinet_member"])
def test_only_district_administrators_see_the_operations_page(client, request, persona, tiered):
    client.force_login(request.getfixturevalue(persona))
    assert client.get("/d/riverside/attendance/recompute/").status_code == 403
    assert client.post("/d/riverside/attendance/recompute/run/").status_code == 403


def test_an_outsider_cannot_find_the_operations_page(client, outsider, district):
    client.force_login(outsider)
    assert client.get("/d/riverside/attendance/recompute/").status_code == 404


def test_the_digest_names_the_same_students_as_the_school_pages_change_lists(
    district, tiered, school_b
):
    with system_context(district, reason="test"):
        # S9 at Banneker went from 1 to 8 days of 40: newly chronic there too.
        snapshots = Snapshot.objects.all()
        snapshot = selectors.current_snapshot(snapshots=snapshots)
        previous = selectors.previous_snapshot(snapshots=snapshots, snapshot=snapshot)
        digests = digest.school_digests(
            district=district, snapshot=snapshot, previous=previous, today=date.today()
        )
        for school in (tiered, school_b):
            for change, listed in (
                (selectors.ListChange.NEWLY_CHRONIC, digests[school.pk].newly_chronic),
                (selectors.ListChange.IMPROVED, digests[school.pk].improved),
            ):
                page = selectors.tiered_students(
                    standings=Standing.objects.all(),
                    snapshot=snapshot,
                    previous=previous,
                    school=school,
                    filters=selectors.ListFilters(change=change, sort="name"),
                )
                assert listed == [str(s.student) for s in page]
            counts = selectors.band_counts(
                standings=Standing.objects.all(), snapshot=snapshot, school=school
            )
            assert digests[school.pk].counts.cells() == counts.cells()
    assert digests[school_b.pk].newly_chronic == ["Ivy Ives (S9)"]


# --- When digests go out (issue 15, point 4) ---------------------------------------------------


def _execute_import_runs(district, now):
    with system_context(district, reason="test"):
        runs = list(RecomputeRun.objects.filter(trigger=RecomputeTrigger.IMPORT).order_by("pk"))
    for run in runs:
        recompute.run_execute(district_id=district.pk, run_id=run.pk, now=now)


def test_imports_and_manual_recomputes_tell_principals_in_the_app_without_a_digest(
    district, tiered, principal, django_capture_on_commit_callbacks
):
    # tests/tiered.py imported four files: each recorded its own run.
    now = _at(date(2026, 11, 21))
    with django_capture_on_commit_callbacks(execute=True):
        _execute_import_runs(district, now)
        with system_context(district, reason="test"):
            manual = recompute.run_request(district=district, requested_by=None)
        recompute.run_execute(district_id=district.pk, run_id=manual.pk, now=now)
    with reading(district):
        told = list(Notification.objects.filter(user=principal))
        runs = list(RecomputeRun.objects.exclude(trigger=RecomputeTrigger.DIGEST))
    # One note in the app for the newest review date, no digest, and no email at all.
    assert [n.subject for n in told] == ["Attendance updated to Nov 20, 2026"]
    assert "Your next digest" in told[0].body and "Nov 23, 2026" in told[0].body
    assert mail.outbox == []
    assert {r.digests for r in runs} == {0}
    assert all(r.digest_snapshot_id is None for r in runs)


def test_each_digest_compares_with_the_previous_digest_and_names_both_dates(
    district, tiered, principal, tmp_path
):
    # The first digest of the year: the review point before this one (Nov 6).
    _poke_and_work(district, _at(date(2026, 11, 23)))
    with reading(district):
        first = Notification.objects.get(user=principal, key__startswith="tiering:digest:")
    assert first.subject.startswith("Attendance digest as of Nov 20, 2026 (since Nov 6, 2026)")
    assert "compared with Nov 6, 2026, the previous review point" in first.body
    # Two more files before the next cycle: the next digest accounts for both of them.
    for day, enrolled in ((27, 43), (4, 45)):
        as_of = date(2026, 11 if day == 27 else 12, day)
        text = CURRENT.replace("S1,101,3,40,1", f"S1,101,3,{enrolled},1")
        record = import_file(district, write(tmp_path, f"{as_of}.csv", text), as_of=as_of)
        assert record.status == "succeeded", record.errors
    _poke_and_work(district, _at(date(2026, 12, 7)))
    with reading(district):
        second = (
            Notification.objects.filter(user=principal, key__startswith="tiering:digest:")
            .exclude(pk=first.pk)
            .get()
        )
    assert second.subject.startswith("Attendance digest as of Dec 4, 2026 (since Nov 20, 2026)")
    assert (
        "recomputed as of Dec 4, 2026 (District definition), compared with Nov 20, 2026, "
        "the previous digest" in second.body
    )


def test_an_administrator_sends_the_digest_now(
    client, district, district_admin, principal, tiered, django_capture_on_commit_callbacks
):
    client.force_login(district_admin)
    page = client.get("/d/riverside/attendance/recompute/").content.decode()
    assert "Send the digest now" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/d/riverside/attendance/recompute/digest/")
    assert response.status_code == 302
    with reading(district):
        run = RecomputeRun.objects.get(trigger=RecomputeTrigger.DIGEST)
        snapshots = Snapshot.objects.count()
    assert run.requested_by == district_admin
    with django_capture_on_commit_callbacks(execute=True):
        assert recompute.run_execute(district_id=district.pk, run_id=run.pk) == "succeeded"
    with reading(district):
        run.refresh_from_db()
        digest_note = Notification.objects.get(user=principal)
        # The digest of the bands as they are: nothing was recomputed.
        assert Snapshot.objects.count() == snapshots
        assert run.digest_snapshot.as_of == date(2026, 11, 20)
    assert (run.digests, run.as_of) == (1, date(2026, 11, 20))
    assert digest_note.subject.startswith("Attendance digest as of Nov 20, 2026 (since Nov 6")
    [email] = mail.outbox
    assert email.to == ["pat@riverside.org"]
    assert (
        "Digest sent now by an administrator"
        in client.get("/d/riverside/attendance/recompute/").content.decode()
    )
