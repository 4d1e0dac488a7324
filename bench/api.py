"""The REST API with a large district loaded: standings walked page by page (1,000 rows a
page, by cursor) and Ed-Fi attendance events sent in batches of 10,000, each request timed
through the whole API (token, walls, throttle, access record) in-process with Django's test
client. Prints a table, then one JSON line (design.md §7).

    ./run bench api [--students 500000] [--batches 20] [--keep]

The district gets a roster and two biweekly summaries through the real import path, then a
district administrator's personal token; the requests are then served as by a web worker that
wsgi.py started (serving.warm_up). Beside the pages, the SQL of their rows alone (each
page's statements on tiering_standing, as the same persona with the same tenant settings) in
the same run, and the ratio of the two; and the statements each page runs. Each batch names
other students' days (so none is a duplicate of another). The batches are merged by a real
Celery worker (a process of its own, on the broker REDIS_URL names, as production runs it):
`events_per_s` is the events over the time from the first batch's POST until every batch's
import has succeeded, that is until its days are in tiering_attendanceday; `event_batch_*` is
the time to accept a batch. The bands' recompute the batches queue is left unfinished (the
worker is stopped and the queue emptied). `--batches 0` walks the standings alone.

It works in a database of its own (BENCH_DATABASE, default attendance_bench_api), dropped at
the end; with `--keep` it stays, and the next `--keep` run with the same --students reuses it
as loaded (a full-size load takes several minutes): drop it with `dropdb` when done. The
events a run sends replace the same students' same days in the next.
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

from database import bench_database, loaded, mark_loaded, vacuum_analyze
from page_latency import _load, latencies, p95

# A Redis database of this run's own on REDIS_URL's server, claimed (before Django reads
# REDIS_URL) as each test process claims one: the run purges its queue and its workers take
# every task there, so it must never share one with a test run or another bench.
import tests.redis_database  # noqa: F401

BENCH_DB = os.environ.get("BENCH_DATABASE", "attendance_bench_api")
SLUG = "bench-pages"  # page_latency's loader names the district so
PAGE_ROWS = 1_000
BATCH_EVENTS = 10_000
ADMIN_EMAIL = "admin@bench.example"
CATEGORIES = [
    f"uri://ed-fi.org/AttendanceEventCategoryDescriptor#{name}"
    for name in ("In Attendance", "In Attendance", "Excused Absence", "Unexcused Absence", "Tardy")
]


def _token() -> str:
    from datetime import timedelta

    from django.utils import timezone

    from districts.models import District, Membership, User
    from districts.roles import Role
    from districts.services import api_token_create, membership_grant, user_create
    from districts.tenancy import context_for_membership, system_context, tenant_context

    district = District.objects.get(slug=SLUG)
    with system_context(district, reason="bench"):
        # A kept database (--keep) has the administrator of an earlier run: a new token each run.
        membership = Membership.objects.filter(user__email=ADMIN_EMAIL).first()
        if membership is None:
            admin = user_create(email=ADMIN_EMAIL, password="bench-password")  # noqa: S106
            membership = membership_grant(district=district, user=admin, role=Role.DISTRICT_ADMIN)
        admin = User.objects.get(pk=membership.user_id)
    with tenant_context(context_for_membership(membership)):
        _token, secret = api_token_create(
            district=district,
            created_by=admin,
            name="bench",
            expires_at=timezone.now() + timedelta(days=1),
            membership=membership,
        )
    return secret


def _students() -> int:
    from districts.models import District
    from districts.tenancy import system_context
    from tiering.models import Student

    district = District.objects.get(slug=SLUG)
    with system_context(district, reason="bench"):
        return Student.objects.count()


def _walk_standings(client) -> tuple[list[str], list[float], int]:
    """Every page of the district's standings, each after the one before: the pages'
    addresses, their times and the rows they held."""
    url = f"/api/v1/districts/{SLUG}/standings/?page_size={PAGE_ROWS}"
    urls, ms, rows = [], [], 0
    while url:
        urls.append(url)
        start = time.perf_counter()
        response = client.get(url)
        ms.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}: {response.content[:300]}")
        page = response.json()
        rows += len(page["results"])
        url = page["next"]
    return urls, ms, rows


def _page_statements(client, urls: list[str]) -> tuple[list[list[str]], int]:
    """For each page, the statements that read its standings, as its request ran them; and
    the most statements any page ran (transaction control, tenant settings, token and access
    record included: each is a round trip to the database)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    rows_sql, most = [], 0
    for url in urls:
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        statements = [query["sql"] for query in captured.captured_queries]
        rows_sql.append([sql for sql in statements if 'FROM "tiering_standing"' in sql])
        most = max(most, len(statements))
    return rows_sql, most


def _standings_sql_ms(pages: list[list[str]]) -> list[float]:
    """Each page's standings statements run alone, as the administrator's persona with the
    same transaction-local tenant settings: what a page costs in SQL."""
    from django.db import connection

    from districts.models import User
    from districts.tenancy import context_for_membership, membership_for, tenant_context

    admin = User.objects.get(email=ADMIN_EMAIL)
    timings = []
    membership = membership_for(admin, SLUG)
    with tenant_context(context_for_membership(membership)), connection.cursor() as cursor:
        for statements in pages:
            start = time.perf_counter()
            for sql in statements:
                cursor.execute(sql)
                cursor.fetchall()
            timings.append((time.perf_counter() - start) * 1000)
    return timings


