"""Districts at once (issue 22): a district's first daily import alone, then two other
districts' first imports of the same size at the same time, each in a process of its own
through the real command path, as two workers run them. Prints a table, then one JSON line
(design.md §7): each district's seconds, how much slower the slower of the two at once was
than the one alone (`at_once_ratio`), and how many times a session of the run waited on a
lock while both ran (`lock_waits`, sampled from pg_locks; target 0).

    ./run bench districts_at_once [--students 20000]

On a machine with fewer cores than two imports keep busy (each runs a Python process and a
PostgreSQL backend), the ratio measures sharing the processors, not a lock: `lock_waits`
tells the two apart. Works in a database of its own (attendance_bench_at_once, dropped at
the end) on the server DATABASE_URL names, or on the embedded one.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
from pathlib import Path

import psycopg2
from database import bench_database
from ingest import run_import, set_up_district

from tiering import synthetic

BENCH_DB = "attendance_bench_at_once"
ALONE, FIRST, SECOND = "at-once-alone", "at-once-first", "at-once-second"


class LockWaits:
    """Samples pg_locks for sessions of the run's database waiting on a lock (but the
    storage's momentary page-adding lock), from outside any transaction."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.samples_waiting = 0
        self.waits: set[tuple] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch)

    def _watch(self) -> None:
        link = psycopg2.connect(self.url)
        link.autocommit = True
        with link.cursor() as cursor:
            while not self._stop.is_set():
                cursor.execute(
                    "SELECT l.locktype, l.relation::regclass::text, l.mode"
                    " FROM pg_locks l JOIN pg_stat_activity a USING (pid)"
                    " WHERE NOT l.granted AND a.datname = current_database()"
                    " AND l.locktype <> 'extend'"
                )
                rows = cursor.fetchall()
                self.samples_waiting += bool(rows)
                self.waits.update(rows)
                time.sleep(0.02)
        link.close()

    def __enter__(self) -> LockWaits:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=20_000)
    args = parser.parse_args()

    with bench_database(BENCH_DB) as url, tempfile.TemporaryDirectory() as folder:
        generated = synthetic.generate_district(seed=3, students=args.students)
        path = synthetic.write_daily_csv(generated, Path(folder) / "daily.csv")
        for slug in (ALONE, FIRST, SECOND):
            set_up_district(slug, generated)

        alone = run_import(url, ALONE, path)
        results: dict[str, dict] = {}

        def one(slug: str) -> None:
            results[slug] = run_import(url, slug, path)

        threads = [threading.Thread(target=one, args=(slug,)) for slug in (FIRST, SECOND)]
        start = time.perf_counter()
        with LockWaits(url) as watch:
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        wall = time.perf_counter() - start

    slower = max(results[FIRST]["seconds"], results[SECOND]["seconds"])
    figures = {
        "bench": "districts_at_once",
        "rows_per_district": alone["rows"],
        "alone_s": round(alone["seconds"], 2),
        "first_at_once_s": round(results[FIRST]["seconds"], 2),
        "second_at_once_s": round(results[SECOND]["seconds"], 2),
        "both_wall_s": round(wall, 2),
        "at_once_ratio": round(slower / alone["seconds"], 2),
        "lock_waits": watch.samples_waiting,
    }
    print(f"{'district':<26}{'rows':>12}{'import s':>10}")
    print(f"{'alone':<26}{alone['rows']:>12,}{alone['seconds']:>10.1f}")
    for slug in (FIRST, SECOND):
        row = results[slug]
        print(f"{slug + ' (at once)':<26}{row['rows']:>12,}{row['seconds']:>10.1f}")
    print(
        f"both at once, wall: {wall:.1f} s; samples with a session waiting on a lock: "
        f"{watch.samples_waiting} {sorted(watch.waits)}"
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
