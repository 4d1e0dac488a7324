"""Printing a whole school's tiered list: the PDF of a 500-student list, server time per
request (in-process, through the whole middleware stack, the access record and WeasyPrint),
beside the CSV of the same list measured in the same run. Prints a table, then one JSON line
(design.md §7).

    ./run bench list_pdf [--students 500] [--requests 5]

The school's roster and two biweekly summaries (so the list shows the previous band) come from
the shared generator, cut to exactly --students students of one school, and are imported
through the real import path. It works in a database of its own (attendance_bench_list_pdf, or
BENCH_DATABASE when several checkouts share one server; dropped at the end) on the server that
DATABASE_URL names, or on the embedded one.
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import json
import os
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from database import bench_database
from ingest import set_up_district

from tiering import synthetic

BENCH_DB = os.environ.get("BENCH_DATABASE", "attendance_bench_list_pdf")
SLUG = "bench-list-pdf"
TARGET_S = 3.0


def _one_school(students: int) -> tuple[list[synthetic.SyntheticDistrict], str]:
    """The current and previous summaries (and roster) of a generated district, cut to the
    first `students` students of its largest school."""
    whole = synthetic.generate_district(seed=3, students=students * 8)
    through = whole.calendar.instructional_days[99]
    current, previous = (
        synthetic.generate_district(seed=3, students=students * 8, through=day)
        for day in (through, through - timedelta(days=14))
    )
    code = str(current.summary["school_code"].value_counts().index[0])
    at_school = current.summary[current.summary["school_code"] == code]
    chosen = set(at_school["student_id"].drop_duplicates().head(students))
    if len(chosen) < students:
        raise SystemExit(f"The generated school has only {len(chosen)} students.")

    def cut(district: synthetic.SyntheticDistrict) -> synthetic.SyntheticDistrict:
        summary = district.summary
        return dataclasses.replace(
            district,
            roster=district.roster[district.roster["student_id"].isin(chosen)],
            summary=summary[summary["student_id"].isin(chosen) & (summary["school_code"] == code)],
        )

    return [cut(current), cut(previous)], code


def _load(students: int, folder: Path) -> str:
    from districts.models import District
    from tiering import tasks
    from tiering.models import ImportStatus

    (current, previous), code = _one_school(students)
    set_up_district(SLUG, current)
    district = District.objects.get(slug=SLUG)
    files = [
        (synthetic.write_roster_csv(current, folder / "roster.csv"), current.through),
        (synthetic.write_summary_csv(previous, folder / "previous.csv"), previous.through),
        (synthetic.write_summary_csv(current, folder / "current.csv"), current.through),
    ]
    for path, as_of in files:
        record = tasks.attendance_import_now(
            district=district, path=path, reason="bench", as_of=as_of
        )
        if record.status != ImportStatus.SUCCEEDED:
            raise SystemExit(f"{path.name} did not import: {record.message}")
    return code


def _principal(school_code: str):
    from districts.models import District, School
    from districts.roles import Role
    from districts.services import membership_grant, user_create
    from districts.tenancy import system_context

    district = District.objects.get(slug=SLUG)
    with system_context(district, reason="bench"):
        school = School.objects.for_district(district).get(sis_code=school_code)
        principal = user_create(email="principal@bench.example", password=None)
        membership_grant(district=district, user=principal, role=Role.PRINCIPAL, schools=[school])
    return school, principal


def _time(client, url: str) -> tuple[float, float, bytes]:
    """Seconds of wall-clock and of this process's CPU: on a machine shared with other work
    the second shows what the request itself costs."""
    start, cpu = time.perf_counter(), time.process_time()
    response = client.get(url)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    return elapsed, cpu, response.content


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=500)
    parser.add_argument("--requests", type=int, default=5)
    args = parser.parse_args()

    with bench_database(BENCH_DB, tasks_in_process=True, test_client=True):
        from django.test import Client
        from pypdf import PdfReader

        with tempfile.TemporaryDirectory() as folder:
            code = _load(args.students, Path(folder))
        school, principal = _principal(code)
        client = Client()
        client.force_login(principal)
        list_url = f"/d/{SLUG}/attendance/schools/{school.pk}/"
        _time(client, list_url)  # the first request warms templates, fonts and caches
        csv_s, pdf_s, pdf_cpu_s = [], [], []
        for _ in range(args.requests):
            seconds, _cpu, listed = _time(client, list_url + "?format=csv")
            csv_s.append(seconds)
            seconds, cpu, pdf = _time(client, list_url + "?format=pdf")
            pdf_s.append(seconds)
            pdf_cpu_s.append(cpu)
        rows = len(listed.splitlines()) - 1  # less the header
        pages = len(PdfReader(io.BytesIO(pdf)).pages)

    pdf_median, csv_median = statistics.median(pdf_s), statistics.median(csv_s)
    figures = {
        "bench": "list_pdf",
        "rows": rows,
        "requests": args.requests,
        f"list_pdf_{rows}_s": round(pdf_median, 2),
        f"list_pdf_{rows}_max_s": round(max(pdf_s), 2),
        f"list_pdf_{rows}_cpu_s": round(statistics.median(pdf_cpu_s), 2),
        f"list_csv_{rows}_s": round(csv_median, 3),
        "pdf_csv_ratio": round(pdf_median / csv_median, 1),
        "pages": pages,
        "rows_per_page": round(rows / pages, 1),
    }
    print(f"{'download':<12}{'rows':>6}{'median s':>10}{'max s':>8}{'CPU s':>8}")
    print(
        f"{'PDF':<12}{rows:>6}{pdf_median:>10.2f}{max(pdf_s):>8.2f}"
        f"{statistics.median(pdf_cpu_s):>8.2f}"
    )
    print(f"{'CSV':<12}{rows:>6}{csv_median:>10.3f}{max(csv_s):>8.3f}")
    print(f"{pages} pages, {rows / pages:.1f} students a page; PDF {figures['pdf_csv_ratio']}× CSV")
    print(f"target: list_pdf_{args.students}_s ≤ {TARGET_S:g} s")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
