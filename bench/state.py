"""A state on one PostgreSQL (issue 22): hundreds of districts, most small and a few large,
each importing its roster and a year of daily attendance through the real import path (the
records the upload page makes, the tasks it queues), worked through by two real `celery
worker` processes at once, while a principal of a district already imported reads the tiered
list of their school again and again. Prints a table, then one JSON line (design.md §7):
districts, students, daily rows, the wall time and `state_rows_per_s`, each worker's peak
memory, the database's bytes per million daily rows, and the list's p50/p95 while the
imports ran (`list_p95_under_load_ms`, target ≤ 300).

    ./run bench state [--districts 200] [--scale 1.0] [--ahead 4]

District sizes are lognormal (drawn with --seed; `--scale` multiplies every district's
students: `--districts 20 --scale 0.1` tries it in a minute or two). The defaults are the
issue's minimums: 200 districts, at least 500,000 students and 50 million daily rows.
A process of its own generates the districts' files `--ahead` districts before the workers
need them, and each district's files are deleted once it is imported, so the disk holds a
few districts' files at a time. The imports are confirmed at upload (a coverage is given),
as the API and the command do: the upload page's preview would read each file twice.

Needs REDIS_URL (the workers' broker): the run claims a database of its own (1–15) on that
server, as test runs do, and empties it first. Works in a database of its own
(attendance_bench_state, or BENCH_DATABASE; dropped at the end) on the server DATABASE_URL
names, or on the embedded one.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import psycopg2
from database import bench_database
from ingest import set_up_district
from page_latency import list_queries, p95, people, time_request

# A Redis database of this run's own on REDIS_URL's server, claimed (before Django reads
# REDIS_URL) as each test process claims one: the run purges its queue and its workers take
# every task there, so it must never share one with a test run or another bench.
import tests.redis_database  # noqa: F401
from tests.celery_worker import CeleryWorker
from tiering import synthetic

BENCH_DB = os.environ.get("BENCH_DATABASE", "attendance_bench_state")
WORKERS = 2
# The mean district: 200 of them make the 500,000 students. Sizes spread as a
# state's do: the median district is about half the mean, the largest twenty times it.
MEAN_STUDENTS = 2_500
SIZE_SIGMA = 1.1
SMALLEST = 60
POLL_S = 0.25
# How long a worker may finish its task once told to stop.
WORKER_STOP_PATIENCE_S = 60


def district_sizes(districts: int, scale: float, seed: int) -> list[int]:
    """Students per district, lognormal, summing to at least `MEAN_STUDENTS` per district
    times `scale`."""
    drawn = np.random.default_rng(seed).lognormal(0.0, SIZE_SIGMA, size=districts)
    target = MEAN_STUDENTS * districts * scale
    return [max(SMALLEST, int(np.ceil(n))) for n in drawn / drawn.sum() * target]


@dataclass(frozen=True)
class Generated:
    """What the dispatcher needs of a generated district: its set-up, files and list school."""

    index: int
    schools: tuple[synthetic.SchoolSpec, ...]
    calendar: synthetic.SchoolCalendar
    students: int
    roster: Path
    daily: Path
    largest_school: str
    seconds: float

    @property
    def slug(self) -> str:
        return f"state-{self.index:04d}"


def generate(index: int, seed: int, students: int, folder: Path) -> Generated:
    """In the generating process: one district's roster and daily files."""
    start = time.perf_counter()
    district = synthetic.generate_district(seed=seed, students=students)
    folder.mkdir(parents=True)
    roster = synthetic.write_roster_csv(district, folder / "roster.csv")
    daily = synthetic.write_daily_csv(district, folder / "daily_attendance.csv")
    return Generated(
        index=index,
        schools=district.schools,
        calendar=district.calendar,
        students=len(district.roster),
        roster=roster,
        daily=daily,
        largest_school=str(district.roster["school_code"].value_counts().index[0]),
        seconds=time.perf_counter() - start,
    )


class Worker(CeleryWorker):
    """A worker whose pool processes' peak memory is sampled while it runs."""

    def __init__(self, name: str, log: Path) -> None:
        super().__init__(name, log)
        self.peak_rss_mb = 0.0

    def ready(self) -> bool:
        if self.process.poll() is not None:
            raise SystemExit(f"worker {self.name} exited:\n{self.log.read_text()[-3000:]}")
        return super().ready()

    def sample_memory(self) -> None:
        """The largest peak resident size (VmHWM) of the worker's processes: its pool process
        runs the tasks, and its peak outlives any moment between samples."""
        try:
            children = self.children()
        except FileNotFoundError:
            return
        for process in [self.process.pid, *children]:
            try:
                status = Path(f"/proc/{process}/status").read_text()
            except FileNotFoundError:
                continue
            for line in status.splitlines():
                if line.startswith("VmHWM:"):
                    self.peak_rss_mb = max(self.peak_rss_mb, int(line.split()[1]) / 1024)


