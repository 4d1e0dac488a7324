"""Partner staff see the referrals to their organisation as counts by school and month, from
the referral tallies only: never a student's name or ID, on the page or in its downloads, and
never another organisation's counts. Pia (tests/partners/fixtures.py) works for the Riverside
Youth Club; the food bank is another partner of the district."""

import csv
import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook

from districts.models import AuditAction, AuditEvent
from tests.reading import reading

from . import factories as support

URL = "/d/riverside/support/referrals/"
# Everything that could name a student of tests/tiered.py: names and SIS IDs.
STUDENT_MARKS = re.compile(
    r"\b(S\d{1,2}|Ames|Boyd|Cole|Dunn|Egan|Ford|Gray|Hunt|Ives|Jones|Ada|Ben|Cy|Di|Ed|Fay|Gus|Hal|Ivy|Jo)\b"
)


@pytest.fixture
def referred(tiered, school_b, club_entry, food_entry, youth_club, food_bank, school_team_member):
    """Two students of Adams referred to the youth club in November and one in October, one of
    Banneker in November; one of Adams to the food bank. The tallies say the same, as the
    services keep them."""
    adams, banneker = tiered, school_b
    for sis_id, entry, day in (
        ("S4", club_entry, date(2026, 11, 3)),
        ("S5", club_entry, date(2026, 11, 12)),
        ("S3", club_entry, date(2026, 10, 20)),
        ("S9", club_entry, date(2026, 11, 5)),
        ("S6", food_entry, date(2026, 11, 5)),
    ):
        student = support.student(tiered.district, sis_id)
        support.intervention(
            student, owner=school_team_member, tier="II", entry=entry, starts_on=day
        )
    support.tally(youth_club, adams, month=date(2026, 11, 1), referrals=2)
    support.tally(youth_club, adams, month=date(2026, 10, 1), referrals=1)
    support.tally(youth_club, banneker, month=date(2026, 11, 1), referrals=1)
    support.tally(food_bank, adams, month=date(2026, 11, 1), referrals=1)


def test_partner_staff_see_counts_by_school_and_month(client, pia, referred, school_b, tiered):
    client.force_login(pia)

    response = client.get(URL)

    counts = response.context["counts"]
    assert [s.name for s in counts.schools] == [
        "Adams Elementary School",
        "Banneker Elementary School",
    ]
    assert counts.months == [(date(2026, 11, 1), [2, 1], 3), (date(2026, 10, 1), [1, 0], 1)]
    page = response.content.decode()
    assert "<h1>Referrals to Riverside Youth Club</h1>" in page
    assert "<strong>4</strong> referrals in all." in page
    assert '<th scope="row">November 2026</th><td class="num">2</td><td class="num">1</td>' in page
    # The food bank's referral is not theirs to see.
    assert "Food Bank" not in page


def test_no_student_is_named_anywhere_partner_staff_look(client, pia, referred):
    client.force_login(pia)

    page = client.get(URL).content.decode()
    text = re.sub(r"<[^>]+>", " ", page)
    assert not STUDENT_MARKS.search(text), STUDENT_MARKS.search(text)
    assert not STUDENT_MARKS.search(page.split("<main", 1)[-1])

    download = client.get(URL + "?format=csv").content.decode()
    assert list(csv.reader(io.StringIO(download))) == [
        ["Month", "School", "Referrals"],
        ["2026-11-01", "Adams Elementary School", "2"],
        ["2026-11-01", "Banneker Elementary School", "1"],
        ["2026-10-01", "Adams Elementary School", "1"],
    ]
    assert not STUDENT_MARKS.search(download)
    sheet = load_workbook(io.BytesIO(client.get(URL + "?format=xlsx").content)).active
    cells = " ".join(str(v) for row in sheet.iter_rows(values_only=True) for v in row)
    assert not STUDENT_MARKS.search(cells)


def test_the_download_is_in_the_access_record_as_counts(client, pia, referred, district):
    client.force_login(pia)
    client.get(URL + "?format=csv")
    with reading(district):
        event = AuditEvent.objects.get(purpose__startswith="Referrals to Riverside Youth Club")
    assert event.action == AuditAction.EXPORT
    assert event.object_type == "support.referraltally" and event.object_ids == []
    assert event.row_count == 3


def test_an_organisation_with_no_referrals_sees_so(client, pia, tiered):
    client.force_login(pia)
    assert "No school has referred a student to Riverside Youth Club yet." in (
        client.get(URL).content.decode()
    )


def test_partner_staff_not_linked_yet_are_told_to_ask(client, partner_staff, tiered):
    client.force_login(partner_staff)
    response = client.get(URL)
    assert response.status_code == 200
    assert "Your account is not linked to a partner organisation yet." in (
        response.content.decode()
    )
    assert client.get(URL + "?format=csv")["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(
    "persona", ["district_admin", "cabinet_member", "principal", "school_team_member"]
)
def test_staff_do_not_use_the_partners_page(client, request, referred, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 403


def test_a_facilitator_finds_nothing(client, facilitator, referred):
    client.force_login(facilitator)
    assert client.get(URL).status_code == 404
