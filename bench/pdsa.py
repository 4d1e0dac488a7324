"""A PDSA cycle's Study in a large district: the computation the worker runs after an import
(pdsa.services.cycle_study_refresh) for a cycle of 200 participants at the district's largest
school, with its comparison group (every other student of that school in the same bands at
the start and the same grades); then, in the same district, the district chain page (reasons
for absence → partners → interventions → cycles → results) as the cabinet reads it, server
time per request through the whole middleware stack and template rendering. Prints a table,
then one JSON line (design.md §7).

    ./run bench pdsa [--students 500000] [--participants 200] [--repeats 5] [--requests 200]

For the chain to have something to count, one chronically absent student in ten (at the
review point) gets a Caring Conversation naming one or two reasons for absence, and most of
them an active intervention aligned to the first; the cycle names the reason and intervention
of the first. They are written in bulk: the bench measures the page, not the services. Then
the worker's count of the chain (pdsa.services.reason_tallies_refresh, chain_count_s), which
the page reads, as it runs after every change of support records, import and recompute.

The district gets a roster and a daily file of its first 70 school days, imported through the
real import path, and a review point (snapshot) the day before the test: a 10-day test starting
on school day 31, so that before, during, two weeks after and one month after are all on record.
It works in a database of its own (attendance_bench_pdsa, dropped at the end) on the server
that DATABASE_URL names, or on the embedded one. A daily file of 500,000 students holds 35
million rows: on a small machine, run it with fewer students and say so.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from database import bench_database, vacuum_analyze
from ingest import set_up_district
from page_latency import latencies, time_request

from tiering import synthetic

# This file is bench/pdsa.py and `./run bench` puts bench/ first on the path: left there, the
# name `pdsa` would find this script rather than the app Django loads.
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)

BENCH_DB = os.environ.get("BENCH_DATABASE", "attendance_bench_pdsa")
SLUG = "bench-pdsa"
FIRST_DAY = date(2025, 8, 18)
SCHOOL_DAYS = 70
TEST_START_DAY = 30  # index of the test's first school day
TEST_DAYS = 10


def _load(students: int, folder: Path):
    from districts.models import District
    from districts.tenancy import system_context
    from tiering import snapshots, tasks
    from tiering.models import ImportStatus

    days = synthetic.school_calendar(first_day=FIRST_DAY).instructional_days
    generated = synthetic.generate_district(
        seed=11, students=students, first_day=FIRST_DAY, through=days[SCHOOL_DAYS - 1]
    )
    set_up_district(SLUG, generated)
    district = District.objects.get(slug=SLUG)
    for path in (
        synthetic.write_roster_csv(generated, folder / "roster.csv"),
        synthetic.write_daily_csv(generated, folder / "daily.csv"),
    ):
        start = time.perf_counter()
        record = tasks.attendance_import_now(
            district=district, path=path, reason="bench", as_of=generated.through
        )
        if record.status != ImportStatus.SUCCEEDED:
            raise SystemExit(f"{path.name} did not import: {record.message}")
        print(
            f"imported {path.name}: {record.rows_imported:,} rows in "
            f"{time.perf_counter() - start:.1f} s",
            file=sys.stderr,
        )
    with system_context(district, reason="bench"):
        # The review point before the test: the participants' band "at the start".
        snapshots.snapshots_take(district=district, as_of=days[TEST_START_DAY - 1])
    largest = generated.roster["school_code"].value_counts()
    return district, days, len(generated.roster), str(largest.index[0])


def _cycle(district, days, school_code: str, participants: int):
    """A 10-day cycle at the school with the most students of one band at the start."""
    from django.db.models import Count

    from districts.models import School
    from districts.services import user_create
    from districts.tenancy import system_context
    from pdsa import outcomes, services
    from tiering.models import RuleSet, Standing, Student

    with system_context(district, reason="bench"):
        team = user_create(email="team@bench.example", password=None)
        school = School.objects.for_district(district).get(sis_code=school_code)
        rule_set = RuleSet.objects.get(is_primary=True)
        start = outcomes.start_snapshot(rule_set=rule_set, before=days[TEST_START_DAY])
        standings = Standing.objects.filter(snapshot=start, school=school)
        band = (
            standings.exclude(band="not_yet_rated")
            .values("band")
            .annotate(n=Count("pk"))
            .order_by("-n")
            .first()["band"]
        )
        chosen = list(
            standings.filter(band=band, student__school=school)  # not those who left since
            .order_by("student_id")
            .values_list("student_id", flat=True)[:participants]
        )
        cycle = services.cycle_create(
            district=district, created_by=team, schools=[school], title="2x10 Strategy"
        )
        services.cycle_update(
            cycle=cycle,
            worksheet=services.WorksheetFields(
                title=cycle.title,
                first_day=days[TEST_START_DAY],
                last_day=days[TEST_START_DAY + TEST_DAYS - 1],
            ),
        )
        services.participants_add(
            cycle=cycle, students=Student.objects.filter(pk__in=chosen), added_by=team
        )
    return cycle, band


def _support_records(district, days, cycle) -> int:
    """Conversations with reasons for absence, and interventions, for one chronically absent
    student in ten at the review point; the cycle tests the first one's intervention."""
    from districts.tenancy import system_context
    from partners.models import AbsenceReason, Intervention, Tier
    from pdsa import outcomes, services
    from support.models import (
        CaringConversation,
        ConversationReason,
        ConversationWith,
        InterventionStatus,
        StudentIntervention,
    )
    from tiering.bands import CHRONIC_BANDS
    from tiering.models import RuleSet, Standing

    with system_context(district, reason="bench"):
        team = cycle.created_by
        start = outcomes.start_snapshot(
            rule_set=RuleSet.objects.get(is_primary=True), before=days[TEST_START_DAY]
        )
        students = list(
            Standing.objects.filter(snapshot=start, band__in=CHRONIC_BANDS)
            .order_by("student_id")
            .values_list("student_id", "student__school_id")[::10]
        )
        reasons = list(AbsenceReason.objects.order_by("position"))
        aligned = {}
        for intervention in Intervention.objects.filter(reason__isnull=False).order_by("pk"):
            aligned.setdefault(intervention.reason_id, intervention)
        held_on = days[TEST_START_DAY - 5]
        conversations = CaringConversation.objects.bulk_create(
            CaringConversation(
                district=district,
                student_id=student_id,
                held_on=held_on,
                staff=team,
                with_whom=ConversationWith.FAMILY,
                recorded_by=team,
            )
            for student_id, _ in students
        )
        named, interventions = [], []
        for n, (conversation, (student_id, school_id)) in enumerate(
            zip(conversations, students, strict=True)
        ):
            first = reasons[n % len(reasons)]
            for reason in {first, reasons[(n * 7 + 3) % len(reasons)]}:
                named.append(
                    ConversationReason(
                        district=district,
                        conversation=conversation,
                        reason=reason,
                        student_id=student_id,
                    )
                )
            if n % 3 and first.pk in aligned:
                interventions.append(
                    StudentIntervention(
                        district=district,
                        student_id=student_id,
                        school_id=school_id,
                        intervention=aligned[first.pk],
                        tier=Tier.TIER_II,
                        reason=first,
                        owner=team,
                        starts_on=held_on,
                        status=InterventionStatus.ACTIVE,
                        created_by=team,
                    )
                )
        ConversationReason.objects.bulk_create(named, batch_size=5000)
        StudentIntervention.objects.bulk_create(interventions, batch_size=5000)
        tested = interventions[0]
        services.cycle_links_set(
            cycle=cycle,
            schools=cycle.schools.all(),
            reasons=[tested.reason],
            interventions=[tested.intervention],
        )
    return len(students)


