"""A workshop's cohort PDF and its cohort page: the PDF of a workshop of 12 districts (cover,
agenda, every district's suppressed packet tables and chart, every team's plan), built by its
background task in-process, the facilitator's cohort page (the packets side by side) and a
district's packet page as the facilitator reads it (the largest district's), server time per
request. Prints a table, then one JSON line (design.md §7).

    ./run bench workshops [--districts 12] [--students 400] [--requests 50]

Each district comes from the shared generator (its size varied around --students, so that
the cohort falls into several size groups) and is imported through the real import path; each
accepts with its band mix and breakdowns (every other one under its own name), names a team of
three and writes four plan rows. It works in a database of its own (attendance_bench_workshops,
or BENCH_DATABASE when several checkouts share one server; dropped at the end) on the server
that DATABASE_URL names, or on the embedded one.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from database import bench_database
from ingest import set_up_district

from tiering import synthetic

BENCH_DB = os.environ.get("BENCH_DATABASE", "attendance_bench_workshops")
PDF_TARGET_S = 20.0
PAGE_TARGET_MS = 200.0
ROWS = (
    ("strategic_action", "Nurses join the biweekly attendance data review"),
    ("strategic_action", "Personal outreach after the third absence, in the family's language"),
    ("alignment", "One shared goal for chronic absence in the health and attendance plans"),
    ("alignment", "A monthly meeting of the health and attendance leads"),
)


def _district(n: int, students: int, folder: Path):
    """The n-th district, imported (the current summary and one two weeks earlier), with its
    administrator."""
    from districts.models import District
    from districts.roles import Role
    from districts.services import membership_grant, user_create
    from districts.tenancy import system_context
    from tiering import tasks
    from tiering.models import ImportStatus

    size = max(60, students * (n % 4 + 1) // 2)
    whole = synthetic.generate_district(seed=10 + n, students=size)
    through = whole.calendar.instructional_days[79]
    current, previous = (
        synthetic.generate_district(seed=10 + n, students=size, through=day)
        for day in (through, through - timedelta(days=14))
    )
    slug = f"bench-workshop-{n}"
    set_up_district(slug, current)
    district = District.objects.get(slug=slug)
    for name, generated in (("previous", previous), ("current", current)):
        path = synthetic.write_summary_csv(generated, folder / f"{slug}-{name}.csv")
        record = tasks.attendance_import_now(
            district=district,
            path=path,
            reason="bench",
            as_of=generated.through,
            create_schools=True,
        )
        if record.status != ImportStatus.SUCCEEDED:
            raise SystemExit(f"{path.name} did not import: {record.message}")
    with system_context(district, reason="bench"):
        admin = user_create(email=f"admin{n}@bench.example", password=None, full_name=f"Admin {n}")
        membership_grant(district=district, user=admin, role=Role.DISTRICT_ADMIN)
    return district, admin, size


def _workshop(districts):
    from districts.services import user_create
    from districts.tenancy import operator_context, system_context
    from workshops import packets, services
    from workshops.context import facilitating
    from workshops.models import ConsentItem, Department, Invitation

    with operator_context(reason="bench"):  # accounts are the operators' to create
        facilitator = user_create(
            email="fay@bench.example",
            password=None,
            full_name="Fay Facilitator",
            is_facilitator=True,
        )
    with facilitating(facilitator):
        workshop = services.workshop_create(
            created_by=facilitator,
            fields=services.WorkshopFields(
                title="Thriving Schools Strategy Workshop",
                first_day=date(2026, 2, 3),
                last_day=date(2026, 2, 4),
                place="Sacramento",
            ),
        )
    with facilitating(facilitator):
        invitations = [
            services.invitation_create(workshop=workshop, district=d, invited_by=facilitator)
            for d, _, _ in districts
        ]
    for n, ((district, admin, _), invitation) in enumerate(
        zip(districts, invitations, strict=True)
    ):
        items = [ConsentItem.BANDS, ConsentItem.BREAKDOWNS]
        if n % 2:
            items.append(ConsentItem.NAME)
        with system_context(district, reason="bench"):
            invitation = Invitation.objects.get(pk=invitation.pk)
            services.invitation_respond(invitation=invitation, accept=True, items=items, by=admin)
            for department, name in (
                (Department.ATTENDANCE, "Attendance lead"),
                (Department.HEALTH, "District nurse"),
                (Department.FAMILY_ENGAGEMENT, "Family engagement coordinator"),
            ):
                services.team_member_add(invitation=invitation, department=department, name=name)
            for kind, text in ROWS:
                action = services.plan_action_add(invitation=invitation, kind=kind, by=admin)
                for field, value in (
                    ("action", text),
                    ("next_steps", "Draft it with the school teams; bring it to the cabinet"),
                    ("responsible", "Student services with the health office"),
                    ("target_date", date(2026, 5, 1)),
                    ("resources", "The county's school-based health partners"),
                ):
                    action = services.plan_field_save(
                        action=action, field=field, value=value, base_revision=0, editor=admin
                    )
            packets.packet_refresh(invitation=invitation)
    return facilitator, workshop


def _cohort_pdf(facilitator, workshop) -> tuple[float, bytes]:
    from workshops import tasks
    from workshops.context import facilitating
    from workshops.models import CohortPdf, PdfStatus

    with facilitating(facilitator):
        pdf = CohortPdf.objects.create(workshop=workshop, requested_by=facilitator)
    start = time.perf_counter()
    tasks.build_cohort_pdf.apply(kwargs={"pdf_id": pdf.pk, "user_id": facilitator.pk}).get()
    elapsed = time.perf_counter() - start
    with facilitating(facilitator):
        pdf = CohortPdf.objects.get(pk=pdf.pk)
    if pdf.status != PdfStatus.DONE:
        raise SystemExit(f"The cohort PDF failed: {pdf.message}")
    content = pdf.stored_path.read_bytes()
    pdf.stored_path.unlink()
    return elapsed, content


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def _page_ms(client, page: str, requests: int) -> list[float]:
    if client.get(page).status_code != 200:  # the first request warms templates and caches
        raise SystemExit(f"{page} did not answer 200")
    page_ms = []
    for _ in range(requests):
        start = time.perf_counter()
        response = client.get(page)
        page_ms.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{page} answered {response.status_code}")
    return page_ms


def _largest_districts_invitation(facilitator, workshop, districts) -> int:
    from workshops.context import facilitating
    from workshops.models import Invitation

    largest = max(districts, key=lambda district: district[2])[0]
    with facilitating(facilitator):
        return Invitation.across_districts.get(workshop=workshop, district=largest).pk


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--districts", type=int, default=12)
    parser.add_argument("--students", type=int, default=400)
    parser.add_argument("--requests", type=int, default=50)
    args = parser.parse_args()

    with bench_database(BENCH_DB, tasks_in_process=True, test_client=True):
        from django.test import Client
        from pypdf import PdfReader

        with tempfile.TemporaryDirectory() as folder:
            districts = [_district(n, args.students, Path(folder)) for n in range(args.districts)]
        facilitator, workshop = _workshop(districts)
        pdf_s, content = _cohort_pdf(facilitator, workshop)
        pdf_again_s, _ = _cohort_pdf(facilitator, workshop)
        pages = len(PdfReader(io.BytesIO(content)).pages)
        client = Client()
        client.force_login(facilitator)
        page_ms = _page_ms(client, f"/workshops/{workshop.pk}/cohort/", args.requests)
        invitation = _largest_districts_invitation(facilitator, workshop, districts)
        packet_ms = _page_ms(
            client, f"/workshops/{workshop.pk}/packets/{invitation}/", args.requests
        )

    students = sum(size for _, _, size in districts)
    figures = {
        "bench": "workshops",
        "districts": args.districts,
        "students": students,
        "cohort_pdf_s": round(max(pdf_s, pdf_again_s), 2),
        "cohort_pdf_first_s": round(pdf_s, 2),
        "cohort_pdf_pages": pages,
        "cohort_page_p95_ms": round(_p95(page_ms), 1),
        "cohort_page_median_ms": round(statistics.median(page_ms), 1),
        "packet_p95_ms": round(_p95(packet_ms), 1),
        "packet_median_ms": round(statistics.median(packet_ms), 1),
        "requests": args.requests,
    }
    print(f"{'measure':<34}{'value':>10}{'target':>10}")
    print(f"{'cohort PDF, first build (s)':<34}{pdf_s:>10.2f}")
    print(f"{'cohort PDF, second build (s)':<34}{pdf_again_s:>10.2f}{PDF_TARGET_S:>10g}")
    print(f"{'cohort PDF pages':<34}{pages:>10}")
    print(f"{'cohort page median (ms)':<34}{statistics.median(page_ms):>10.1f}")
    print(f"{'cohort page p95 (ms)':<34}{_p95(page_ms):>10.1f}{PAGE_TARGET_MS:>10g}")
    print(f"{'packet page median (ms)':<34}{statistics.median(packet_ms):>10.1f}")
    print(f"{'packet page p95 (ms)':<34}{_p95(packet_ms):>10.1f}{PAGE_TARGET_MS:>10g}")
    print(f"{args.districts} districts, {students} students in all")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
