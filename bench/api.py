"""The REST API with a large district loaded: standings walked page by page (1,000 rows a
page, by cursor) and Ed-Fi attendance events sent in batches of 10,000, each request timed
through the whole API (token, walls, throttle, access record) in-process with Django's test
client. Prints a table, then one JSON line (design.md §7).

    ./run bench api [--students 500000] [--batches 20]

The district gets a roster and two biweekly summaries through the real import path, then a
district administrator's personal token. Each batch names other students' days (so none is
a duplicate of another). The batches are merged by a real Celery worker (a process of its
own, on the broker REDIS_URL names, as production runs it): `events_per_s` is the events
over the time from the first batch's POST until every batch's import has succeeded, that is
until its days are in tiering_attendanceday; `event_batch_*` is the time to accept a batch.
The bands' recompute the batches queue is left unfinished (the worker is stopped and the
queue emptied). It works in a database of its own (BENCH_DATABASE, default
attendance_bench_api, dropped at the end).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from database import bench_database, vacuum_analyze
from page_latency import _load, latencies

BENCH_DB = os.environ.get("BENCH_DATABASE", "attendance_bench_api")
SLUG = "bench-pages"  # page_latency's loader names the district so
PAGE_ROWS = 1_000
BATCH_EVENTS = 10_000
CATEGORIES = [
    f"uri://ed-fi.org/AttendanceEventCategoryDescriptor#{name}"
    for name in ("In Attendance", "In Attendance", "Excused Absence", "Unexcused Absence", "Tardy")
]


def _token() -> str:
    from datetime import timedelta

    from django.utils import timezone

    from districts.models import District
    from districts.roles import Role
    from districts.services import api_token_create, membership_grant, user_create
    from districts.tenancy import context_for_membership, system_context, tenant_context

    district = District.objects.get(slug=SLUG)
    with system_context(district, reason="bench"):
        admin = user_create(email="admin@bench.example", password="bench-password")  # noqa: S106
        membership = membership_grant(district=district, user=admin, role=Role.DISTRICT_ADMIN)
    with tenant_context(context_for_membership(membership)):
        _token, secret = api_token_create(
            district=district,
            created_by=admin,
            name="bench",
            expires_at=timezone.now() + timedelta(days=1),
            membership=membership,
        )
    return secret


def _walk_standings(client) -> tuple[list[float], int]:
    url = f"/api/v1/districts/{SLUG}/standings/?page_size={PAGE_ROWS}"
    ms, rows = [], 0
    while url:
        start = time.perf_counter()
        response = client.get(url)
        ms.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}: {response.content[:300]}")
        page = response.json()
        rows += len(page["results"])
        url = page["next"]
    return ms, rows


def _batches(count: int) -> list[bytes]:
    """Each batch: 10,000 students' events on one weekday after the summaries' date, students
    taken in turn, so that no student and day repeats across batches."""
    from datetime import timedelta

    from districts.models import District
    from districts.tenancy import system_context
    from tiering.models import AttendanceSummary, Student

    district = District.objects.get(slug=SLUG)
    with system_context(district, reason="bench"):
        roster = list(Student.objects.order_by("pk").values_list("sis_id", "school__sis_code"))
        as_of = AttendanceSummary.objects.latest("as_of").as_of
    days, day = [], as_of
    while len(days) < count:
        day += timedelta(days=1)
        if day.weekday() < 5:
            days.append(day.isoformat())
    per_day = max(len(roster) // BATCH_EVENTS, 1)
    batches = []
    for number in range(count):
        first = (number % per_day) * BATCH_EVENTS
        events = [
            {
                "studentReference": {"studentUniqueId": sis_id},
                "schoolReference": {"schoolId": int(school)},
                "eventDate": days[number // per_day],
                "attendanceEventCategoryDescriptor": CATEGORIES[(first + i) % len(CATEGORIES)],
            }
            for i, (sis_id, school) in enumerate(roster[first : first + BATCH_EVENTS])
        ]
        batches.append(json.dumps({"studentSchoolAttendanceEvents": events}).encode())
    return batches


@contextmanager
def _worker():
    """A Celery worker as `./run demo` starts one, on this run's database (DATABASE_URL),
    answering once it is ready to take tasks; killed at the end with whatever it still runs."""
    from attendance_platform.celery import app as celery_app

    if not celery_app.conf.broker_url:
        raise SystemExit("The events bench needs a worker: set REDIS_URL.")
    celery_app.control.purge()  # nothing left by an earlier run on this broker
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "attendance_platform", "worker", "-l", "WARNING"],
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not celery_app.control.ping(timeout=0.5):
            if worker.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("The Celery worker did not start.")
        yield
    finally:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
        celery_app.control.purge()


def _all_merged(district, count: int) -> bool:
    """Whether the run's `count` batches have all finished; a batch that did not succeed
    ends the run."""
    from districts.tenancy import system_context
    from tiering.models import AttendanceImport, ImportSource, ImportStatus

    with system_context(district, reason="bench"):
        statuses = list(
            AttendanceImport.objects.filter(source=ImportSource.EVENTS).values_list(
                "status", "message"
            )
        )
    for status, message in statuses:
        if status in (ImportStatus.FAILED, ImportStatus.NEEDS_MAPPING, ImportStatus.DUPLICATE):
            raise SystemExit(f"a batch ended {status}: {message}")
    return sum(status == ImportStatus.SUCCEEDED for status, _ in statuses) == count


def _send_events(client, batches: list[bytes]) -> tuple[list[float], float]:
    """Each batch's time to be accepted, and the seconds from the first POST until the worker
    has merged the last batch."""
    from districts.models import District

    url = f"/api/v1/districts/{SLUG}/attendance-events/"
    district = District.objects.get(slug=SLUG)
    ms = []
    with _worker():
        first = time.perf_counter()
        for body in batches:
            start = time.perf_counter()
            response = client.post(url, body, content_type="application/json")
            ms.append((time.perf_counter() - start) * 1000)
            if response.status_code != 202:
                raise SystemExit(
                    f"a batch answered {response.status_code}: {response.content[:500]}"
                )
        while not _all_merged(district, len(batches)):
            time.sleep(0.05)
        merged_s = time.perf_counter() - first
    return ms, merged_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=500_000)
    parser.add_argument("--batches", type=int, default=20)
    args = parser.parse_args()
    # The bench's requests are the load being measured, not one integrator's.
    os.environ["API_THROTTLE_RATE"] = "1000000/minute"

    with bench_database(BENCH_DB, test_client=True) as url:
        from django.test import Client

        with tempfile.TemporaryDirectory() as folder:
            students, _school_students, _code = _load(args.students, Path(folder))
        secret = _token()
        vacuum_analyze(url)
        client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
        page_ms, rows = _walk_standings(client)
        batches = _batches(args.batches)
        batch_ms, merged_s = _send_events(client, batches)

    events = BATCH_EVENTS * len(batch_ms)
    events_per_s = events / merged_s
    figures = {
        "bench": "api",
        "students": students,
        "standings_rows": rows,
        "standings_pages": len(page_ms),
        **latencies("standings_page", page_ms),
        "event_batches": len(batch_ms),
        **latencies("event_batch", batch_ms),
        "events_merged_s": round(merged_s, 2),
        "events_per_s": round(events_per_s),
    }
    print(f"{'request':<28}{'count':>7}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
    for name, count in (("standings_page", len(page_ms)), ("event_batch", len(batch_ms))):
        print(
            f"{name:<28}{count:>7}{figures[f'{name}_p50_ms']:>9}{figures[f'{name}_p95_ms']:>9}"
            f"{figures[f'{name}_max_ms']:>9}"
        )
    print(
        f"{students:,} students, {rows:,} standings; {events:,} events merged in "
        f"{merged_s:.2f} s from the first POST: {events_per_s:,.0f}/s"
    )
    print("targets: standings page p95 ≤ 100 ms, events ≥ 50,000/s", file=sys.stdout)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
