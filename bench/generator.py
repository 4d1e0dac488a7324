"""How fast the shared synthetic-district generator builds and writes SIS export files.

Every other benchmark builds its data with it, so its cost is the floor under their set-up.
Prints a table, then one JSON line (design.md §7).

    ./run bench generator [--students 50000] [--summary-students 500000]
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from pathlib import Path

from tiering import synthetic  # a plain module: needs no Django settings


def _timed(action):
    start = time.perf_counter()
    result = action()
    return result, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=50_000)
    parser.add_argument("--summary-students", type=int, default=500_000)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        district, generate_s = _timed(
            lambda: synthetic.generate_district(seed=1, students=args.students)
        )
        daily_path, daily_s = _timed(lambda: synthetic.write_daily_csv(district, out / "d.csv"))
        daily_rows = sum(1 for _ in daily_path.open()) - 1
        big, big_generate_s = _timed(
            lambda: synthetic.generate_district(seed=1, students=args.summary_students)
        )
        _, summary_s = _timed(lambda: synthetic.write_summary_csv(big, out / "s.csv"))
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    rows = [
        (f"generate {args.students:,} students", generate_s, ""),
        ("write daily CSV", daily_s, f"{daily_rows:,} rows, {daily_rows / daily_s:,.0f} rows/s"),
        (f"generate {args.summary_students:,} students", big_generate_s, ""),
        ("write summary CSV", summary_s, f"{len(big.summary):,} rows"),
    ]
    print(f"{'step':<34}{'seconds':>9}  detail")
    for step, seconds, detail in rows:
        print(f"{step:<34}{seconds:>9.2f}  {detail}")
    print(f"peak RSS {peak_rss_mb:,.0f} MB")
    print(
        json.dumps(
            {
                "bench": "generator",
                "students": args.students,
                "daily_rows": daily_rows,
                "generate_s": round(generate_s, 3),
                "daily_write_s": round(daily_s, 3),
                "daily_rows_per_s": round(daily_rows / daily_s),
                "summary_students": args.summary_students,
                "summary_generate_s": round(big_generate_s, 3),
                "summary_write_s": round(summary_s, 3),
                "peak_rss_mb": round(peak_rss_mb),
            }
        )
    )


if __name__ == "__main__":
    main()
