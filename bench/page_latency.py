"""Page latency with a large district loaded: the principal's tiered list under changing
filters, the principal's home and the cabinet's district dashboard, server time per request
(in-process, through the whole middleware stack and template rendering), 200 requests each.
Beside the list, the SQL of its rows alone (the page's count and its 50 rows, as the same
persona with the same tenant settings) in the same run, and the ratio of the two; and the
statements each page runs. Prints a table, then one JSON line (design.md §7).

    ./run bench page_latency [--students 500000] [--requests 200] [--keep]

The district gets a roster and two biweekly summaries (so lists show the previous band and
pages the change since the previous snapshot), imported through the real import path. It
works in a database of its own (attendance_bench_pages, or BENCH_DATABASE when several
checkouts share one server; dropped at the end) on the server
that DATABASE_URL names, or on the embedded one; with `--keep` it stays, and the next `--keep`
run with the same --students reuses it as loaded (a full-size load takes several minutes): drop
it with `dropdb` when done.

The dashboard's figures are cached rendered, keyed by the district's figures (every import
changes them), so its first request after an import is measured apart, in three ways; the
cache is the configured one, emptied before each request, and each figure is the median of
several (COLD_REPEATS, FIRST_REPEATS), as one request on a loaded machine varies by half:
- `dashboard_cold_ms`: in a warm process (warmed as wsgi.py warms a web worker, then having
  served each page once): what a cabinet member meets after every import.
- `dashboard_first_in_process_ms`: the first request of a new process, started as wsgi.py
  starts a web worker (serving.warm_up, whose own time at the worker's start, before it takes
  any request, is `warm_up_ms`): what the first visitor after a server (re)start meets.
- `dashboard_first_unwarmed_ms`: the same without the warm-up, as `dashboard_cold_ms` was
  measured before it existed (once, as the first request of the bench's own process): every
  import, compilation and first full garbage collection the process has not done yet is paid
  inside the request.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from database import bench_database, loaded, mark_loaded, vacuum_analyze
from ingest import set_up_district

from tiering import synthetic

BENCH_DB = os.environ.get("BENCH_DATABASE", "attendance_bench_pages")
SLUG = "bench-pages"
PASSWORD = "bench-password"  # noqa: S105 — a throwaway account in a throwaway database
COLD_REPEATS = 5
FIRST_REPEATS = 3


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[94]


def latencies(page: str, ms: list[float]) -> dict[str, float]:
    """A page's p50, p95 and maximum, in milliseconds, as the JSON line names them."""
    return {
        f"{page}_p50_ms": round(statistics.median(ms), 1),
        f"{page}_p95_ms": round(p95(ms), 1),
        f"{page}_max_ms": round(max(ms), 1),
    }


def _load(students: int, folder: Path) -> tuple[int, int, str]:
    """Imports the district; returns its students, and the size and code of its largest
    school. What a worker does after each import (its recompute run: digests, the dashboard's
    breakdowns counted again, the upper apps' hooks) runs here, so pages are measured as
    they are once the worker is done, with nothing left on a broker no worker reads."""
    from attendance_platform.celery import app
    from districts.models import District
    from tiering import tasks
    from tiering.models import ImportStatus

    app.conf.task_always_eager = True

    now = synthetic.generate_district(seed=7, students=students)
    calendar = now.calendar
    through = calendar.instructional_days[99]
    current = synthetic.generate_district(seed=7, students=students, through=through)
    previous = synthetic.generate_district(
        seed=7, students=students, through=through - timedelta(days=14)
    )
    set_up_district(SLUG, current)
    district = District.objects.get(slug=SLUG)
    files = [
        (synthetic.write_roster_csv(current, folder / "roster.csv"), current.through),
        (synthetic.write_summary_csv(previous, folder / "previous.csv"), previous.through),
        (synthetic.write_summary_csv(current, folder / "current.csv"), current.through),
    ]
    for path, as_of in files:
        start = time.perf_counter()
        record = tasks.attendance_import_now(
            district=district, path=path, reason="bench", as_of=as_of
        )
        if record.status != ImportStatus.SUCCEEDED:
            raise SystemExit(f"{path.name} did not import: {record.message}")
        print(
            f"imported {path.name}: {record.rows_imported:,} rows in "
            f"{time.perf_counter() - start:.1f} s",
            file=sys.stderr,
        )
    app.conf.task_always_eager = False
    largest = current.roster["school_code"].value_counts()
    return len(current.roster), int(largest.iloc[0]), str(largest.index[0])


def _loaded_sizes() -> tuple[int, int, str]:
    """What `_load` returns, read back from a kept database: its students, and the size and
    code of its largest school."""
    from django.db import connection

    from districts.models import District
    from districts.tenancy import system_context

    # The app's role reads a district's rows only in its tenant context (row-level security).
    with (
        system_context(District.objects.get(slug=SLUG), reason="bench"),
        connection.cursor() as cursor,
    ):
        cursor.execute("SELECT count(*) FROM tiering_student")
        [students] = cursor.fetchone()
        cursor.execute(
            """SELECT count(*), school.sis_code FROM tiering_student student
            JOIN districts_school school ON school.id = student.school_id
            GROUP BY school.sis_code ORDER BY count(*) DESC, school.sis_code LIMIT 1"""
        )
        school_students, school_code = cursor.fetchone()
    return students, school_students, school_code