class ListUnderLoad:
    """A principal's tiered list of the largest school of a district already imported, timed
    through the whole middleware stack again and again from the moment `start` is called
    until `stop`: the imports of the other districts run meanwhile."""

    def __init__(self, requests_per_round: int, pause_s: float) -> None:
        self.queries = list_queries(requests_per_round)
        self.pause_s = pause_s
        self.ms: list[float] = []
        self.url = ""
        self._go = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run)
        self._failure: BaseException | None = None
        self._thread.start()

    def start(self, slug: str, school_code: str) -> None:
        self.slug, self.school_code = slug, school_code
        self._go.set()

    def _run(self) -> None:
        from django.db import connections
        from django.test import Client

        try:
            self._go.wait()
            if self._stop.is_set():
                return
            school, principal, _ = people(self.slug, self.school_code)
            client = Client()
            client.force_login(principal)
            self.url = f"/d/{self.slug}/attendance/schools/{school.pk}/"
            time_request(client, self.url)  # the first request warms the process, not the list
            while not self._stop.is_set():
                for query in self.queries:
                    if self._stop.is_set():
                        break
                    self.ms.append(time_request(client, self.url + query))
                    # A reader's pace, not a loop that would take a core from the workers.
                    self._stop.wait(self.pause_s)
        except BaseException as failure:  # reported by stop(), in the main thread
            self._failure = failure
        finally:
            connections.close_all()

    def stop(self) -> None:
        self._stop.set()
        self._go.set()
        self._thread.join()
        if self._failure is not None:
            raise SystemExit(f"timing the list failed: {self._failure!r}")


@dataclass
class DistrictRun:
    generated: Generated
    district_id: int = 0
    roster_import: int = 0
    daily_import: int = 0
    daily_rows: int = 0
    done: bool = False


class Imports:
    """What the upload page does for each file (record the upload, queue its import once
    it commits), and the imports' progress as the workers record it, read over a
    connection of the bench's own that row security does not scope."""

    def __init__(self, url: str, media_root: Path) -> None:
        self.media_root = media_root
        self.link = psycopg2.connect(url)
        self.link.autocommit = True

    def upload(self, district_id: int, path: Path, kind, as_of=None) -> int:
        from django.core.files import File

        from districts.models import District
        from districts.tenancy import system_context
        from tiering import services, tasks

        district = District.objects.get(pk=district_id)
        with system_context(district, reason="bench:state"), path.open("rb") as upload:
            record = services.attendance_import_create(
                district=district,
                uploaded_by=None,
                upload=File(upload, name=path.name),
                kind=kind,
                as_of=as_of,
            )
        with system_context(district, reason="bench:state"):
            tasks.attendance_import_queue(attendance_import=record)
        return record.pk

    def progress(self, import_ids: list[int]) -> dict[int, tuple[str, int, str, str | None]]:
        """Each import's status, rows and message, and the status of the recompute that
        follows it (None until it is recorded)."""
        with self.link.cursor() as cursor:
            cursor.execute(
                "SELECT i.id, i.status, i.rows_imported, i.message, r.status"
                " FROM tiering_attendanceimport i"
                " LEFT JOIN tiering_recomputerun r ON r.source_import_id = i.id"
                " WHERE i.id = ANY(%s)",
                (import_ids,),
            )
            return {row[0]: row[1:] for row in cursor.fetchall()}

    def stored_files(self, district_id: int) -> list[Path]:
        with self.link.cursor() as cursor:
            cursor.execute(
                "SELECT stored_file FROM tiering_attendanceimport WHERE district_id = %s",
                (district_id,),
            )
            return [self.media_root / name for (name,) in cursor.fetchall() if name]

    def sizes(self) -> tuple[int, int]:
        """The daily table's bytes (every partition's, indexes and TOAST included) and the
        whole database's."""
        with self.link.cursor() as cursor:
            cursor.execute(
                # A plain table has no partition tree; a partitioned one's own size is nil.
                "SELECT coalesce((SELECT sum(pg_total_relation_size(relid))"
                "        FROM pg_partition_tree('tiering_attendanceday'::regclass)),"
                "    pg_total_relation_size('tiering_attendanceday')),"
                " pg_database_size(current_database())"
            )
            table, database = cursor.fetchone()
            return int(table), int(database)