def _batches(count: int) -> list[bytes]:
    """Each batch: 10,000 students' events on one weekday after the summaries' date (and after
    the days an earlier run on a kept database sent), students taken in turn, so that no
    student and day repeats across batches."""
    from datetime import timedelta

    from django.db.models import Max

    from districts.models import District
    from districts.tenancy import system_context
    from tiering.models import AttendanceDay, AttendanceSummary, Student

    district = District.objects.get(slug=SLUG)
    with system_context(district, reason="bench"):
        roster = list(Student.objects.order_by("pk").values_list("sis_id", "school__sis_code"))
        as_of = AttendanceSummary.objects.latest("as_of").as_of
        sent = AttendanceDay.objects.aggregate(last=Max("date"))["last"]
    days, day = [], max(as_of, sent or as_of)
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
        _end_orphaned_statements()


def _end_orphaned_statements() -> None:
    """Ends what the killed worker's connections still run in PostgreSQL (a classification
    goes on for minutes without its client): on a kept database it would load the next run."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


def _all_merged(district, count: int, after: int) -> bool:
    """Whether the run's `count` batches (imports numbered above `after`: a kept database
    holds an earlier run's) have all finished; a batch that did not succeed ends the run."""
    from districts.tenancy import system_context
    from tiering.models import AttendanceImport, ImportSource, ImportStatus

    with system_context(district, reason="bench"):
        statuses = list(
            AttendanceImport.objects.filter(source=ImportSource.EVENTS, pk__gt=after).values_list(
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
    from django.db.models import Max

    from districts.models import District
    from districts.tenancy import system_context
    from tiering.models import AttendanceImport

    url = f"/api/v1/districts/{SLUG}/attendance-events/"
    district = District.objects.get(slug=SLUG)
    with system_context(district, reason="bench"):
        after = AttendanceImport.objects.aggregate(last=Max("pk"))["last"] or 0
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
        while not _all_merged(district, len(batches), after):
            time.sleep(0.05)
        merged_s = time.perf_counter() - first
    return ms, merged_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=500_000)
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="keep the database for the next run")
    args = parser.parse_args()
    label = f"bench api, {args.students} students" if args.keep else ""
    # The bench's requests are the load being measured, not one integrator's.
    os.environ["API_THROTTLE_RATE"] = "1000000/minute"

    with bench_database(BENCH_DB, test_client=True, keep=label) as url:
        from django.test import Client

        if label and loaded(url, label):
            print(f"reusing {BENCH_DB} as loaded ({label})", file=sys.stderr)
        else:
            with tempfile.TemporaryDirectory() as folder:
                _load(args.students, Path(folder))
            if label:
                mark_loaded(url, label)
        students = _students()
        secret = _token()
        vacuum_analyze(url)
        from attendance_platform import serving

        # Requests served as by a web worker started through wsgi.py: its start-up objects
        # frozen out of the garbage collector's full passes, which otherwise ran inside
        # requests (a batch's JSON alone makes some 50,000 objects; its parse took 12 ms, or
        # 125 ms with a full pass in it).
        serving.warm_up()
        client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
        urls, page_ms, rows = _walk_standings(client)
        page_sql, page_statements = _page_statements(client, urls)
        page_sql_ms = _standings_sql_ms(page_sql)
        batches = _batches(args.batches)
        batch_ms, merged_s = _send_events(client, batches) if batches else ([], 0.0)

    events = BATCH_EVENTS * len(batch_ms)
    events_per_s = events / merged_s if batch_ms else None
    figures = {
        "bench": "api",
        "students": students,
        "standings_rows": rows,
        "standings_pages": len(page_ms),
        **latencies("standings_page", page_ms),
        **latencies("standings_sql", page_sql_ms),
        "standings_sql_ratio": round(p95(page_ms) / p95(page_sql_ms), 1),
        "standings_page_statements": page_statements,
        "event_batches": len(batch_ms),
        **(latencies("event_batch", batch_ms) if batch_ms else {}),
        "events_merged_s": round(merged_s, 2) if batch_ms else None,
        "events_per_s": round(events_per_s) if batch_ms else None,
    }
    print(f"{'request':<28}{'count':>7}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
    timed = (("standings_page", page_ms), ("standings_sql", page_sql_ms), ("event_batch", batch_ms))
    for name, ms in timed:
        if ms:
            print(
                f"{name:<28}{len(ms):>7}{figures[f'{name}_p50_ms']:>9}"
                f"{figures[f'{name}_p95_ms']:>9}{figures[f'{name}_max_ms']:>9}"
            )
    print(
        f"standings page p95 / its SQL's p95: {figures['standings_sql_ratio']}×;"
        f" {page_statements} statements a page at most"
    )
    print(f"{students:,} students, {rows:,} standings")
    if batch_ms:
        print(
            f"{events:,} events merged in {merged_s:.2f} s from the first POST:"
            f" {events_per_s:,.0f}/s"
        )
    print("targets: standings page p95 ≤ 100 ms, events ≥ 50,000/s", file=sys.stdout)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