def people(slug: str, school_code: str):
    """A principal of the school `school_code` and a cabinet member of the district `slug`."""
    from districts.models import District, School, User
    from districts.roles import Role
    from districts.services import membership_grant, user_create
    from districts.tenancy import system_context

    district = District.objects.get(slug=slug)
    with system_context(district, reason="bench"):
        school = School.objects.for_district(district).get(sis_code=school_code)
        # A kept database (--keep) has the people of an earlier run.
        principal = User.objects.filter(email="principal@bench.example").first()
        if principal is None:
            principal = user_create(email="principal@bench.example", password=PASSWORD)
            membership_grant(
                district=district, user=principal, role=Role.PRINCIPAL, schools=[school]
            )
        cabinet = User.objects.filter(email="cabinet@bench.example").first()
        if cabinet is None:
            cabinet = user_create(email="cabinet@bench.example", password=PASSWORD)
            membership_grant(district=district, user=cabinet, role=Role.CABINET_MEMBER)
    return school, principal, cabinet


def list_queries(count: int) -> list[str]:
    """Filters a principal would use, cycled: bands, grades, subgroups, search, sorts, pages."""
    bands = ["", "chronic", "severe_chronic", "at_risk", "extreme_chronic"]
    extras = [
        "",
        "&english_learner=yes",
        "&low_income=yes",
        "&disability=yes",
        "&change=newly_chronic",
        "&change=improved",
        "&sort=days",
        "&sort=name",
        "&page=3",
        "&q=ma",
    ]
    grades = ["", "&grade=9", "&grade=10", "&grade=11", "&grade=12"]
    combos = itertools.cycle(itertools.product(bands, extras, grades))
    return [f"?band={b}{e}{g}" for b, e, g in itertools.islice(combos, count)]


def time_request(client, url: str) -> float:
    start = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - start) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    return elapsed