def _chain_latency(district, requests: int) -> tuple[float, list[float]]:
    """The cabinet's district chain page: the first request, then `requests` more."""
    from django.test import Client

    from districts.roles import Role
    from districts.services import membership_grant, user_create
    from districts.tenancy import system_context

    with system_context(district, reason="bench"):
        cabinet = user_create(email="cabinet@bench.example", password=None)
        membership_grant(district=district, user=cabinet, role=Role.CABINET_MEMBER)
    client = Client()
    client.force_login(cabinet)
    url = f"/d/{SLUG}/pdsa/chain/"
    first = time_request(client, url)
    return first, [time_request(client, url) for _ in range(requests)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=500_000)
    parser.add_argument("--participants", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()

    # The Study queued by adding participants runs here (tasks_in_process).
    with bench_database(BENCH_DB, tasks_in_process=True, test_client=True) as url:
        with tempfile.TemporaryDirectory() as folder:
            district, days, students, school_code = _load(args.students, Path(folder))
        vacuum_analyze(url)
        cycle, band = _cycle(district, days, school_code, args.participants)
        from districts.tenancy import system_context
        from pdsa import services
        from pdsa.models import StudyResult

        seconds = []
        for _ in range(args.repeats):
            with system_context(district, reason="bench"):
                start = time.perf_counter()
                services.cycle_study_refresh(cycle=cycle)
                seconds.append(time.perf_counter() - start)
        with system_context(district, reason="bench"):
            result = StudyResult.objects.get(cycle=cycle)
            figures_n = (result.participants_n, result.comparison_n)
            windows = [w["progress"] for w in result.windows]
        with_reasons = _support_records(district, days, cycle)
        vacuum_analyze(url)
        with system_context(district, reason="bench"):
            # What the worker does once the support records commit (support.records_changed).
            start = time.perf_counter()
            tallies = services.reason_tallies_refresh(district=district)
            count_s = time.perf_counter() - start
        chain_first, chain_ms = _chain_latency(district, args.requests)
    figures = {
        "bench": "pdsa",
        "students": students,
        "participants": figures_n[0],
        "comparison": figures_n[1],
        "band": band,
        "repeats": args.repeats,
        "study_s": round(statistics.median(seconds), 3),
        "study_first_s": round(seconds[0], 3),
        "study_max_s": round(max(seconds), 3),
        "students_with_reasons": with_reasons,
        "chain_count_s": round(count_s, 3),
        "chain_tallies": tallies,
        "requests": args.requests,
        **latencies("chain", chain_ms),
        "chain_first_ms": round(chain_first, 1),
    }
    print(f"{'step':<30}{'median s':>10}{'first s':>10}{'max s':>10}")
    print(
        f"{'Study (cycle_study_refresh)':<30}{figures['study_s']:>10}"
        f"{figures['study_first_s']:>10}{figures['study_max_s']:>10}"
    )
    print(
        f"{'Chain counts (worker)':<30}{figures['chain_count_s']:>10}"
        f"  ({tallies} tallies: the district and each school)"
    )
    print(f"{'page':<30}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}{'first ms':>10}")
    print(
        f"{'district chain':<30}{figures['chain_p50_ms']:>10}{figures['chain_p95_ms']:>10}"
        f"{figures['chain_max_ms']:>10}{figures['chain_first_ms']:>10}"
    )
    print(
        f"{students:,} students; {figures_n[0]} participants ({band} at the start) and "
        f"{figures_n[1]:,} comparison students; windows: {', '.join(windows)}; "
        f"{with_reasons:,} students with reasons for absence recorded"
    )
    print("targets: study_s ≤ 1 s, chain_p95_ms ≤ 200 ms")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