def run_state(args: argparse.Namespace, url: str, folder: Path) -> dict:
    from districts.models import District
    from tiering.headers import Kind
    from tiering.models import ImportStatus, RecomputeStatus

    sizes = district_sizes(args.districts, args.scale, args.seed)
    # The list is read in a large district (the 90th percentile), imported first.
    reference = sorted(range(len(sizes)), key=sizes.__getitem__)[int(0.9 * (len(sizes) - 1))]
    order = [reference, *(i for i in range(len(sizes)) if i != reference)]
    imports = Imports(url, folder / "data" / "media")
    workers = [Worker(f"state-{n + 1}", folder / f"worker-{n + 1}.log") for n in range(WORKERS)]
    page = ListUnderLoad(args.requests_per_round, args.list_pause)
    runs: dict[int, DistrictRun] = {}
    generating: dict[int, Future] = {}
    waiting_s = 0.0  # both workers without an import to do while districts were still to come
    try:
        while not all(worker.ready() for worker in workers):
            time.sleep(POLL_S)
        start = time.perf_counter()
        with ProcessPoolExecutor(max_workers=1) as generator:
            to_generate = list(order)
            while len(runs) < len(sizes) or not all(run.done for run in runs.values()):
                loop_start = time.perf_counter()
                unfinished = len(generating) + sum(not run.done for run in runs.values())
                while to_generate and unfinished < args.ahead:
                    index = to_generate.pop(0)
                    generating[index] = generator.submit(
                        generate, index, args.seed + index, sizes[index], folder / f"d{index}"
                    )
                    unfinished += 1
                for index, future in list(generating.items()):
                    if future.done():
                        generated = future.result()
                        del generating[index]
                        set_up_district(generated.slug, generated)
                        district_id = District.objects.get(slug=generated.slug).pk
                        run = runs[index] = DistrictRun(generated, district_id)
                        run.roster_import = imports.upload(
                            district_id,
                            generated.roster,
                            Kind.ROSTER,
                            as_of=generated.calendar.last_day,
                        )
                active = {i: r for i, r in runs.items() if not r.done}
                ids = [r.roster_import for r in active.values()] + [
                    r.daily_import for r in active.values() if r.daily_import
                ]
                progress = imports.progress(ids)
                for index, run in active.items():
                    roster = progress[run.roster_import]
                    if roster[0] in (ImportStatus.FAILED, ImportStatus.DUPLICATE):
                        raise SystemExit(f"{run.generated.slug}'s roster: {roster[0]} {roster[2]}")
                    if roster[0] == ImportStatus.SUCCEEDED and not run.daily_import:
                        run.daily_import = imports.upload(
                            run.district_id,
                            run.generated.daily,
                            Kind.DAILY,
                            as_of=run.generated.calendar.last_day,
                        )
                        continue
                    if not run.daily_import:
                        continue
                    status, rows, message, recompute = progress[run.daily_import]
                    if status in (ImportStatus.FAILED, ImportStatus.DUPLICATE):
                        raise SystemExit(f"{run.generated.slug}'s daily file: {status} {message}")
                    if status == ImportStatus.SUCCEEDED and recompute in (
                        RecomputeStatus.SUCCEEDED,
                        RecomputeStatus.SKIPPED,
                    ):
                        run.done, run.daily_rows = True, rows
                        shutil.rmtree(run.generated.roster.parent)
                        for stored in imports.stored_files(run.district_id):
                            stored.unlink(missing_ok=True)
                        if index == reference:
                            page.start(run.generated.slug, run.generated.largest_school)
                    elif recompute == RecomputeStatus.FAILED:
                        raise SystemExit(f"{run.generated.slug}'s recompute failed")
                for worker in workers:
                    worker.sample_memory()
                time.sleep(POLL_S)
                if not any(not r.done for r in runs.values()) and (generating or to_generate):
                    waiting_s += time.perf_counter() - loop_start
        wall = time.perf_counter() - start
    finally:
        page.stop()
        for worker in workers:
            worker.stop(WORKER_STOP_PATIENCE_S)
        try:
            table_bytes, database_bytes = imports.sizes()
        finally:
            imports.link.close()
    if len(page.ms) < 20:
        raise SystemExit(f"only {len(page.ms)} list requests ran during the imports")
    done = sorted(runs.values(), key=lambda run: run.generated.students)
    return {
        "runs": done,
        "wall_s": wall,
        "waiting_s": waiting_s,
        "generation_s": sum(run.generated.seconds for run in done),
        "worker_peak_rss_mb": [round(worker.peak_rss_mb) for worker in workers],
        "table_bytes": table_bytes,
        "database_bytes": database_bytes,
        "list_ms": page.ms,
        "reference": runs[reference],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--districts", type=int, default=200)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=22)
    parser.add_argument("--ahead", type=int, default=4, help="districts generated ahead")
    parser.add_argument("--requests-per-round", type=int, default=50)
    parser.add_argument(
        "--list-pause", type=float, default=0.5, help="seconds between two list requests"
    )
    args = parser.parse_args()
    # Stopped from outside, it still stops its workers and drops its database (finally).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if not os.environ.get("REDIS_URL"):
        raise SystemExit("The state bench needs REDIS_URL: its two workers read their tasks there.")

    with tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name)
        # The uploads' stored copies, the workers' and this process's alike.
        os.environ["APP_DATA_DIR"] = str(folder / "data")
        with bench_database(BENCH_DB, test_client=True) as url:
            from attendance_platform.celery import app as celery_app

            celery_app.control.purge()  # tasks an earlier run left behind
            result = run_state(args, url, folder)

    runs = result["runs"]
    students = sum(run.generated.students for run in runs)
    daily_rows = sum(run.daily_rows for run in runs)
    list_ms = result["list_ms"]
    figures = {
        "bench": "state",
        "districts": len(runs),
        "students": students,
        "daily_rows": daily_rows,
        "smallest_district_students": runs[0].generated.students,
        "median_district_students": runs[len(runs) // 2].generated.students,
        "largest_district_students": runs[-1].generated.students,
        "workers": WORKERS,
        "wall_s": round(result["wall_s"], 1),
        "state_rows_per_s": round(daily_rows / result["wall_s"]),
        "generation_s": round(result["generation_s"], 1),
        "waiting_on_generation_s": round(result["waiting_s"], 1),
        "worker_peak_rss_mb": result["worker_peak_rss_mb"],
        "daily_table_bytes_per_million_rows": round(result["table_bytes"] / daily_rows * 1e6),
        "database_bytes_per_million_daily_rows": round(result["database_bytes"] / daily_rows * 1e6),
        "list_requests_under_load": len(list_ms),
        "list_p50_under_load_ms": round(statistics.median(list_ms), 1),
        "list_p95_under_load_ms": round(p95(list_ms), 1),
        "list_max_under_load_ms": round(max(list_ms), 1),
    }
    reference = result["reference"]
    print(f"{'districts by size':<24}{'districts':>10}{'students':>12}{'daily rows':>14}")
    for label, low, high in (
        ("under 1,000", 0, 1_000),
        ("1,000 – 4,999", 1_000, 5_000),
        ("5,000 – 19,999", 5_000, 20_000),
        ("20,000 and more", 20_000, 10**9),
    ):
        tier = [run for run in runs if low <= run.generated.students < high]
        print(
            f"{label:<24}{len(tier):>10}{sum(r.generated.students for r in tier):>12,}"
            f"{sum(r.daily_rows for r in tier):>14,}"
        )
    print(f"{'state':<24}{len(runs):>10}{students:>12,}{daily_rows:>14,}")
    print(
        f"wall {figures['wall_s']:,} s with {WORKERS} workers: "
        f"{figures['state_rows_per_s']:,} daily rows/s; generation "
        f"{figures['generation_s']} s in its own process, workers waited on it "
        f"{figures['waiting_on_generation_s']} s"
    )
    print(f"peak RSS per worker: {figures['worker_peak_rss_mb']} MB")
    print(
        "bytes per million daily rows: daily table "
        f"{figures['daily_table_bytes_per_million_rows']:,}, whole database "
        f"{figures['database_bytes_per_million_daily_rows']:,}"
    )
    print(
        f"tiered list under load ({reference.generated.slug}, {reference.generated.students:,}"
        f" students, school {reference.generated.largest_school}): {len(list_ms)} requests, "
        f"p50 {statistics.median(list_ms):.1f} ms, p95 {p95(list_ms):.1f} ms"
    )
    print("targets: list_under_load p95 ≤ 300 ms")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