def _statements(client, url: str) -> int:
    """The statements one request runs (transaction control and tenant settings included:
    each is a round trip to the database)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        time_request(client, url)
    return len(captured.captured_queries)


def _list_sql_ms(principal, school, queries: list[str]) -> list[float]:
    """For each of the list's addresses, the statements that select its rows (the page's 50
    rows and their count), as the view builds them, then run alone as the principal's persona
    with the same transaction-local tenant settings: what the list costs in SQL."""
    from django.db import connection
    from django.test import RequestFactory
    from django.test.utils import CaptureQueriesContext

    from districts.models import Membership
    from districts.tenancy import context_for_membership, membership_for, tenant_context
    from tiering import list_selection, selectors
    from tiering.models import Snapshot
    from tiering.views import list_page

    membership: Membership = membership_for(principal, SLUG)
    timings = []
    with tenant_context(context_for_membership(membership)):
        for query in queries:
            request = RequestFactory().get(f"/d/{SLUG}/attendance/schools/{school.pk}/{query}")
            request.user, request.district, request.membership = (
                principal,
                membership.district,
                membership,
            )
            snapshot = selectors.current_snapshot(
                snapshots=Snapshot.objects.for_user(principal),
                rule_set_id=list_selection.rule_set_id(request.GET),
            )
            rows = list_selection.tiered_list(
                request, school=school, snapshot=snapshot, params=request.GET
            ).rows
            with CaptureQueriesContext(connection) as captured:
                list(list_page(rows, request.GET.get("page")).object_list)
            statements = [query["sql"] for query in captured.captured_queries]
            with connection.cursor() as cursor:
                start = time.perf_counter()
                for sql in statements:
                    cursor.execute(sql)
                    cursor.fetchall()
                timings.append((time.perf_counter() - start) * 1000)
    return timings


def _first_requests(school_code: str, *, warm: bool) -> dict[str, float]:
    """The dashboard as the first request of a new process (`--first-request`), on the
    database and cache this run uses: the medians of FIRST_REPEATS processes."""
    runs = [_first_request(school_code, warm=warm) for _ in range(FIRST_REPEATS)]
    return {key: round(statistics.median(run[key] for run in runs), 1) for key in runs[0]}


def _first_request(school_code: str, *, warm: bool) -> dict[str, float]:
    finished = subprocess.run(  # noqa: S603 — this interpreter, this very bench
        [
            sys.executable,
            __file__,
            "--first-request",
            "warm" if warm else "unwarmed",
            "--school",
            school_code,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(finished.stdout.splitlines()[-1])


def first_request(mode: str, school_code: str) -> None:
    """In a new process (DATABASE_URL naming the loaded database): Django set up, the warm-up
    a web worker does as it starts (with `mode` "warm"), the cabinet member signed in, the cache
    emptied; then the dashboard once. Prints its time (and the warm-up's) as one JSON line."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "attendance_platform.settings")
    django.setup()
    from django.conf import settings
    from django.core.cache import cache
    from django.test import Client

    from attendance_platform import serving

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    figures = {}
    if mode == "warm":
        start = time.perf_counter()
        serving.warm_up()
        figures["warm_up_ms"] = round((time.perf_counter() - start) * 1000, 1)
    _, _, cabinet = people(SLUG, school_code)
    client.force_login(cabinet)
    cache.clear()
    figures["first_ms"] = round(time_request(client, f"/d/{SLUG}/attendance/"), 1)
    print(json.dumps(figures))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=500_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--keep", action="store_true", help="keep the database for the next run")
    parser.add_argument("--first-request", choices=["warm", "unwarmed"], help=argparse.SUPPRESS)
    parser.add_argument("--school", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.first_request:
        first_request(args.first_request, args.school)
        return
    label = f"bench page_latency, {args.students} students" if args.keep else ""

    with bench_database(BENCH_DB, test_client=True, keep=label) as url:
        from django.core.cache import cache
        from django.test import Client

        from attendance_platform import serving

        if label and loaded(url, label):
            print(f"reusing {BENCH_DB} as loaded ({label})", file=sys.stderr)
            students, school_students, school_code = _loaded_sizes()
        else:
            with tempfile.TemporaryDirectory() as folder:
                students, school_students, school_code = _load(args.students, Path(folder))
            if label:
                mark_loaded(url, label)
        school, principal, cabinet = people(SLUG, school_code)
        vacuum_analyze(url)
        # This process serves as a web worker would: warmed up as it starts (wsgi.py), then
        # having served each page once before the cache is emptied.
        serving.warm_up()
        list_client, dashboard_client = Client(), Client()
        list_client.force_login(principal)
        dashboard_client.force_login(cabinet)
        list_url = f"/d/{SLUG}/attendance/schools/{school.pk}/"
        dashboard_url = f"/d/{SLUG}/attendance/"
        home_url = f"/d/{SLUG}/"
        for client, page in (
            (dashboard_client, dashboard_url),
            (list_client, list_url),
            (list_client, home_url),
        ):
            time_request(client, page)
        dashboard_cold = []
        for _ in range(COLD_REPEATS):
            cache.clear()
            dashboard_cold.append(time_request(dashboard_client, dashboard_url))
        list_first = time_request(list_client, list_url)
        queries = list_queries(args.requests)
        list_ms = [time_request(list_client, list_url + q) for q in queries]
        list_sql_ms = _list_sql_ms(principal, school, queries)
        dashboard_ms = [time_request(dashboard_client, dashboard_url) for _ in range(args.requests)]
        home_ms = [time_request(list_client, home_url) for _ in range(args.requests)]
        statements = {
            "list_statements": max(_statements(list_client, list_url + q) for q in queries[:50]),
            "dashboard_statements": _statements(dashboard_client, dashboard_url),
            "home_statements": _statements(list_client, home_url),
        }
        first_warm = _first_requests(school_code, warm=True)
        first_unwarmed = _first_requests(school_code, warm=False)

    figures = {
        "bench": "page_latency",
        "students": students,
        "school_students": school_students,
        "requests": args.requests,
        **latencies("list", list_ms),
        "list_first_ms": round(list_first, 1),
        **latencies("list_sql", list_sql_ms),
        "list_sql_ratio": round(p95(list_ms) / p95(list_sql_ms), 1),
        **latencies("dashboard", dashboard_ms),
        "dashboard_cold_ms": round(statistics.median(dashboard_cold), 1),
        "dashboard_cold_max_ms": round(max(dashboard_cold), 1),
        "dashboard_first_in_process_ms": first_warm["first_ms"],
        "dashboard_first_unwarmed_ms": first_unwarmed["first_ms"],
        "warm_up_ms": first_warm["warm_up_ms"],
        **latencies("home", home_ms),
        **statements,
    }
    print(f"{'page':<22}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'first ms':>10}{'statements':>12}")
    rows = (
        ("list", figures["list_first_ms"], figures["list_statements"]),
        ("list_sql", "", ""),
        ("dashboard", figures["dashboard_cold_ms"], figures["dashboard_statements"]),
        ("home", "", figures["home_statements"]),
    )
    for page, first, count in rows:
        print(
            f"{page:<22}{figures[f'{page}_p50_ms']:>9}{figures[f'{page}_p95_ms']:>9}"
            f"{figures[f'{page}_max_ms']:>9}{first:>10}{count:>12}"
        )
    print(f"list p95 / its SQL's p95: {figures['list_sql_ratio']}×")
    print(
        f"dashboard, cache cold: {figures['dashboard_cold_ms']} ms in a warm process; as a new"
        f" process's first request {figures['dashboard_first_in_process_ms']} ms after its"
        f" {figures['warm_up_ms']} ms warm-up at start, {figures['dashboard_first_unwarmed_ms']}"
        " ms without one"
    )
    print(f"{students:,} students; the principal's school has {school_students:,}")
    print(
        "targets: tiered list p95 ≤ 50 ms and ≤ 4× its SQL, district dashboard p95 ≤ 100 ms,"
        " cold ≤ 300 ms (dashboard_cold_ms)"
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
