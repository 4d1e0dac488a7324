"""Issue 15, point 2: the tiered list, its downloads and the band cards above it count the same
students, at every school of the demo district, for every reader and filter. A student who
transferred out is counted by the school's bands for the days they attended, so the list shows
them, marked with the day they left."""

import csv
import io
from datetime import date

import pytest
from django.core.management import call_command
from django.db.models import F
from openpyxl import load_workbook
from pypdf import PdfReader

from attendance_platform.management.commands.seed_demo import DEMO_SLUG
from districts.models import District, Membership, School
from districts.roles import Role
from districts.tenancy import system_context
from tests.factories import MembershipFactory
from tests.sis import import_file
from tests.tiered import MOVE, write
from tiering import selectors
from tiering.bands import RATED_BANDS, Band
from tiering.models import AttendanceDay, Snapshot, Standing
from tiering.views import PAGE_SIZE

AS_OF = date(2026, 12, 4)


@pytest.fixture
def demo(db, tmp_path):
    call_command(
        "seed_demo",
        "--as-of",
        AS_OF.isoformat(),
        "--output",
        tmp_path,
        stdout=io.StringIO(),
    )
    district = District.objects.get(slug=DEMO_SLUG)
    with system_context(district, reason="test fixture"):
        schools = list(School.objects.order_by("name"))
        admin = Membership.objects.get(role=Role.DISTRICT_ADMIN).user
        # A principal for every school (the demo's own principal is Greenfield's).
        principals = {}
        for school in schools:
            principals[school.pk] = MembershipFactory(
                district=district,
                role=Role.PRINCIPAL,
                schools=[school],
                user__email=f"principal-{school.pk}@cedarvalley.example",
            ).user
    return district, schools, admin, principals


def _url(school, query=""):
    return f"/d/{DEMO_SLUG}/attendance/schools/{school.pk}/{query}"


def test_the_list_its_downloads_and_the_cards_count_the_same_students(client, demo):
    district, schools, admin, principals = demo
    transferred_seen = 0
    for school in schools:
        for reader in (admin, principals[school.pk]):
            client.force_login(reader)
            page = client.get(_url(school))
            with system_context(district, reason="test"):
                snapshot = selectors.current_snapshot(snapshots=Snapshot.objects.all())
                cards = selectors.band_counts(
                    standings=Standing.objects.all(), snapshot=snapshot, school=school
                )
            card = f"{cards.chronic} of {cards.rated} rated students missed 10% or more"
            assert card in page.content.decode()
            assert page.context["page"].paginator.count == cards.total, (school, reader)
            for band in (*RATED_BANDS, Band.NOT_YET_RATED):
                listed = client.get(_url(school, f"?band={band.value}"))
                assert listed.context["page"].paginator.count == cards.counts.get(band, 0), (
                    school.name,
                    reader.email,
                    band,
                )
            chronic = client.get(_url(school, f"?band={selectors.CHRONIC_FILTER}"))
            assert chronic.context["page"].paginator.count == cards.chronic
            enrolled, transferred = (
                client.get(_url(school, f"?enrollment={value}")).context["page"].paginator.count
                for value in (selectors.Enrollment.ENROLLED, selectors.Enrollment.TRANSFERRED_OUT)
            )
            assert enrolled + transferred == cards.total
            transferred_seen += transferred
            download = client.get(_url(school, "?format=csv"))
            rows = list(csv.reader(io.StringIO(download.content.decode())))
            assert len(rows) - 1 == cards.total
            enrollment = rows[0].index("Enrollment")
            assert sum(r[enrollment].startswith("Transferred out") for r in rows[1:]) == (
                transferred
            )
    assert transferred_seen > 0  # the demo moves some students between schools

    # Each is marked with their last day at the school, and their page opens for its principal.
    with system_context(district, reason="test"):
        snapshot = selectors.current_snapshot(snapshots=Snapshot.objects.all())
        left = (
            Standing.objects.filter(snapshot=snapshot, school__isnull=False)
            .exclude(student__school_id=F("school_id"))
            .select_related("student", "school")
            .first()
        )
        last_day = (
            AttendanceDay.objects.filter(student=left.student, school=left.school)
            .order_by("-date")
            .values_list("date", flat=True)
            .first()
        )
    client.force_login(principals[left.school_id])
    page = client.get(_url(left.school, "?enrollment=transferred_out")).content.decode()
    assert f"Transferred out on {last_day:%b %-d, %Y}" in page
    assert left.student.sis_id in page
    # Their page opens for the principal of the school they left.
    student = client.get(f"/d/{DEMO_SLUG}/attendance/students/{left.student_id}/")
    assert student.status_code == 200


def test_the_list_pages_through_every_student_once_and_an_address_past_its_end_shows_the_last(
    client, demo
):
    # The count is read with each page's rows (views.list_page); Paginator.get_page's answers
    # for the addresses it does not read rows for stay.
    district, schools, admin, _principals = demo
    client.force_login(admin)
    with system_context(district, reason="test"):
        snapshot = selectors.current_snapshot(snapshots=Snapshot.objects.all())
        school, total = max(
            (
                (school, Standing.objects.filter(snapshot=snapshot, school=school).count())
                for school in schools
            ),
            key=lambda pair: pair[1],
        )
    last = -(-total // PAGE_SIZE)
    assert last >= 2, total
    seen = []
    for number in range(1, last + 1):
        page = client.get(_url(school, f"?page={number}")).context["page"]
        assert (page.number, page.paginator.count) == (number, total)
        assert len(page.object_list) == min(PAGE_SIZE, total - (number - 1) * PAGE_SIZE)
        seen += [standing.student_id for standing in page.object_list]
    assert len(seen) == len(set(seen)) == total
    for query, number in (("?page=abc", 1), ("?page=", 1), ("?page=0", last), ("?page=999", last)):
        page = client.get(_url(school, query)).context["page"]
        assert (page.number, page.paginator.count) == (number, total), query
        assert page.object_list, query
    nobody = client.get(_url(school, "?q=nobody-is-called-this"))
    assert nobody.context["page"].paginator.count == 0
    assert "No students match these filters." in nobody.content.decode()


def test_every_download_marks_the_student_who_left(client, principal, tiered, tmp_path):
    record = import_file(tiered.district, write(tmp_path, "move.csv", MOVE))
    assert record.status == "succeeded", record.errors
    client.force_login(principal)
    url = f"/d/riverside/attendance/schools/{tiered.pk}/?format="
    rows = list(csv.reader(io.StringIO(client.get(url + "csv").content.decode())))
    # Enrollment is tiering's last column; the support app's follow (tests/support).
    enrollment = rows[0].index("Enrollment")
    assert enrollment == 12 and len(rows) == 9
    gray = next(r for r in rows if r[1] == "S7")
    assert gray[enrollment] == "Transferred out on Oct 23, 2026"
    sheet = load_workbook(io.BytesIO(client.get(url + "xlsx").content)).active
    assert ("S7", "Transferred out on Oct 23, 2026") in {
        (r[1], r[enrollment]) for r in sheet.iter_rows(min_row=2, values_only=True)
    }
    pdf = PdfReader(io.BytesIO(client.get(url + "pdf").content))
    text = " ".join("".join(page.extract_text() for page in pdf.pages).split())
    assert "Gray, Gus (S7): Transferred out on Oct 23, 2026, counted for the days here." in text
