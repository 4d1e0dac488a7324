"""Recompute time: one scheduled recompute of a 500,000-student district, end to end (claim
the attempt, take the district's lock, classify every student under each of two rule sets,
write the snapshots, count, and compose every principal's digest), beside the import of the
same summary measured in the same run. Prints a table, then one JSON line (design.md §7).

    ./run bench recompute [--students 500000]

The district gets a roster and two biweekly summaries through the real import path, a second
(state) rule set and one principal per school. It works in a database of its own
(attendance_bench_recompute, dropped at the end) on the server that DATABASE_URL names, or on
the embedded one. Tasks run in-process and mail goes to memory: only the recompute is timed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from database import bench_database, vacuum_analyze
from ingest import set_up_district

from tiering import synthetic

BENCH_DB = "attendance_bench_recompute"
SLUG = "bench-recompute"


def _import(district, path: Path, as_of) -> float:
    from tiering import tasks
    from tiering.models import ImportStatus

    start = time.perf_counter()
    record = tasks.attendance_import_now(district=district, path=path, reason="bench", as_of=as_of)
    if record.status != ImportStatus.SUCCEEDED:
        raise SystemExit(f"{path.name} did not import: {record.message}")
    elapsed = time.perf_counter() - start
    rows = record.rows_imported
    print(f"imported {path.name}: {rows:,} rows in {elapsed:.1f} s", file=sys.stderr)
    return elapsed


def _load(students: int, folder: Path):
    from districts.models import District, School
    from districts.roles import Role
    from districts.services import membership_grant, user_create
    from districts.tenancy import system_context
    from tiering.models import RuleSet

    full = synthetic.generate_district(seed=7, students=students)
    through = full.calendar.instructional_days[99]
    current = synthetic.generate_district(seed=7, students=students, through=through)
    previous = synthetic.generate_district(
        seed=7, students=students, through=through - timedelta(days=14)
    )
    set_up_district(SLUG, current)
    district = District.objects.get(slug=SLUG)
    _import(district, synthetic.write_roster_csv(current, folder / "roster.csv"), current.through)
    _import(district, synthetic.write_summary_csv(previous, folder / "p.csv"), previous.through)
    import_s = _import(
        district, synthetic.write_summary_csv(current, folder / "c.csv"), current.through
    )
    with system_context(district, reason="bench"):
        RuleSet.objects.create(
            district=district,
            name="State accountability definition",
            minimum_days_enrolled=15,
            count_in_school_suspension=True,
        )
        schools = list(School.objects.for_district(district))
        for n, school in enumerate(schools):
            user = user_create(email=f"principal{n}@bench.example", password=None)
            membership_grant(district=district, user=user, role=Role.PRINCIPAL, schools=[school])
    return district, import_s, len(schools)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=500_000)
    args = parser.parse_args()

    # The principals' digests are counted, not sent.
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    with bench_database(BENCH_DB, tasks_in_process=True) as url:
        from django.utils import timezone

        from districts.tenancy import system_context
        from tiering import recompute
        from tiering.models import RecomputeRun, RecomputeTrigger

        with tempfile.TemporaryDirectory() as folder:
            district, import_s, principals = _load(args.students, Path(folder))
        vacuum_analyze(url)
        now = timezone.now()
        with system_context(district, reason="bench"):
            # Recorded as the daily poke records it, but not queued: queued tasks run
            # in-process at once here, and the run is timed on its own below.
            run = RecomputeRun.objects.create(
                district=district,
                trigger=RecomputeTrigger.SCHEDULE,
                period_start=recompute.due_period(district=district, now=now),
            )
        run_id = run.pk
        start = time.perf_counter()
        outcome = recompute.run_execute(district_id=district.pk, run_id=run_id)
        recompute_s = time.perf_counter() - start
        with system_context(district, reason="bench"):
            run = RecomputeRun.objects.get(pk=run_id)
        if outcome != "succeeded":
            raise SystemExit(f"The recompute ended {outcome}: {run.message}")

    figures = {
        "bench": "recompute",
        "students": run.students,
        "rule_sets": run.snapshots,
        "principals_notified": run.digests,
        "recompute_s": round(recompute_s, 2),
        "students_per_s": round(run.students / recompute_s),
        "summary_import_s": round(import_s, 2),
        "recompute_to_import_ratio": round(recompute_s / import_s, 2),
        "target_s": 60,
    }
    print(f"{'step':<48}{'seconds':>9}")
    print(f"{'import of the current summary (1 rule set)':<48}{import_s:>9.2f}")
    print(f"{'scheduled recompute (2 rule sets, digests)':<48}{recompute_s:>9.2f}")
    print(
        f"{run.students:,} students, {run.snapshots} rule sets, "
        f"{principals} principals ({run.digests} notified)"
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
