"""Import speed: the full import (read, validate, load, classify, snapshot) of a per-student
summary and of a daily file, each beside a raw COPY of the same file into a plain table with a
primary key, measured in the same run. Prints a table, then one JSON line (design.md §7).

Beside the first summary import it prints that import's floor: the time to insert the rows it
wrote, already finished, into empty tables of the same shape. No import can spend less on
writing, so its target is set against that floor (`summary_floor_ratio`, import ÷ floor, target
≤ 1.5) rather than against the raw COPY. Then the steady state a district meets every two weeks:
the same district's summary again, two weeks of school later, whose students already exist
(`summary_reimport_ratio` against its raw COPY, target ≤ 3).

    ./run bench ingest [--summary-students 500000] [--daily-students 50000]

It works in a database of its own (attendance_bench, or BENCH_DATABASE when several checkouts
share one server; dropped at the end) on the server that DATABASE_URL names, or on the
embedded one. Each import runs in a child process so that its peak memory is the import's
alone, with the coverage given (`--partial`: one pass, as a scheduled drop or the API runs
it; without it the command checks the whole file first and imports it in a second pass), and
is timed from its record's creation to its end (the digest step's recompute follows in a
worker).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg2
from database import bench_database

from tiering import synthetic

BENCH_DB = os.environ.get("BENCH_DATABASE", "attendance_bench")
# A district's review cycle: two weeks of school between one summary and the next.
REVIEW_DAYS = 10
RAW_TABLES = {
    "summary": """CREATE TABLE raw_copy (student_id text, school_code text, grade text,
        days_enrolled numeric, days_absent numeric, excused numeric, unexcused numeric,
        suspension numeric, tardy numeric, PRIMARY KEY (student_id, school_code))""",
    "daily": """CREATE TABLE raw_copy (student_id text, school_code text, date date,
        attendance_code text, PRIMARY KEY (student_id, date))""",
}


def raw_copy_seconds(url: str, kind: str, path: Path) -> float:
    connection = psycopg2.connect(url)
    with connection, connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS raw_copy")
        cursor.execute(RAW_TABLES[kind])
        start = time.perf_counter()
        with path.open() as file:
            cursor.copy_expert("COPY raw_copy FROM STDIN WITH (FORMAT csv, HEADER)", file)
        elapsed = time.perf_counter() - start
        cursor.execute("DROP TABLE raw_copy")
    connection.close()
    return elapsed


# The tables a first summary import fills, each with the order its rows are inserted in.
SUMMARY_TABLES = {
    "tiering_student": "district_id, sis_id",
    "tiering_attendancesummary": "district_id, school_year_id, student_id, school_id",
    "tiering_standing": "district_id, snapshot_id, school_id, student_id",
}
# What a summary of students already there writes again: every total, and the snapshot it
# takes (the latest); its students are unchanged but for a few.
REIMPORT_ROWS = {
    "tiering_attendancesummary": "TRUE",
    "tiering_standing": "snapshot_id = (SELECT max(id) FROM tiering_snapshot)",
}


def summary_floor(url: str, rows: dict[str, str] | None = None) -> dict[str, float]:
    """Seconds to insert, table by table, what the summary import wrote (`rows`: each
    table's rows that import wrote, by default all of them) into empty copies with the same
    indexes: connected as the bench's superuser (no row security), with nothing to read,
    check or compute. Row security refuses COPY into the app's tables, so INSERT … SELECT is
    the fastest way in for the import."""
    rows = rows or dict.fromkeys(SUMMARY_TABLES, "TRUE")
    connection = psycopg2.connect(url)
    seconds = {}
    with connection, connection.cursor() as cursor:
        for table, written in rows.items():
            cursor.execute(f"CREATE TEMP TABLE finished AS SELECT * FROM {table} WHERE {written}")  # noqa: S608
            if cursor.rowcount == 0:
                raise SystemExit(f"The bench must connect as a superuser: {table} read empty.")
            cursor.execute("ANALYZE finished")
            cursor.execute(f"CREATE TABLE floor_copy (LIKE {table} INCLUDING ALL)")
            start = time.perf_counter()
            order = SUMMARY_TABLES[table]
            cursor.execute(f"INSERT INTO floor_copy SELECT * FROM finished ORDER BY {order}")  # noqa: S608
            seconds[table] = time.perf_counter() - start
            cursor.execute("DROP TABLE finished, floor_copy")
    connection.close()
    return seconds


def set_up_district(slug: str, generated: synthetic.SyntheticDistrict) -> None:
    from districts.models import Grade
    from districts.services import district_create, school_create, school_year_create
    from districts.tenancy import system_context

    district = district_create(slug=slug, name=f"Benchmark {slug}", state="CA")
    with system_context(district, reason="bench"):
        for spec in generated.schools:
            school_create(
                district=district,
                sis_code=spec.sis_code,
                name=spec.name,
                low_grade=Grade.from_label(spec.low_grade),
                high_grade=Grade.from_label(spec.high_grade),
            )
        school_year_create(
            district=district,
            label="2025–26",
            first_day=generated.calendar.first_day,
            last_day=generated.calendar.last_day,
            instructional_days=len(generated.calendar.instructional_days),
        )


def child_import(args: argparse.Namespace) -> None:
    """Runs in a child process: one import through the real command path, with the coverage
    given (`--partial`), as a scheduled SIS drop runs it: checked and imported in one pass.
    The import's own time runs from its record's creation (the file stored) to its end; the
    digest step's recompute, which a worker runs after it, is left out of it but not of the
    command's time (`command_s`)."""
    import django

    django.setup()
    from io import StringIO

    from django.core.management import call_command

    from districts.models import District
    from districts.tenancy import system_context
    from tiering.models import AttendanceImport, Coverage

    out = StringIO()
    start = time.perf_counter()
    options = {"district": args.district, "json": True, "stdout": out}
    if args.as_of:
        options["as_of"] = args.as_of
    call_command("import_attendance", args.file, coverage=Coverage.PARTIAL, **options)
    elapsed = time.perf_counter() - start
    report = json.loads(out.getvalue())
    district = District.objects.get(slug=args.district)
    with system_context(district, reason="bench"):
        record = AttendanceImport.objects.for_district(district).latest("created_at")
    print(
        json.dumps(
            {
                "seconds": (record.finished_at - record.created_at).total_seconds(),
                "command_s": elapsed,
                "rows": report["rows_imported"],
                "peak_rss_mb": peak_rss_mb(),
            }
        )
    )


def peak_rss_mb() -> float:
    """This process's peak resident memory since it started its program: not ru_maxrss,
    which a child inherits from the parent it was forked from (here, the bench holding the
    generated district)."""
    status = Path("/proc/self/status").read_text()
    [line] = [line for line in status.splitlines() if line.startswith("VmHWM:")]
    return int(line.split()[1]) / 1024


def run_import(url: str, slug: str, path: Path, as_of: str | None = None) -> dict:
    command = [sys.executable, __file__, "--child", "--district", slug, "--file", str(path)]
    if as_of:
        command += ["--as-of", as_of]
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "attendance_platform.settings",
    }
    # The digest step runs in the child, not queued on a broker that no worker of this run
    # reads (or, worse, that a worker on another database reads).
    env.pop("REDIS_URL", None)
    # The command line is this very script with values it chose itself.
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise SystemExit(f"The import of {path.name} failed:\n{done.stdout}\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--summary-students", type=int, default=500_000)
    parser.add_argument("--daily-students", type=int, default=50_000)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--district", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    parser.add_argument("--as-of", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_import(args)
        return

    with bench_database(BENCH_DB) as url, tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        # The district's summary two weeks of school before the year's end, then at its end:
        # the second is the steady state, the same students' totals again.
        year = synthetic.generate_district(seed=1, students=args.summary_students)
        two_weeks_before = year.calendar.instructional_days[-1 - REVIEW_DAYS]
        summary_district = synthetic.generate_district(
            seed=1, students=args.summary_students, through=two_weeks_before
        )
        summary_path = synthetic.write_summary_csv(summary_district, folder / "summary.csv")
        reimport_path = synthetic.write_summary_csv(year, folder / "summary-again.csv")
        daily_district = synthetic.generate_district(seed=2, students=args.daily_students)
        daily_path = synthetic.write_daily_csv(daily_district, folder / "daily.csv")
        set_up_district("bench-summary", summary_district)
        set_up_district("bench-daily", daily_district)

        summary_copy = raw_copy_seconds(url, "summary", summary_path)
        summary = run_import(url, "bench-summary", summary_path, two_weeks_before.isoformat())
        floor = summary_floor(url)
        reimport_copy = raw_copy_seconds(url, "summary", reimport_path)
        reimport = run_import(
            url, "bench-summary", reimport_path, year.calendar.last_day.isoformat()
        )
        reimport_floor = summary_floor(url, REIMPORT_ROWS)
        daily_copy = raw_copy_seconds(url, "daily", daily_path)
        daily = run_import(url, "bench-daily", daily_path)

    floor_s = sum(floor.values())
    figures = {
        "bench": "ingest",
        "summary_rows": summary["rows"],
        "summary_import_s": round(summary["seconds"], 2),
        "summary_copy_s": round(summary_copy, 2),
        "summary_ratio": round(summary["seconds"] / summary_copy, 2),
        "summary_command_s": round(summary["command_s"], 2),
        "summary_peak_rss_mb": round(summary["peak_rss_mb"]),
        "summary_floor_s": round(floor_s, 2),
        "summary_floor_ratio": round(summary["seconds"] / floor_s, 2),
        "summary_floor_copy_ratio": round(floor_s / summary_copy, 2),
        "summary_reimport_rows": reimport["rows"],
        "summary_reimport_s": round(reimport["seconds"], 2),
        "summary_reimport_copy_s": round(reimport_copy, 2),
        "summary_reimport_ratio": round(reimport["seconds"] / reimport_copy, 2),
        "summary_reimport_floor_s": round(sum(reimport_floor.values()), 2),
        "summary_reimport_floor_ratio": round(
            reimport["seconds"] / sum(reimport_floor.values()), 2
        ),
        "summary_reimport_command_s": round(reimport["command_s"], 2),
        "summary_reimport_peak_rss_mb": round(reimport["peak_rss_mb"]),
        "daily_rows": daily["rows"],
        "daily_import_s": round(daily["seconds"], 2),
        "daily_copy_s": round(daily_copy, 2),
        "daily_ratio": round(daily["seconds"] / daily_copy, 2),
        "daily_rows_per_s": round(daily["rows"] / daily["seconds"]),
        "daily_command_s": round(daily["command_s"], 2),
        "peak_rss_mb": round(daily["peak_rss_mb"]),
    }
    print(
        f"{'file':<18}{'rows':>12}{'import s':>10}{'raw COPY s':>12}{'ratio':>8}{'rows/s':>12}"
        f"{'peak MB':>9}"
    )
    for label, key, peak in (
        ("summary (first)", "summary", "summary_peak_rss_mb"),
        ("summary (again)", "summary_reimport", "summary_reimport_peak_rss_mb"),
        ("daily", "daily", "peak_rss_mb"),
    ):
        rows = figures[f"{key}_rows"]
        seconds = figures[f"{key}_import_s" if key != "summary_reimport" else f"{key}_s"]
        print(
            f"{label:<18}{rows:>12,}{seconds:>10.1f}{figures[f'{key}_copy_s']:>12.1f}"
            f"{figures[f'{key}_ratio']:>8.2f}{rows / seconds:>12,.0f}{figures[peak]:>9,}"
        )
    print(
        "floor of the first summary import (inserting its finished rows: "
        + ", ".join(f"{table} {seconds:.2f} s" for table, seconds in floor.items())
        + f"): {floor_s:.2f} s, {figures['summary_floor_copy_ratio']:.2f}× raw COPY; "
        f"the import is {figures['summary_floor_ratio']:.2f}× its floor"
    )
    print(
        "floor of the summary again (inserting the totals and the snapshot it wrote: "
        + ", ".join(f"{table} {seconds:.2f} s" for table, seconds in reimport_floor.items())
        + f"): {figures['summary_reimport_floor_s']:.2f} s; the import is "
        f"{figures['summary_reimport_floor_ratio']:.2f}× its floor, the floor "
        f"{figures['summary_reimport_floor_s'] / figures['summary_reimport_copy_s']:.2f}× "
        "its raw COPY"
    )
    print(
        "the command, with the digest step's recompute after the import: "
        f"summary {figures['summary_command_s']:.1f} s, again "
        f"{figures['summary_reimport_command_s']:.1f} s, daily {figures['daily_command_s']:.1f} s"
    )
    print(
        "targets: first summary ≤ 1.5× its floor, summary again ≤ 3× raw COPY, "
        "daily ratio ≤ 2.5 (goal 1.5), daily peak ≤ 2048 MB"
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
