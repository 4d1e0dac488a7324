"""The tiered list shows each student's support — the tier of their active interventions, their
last Caring Conversation, their next check-in (overdue in words, not colour alone) — filters on
it, and carries it into every download. On the hand-made school of tests/tiered.py (Adams:
S1–S8), where the team has talked with two families:

- Di Dunn (S4): a conversation 10 days ago finding housing and food insecurity, a check-in
  that was due yesterday, an active Tier II intervention and a planned Tier III one;
- Ed Egan (S5): conversations 20 and 3 days ago, a check-in in 4 days, active Tier I and
  Tier III interventions;
- Cy Cole (S3): no conversation, but a completed Tier II intervention (not active).
"""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook
from pypdf import PdfReader

from partners.models import AbsenceReason
from support.models import InterventionStatus

from . import factories as support
from .conftest import transfer_to_banneker

ADAMS = ["S1", "S2", "S3", "S4", "S5", "S6", "S7", "S8"]
MOVED = "records moved with the student"


@pytest.fixture
def supported(tiered, school_team_member):
    district = tiered.district
    today = district.today()
    dunn, egan, cole = (support.student(district, s) for s in ("S4", "S5", "S3"))
    support.conversation(
        dunn,
        staff=school_team_member,
        held_on=today - timedelta(days=10),
        reasons=["housing-food-insecurity", "transportation-barriers"],
    )
    support.plan(dunn, updated_by=school_team_member, next_check_in=today - timedelta(days=1))
    support.intervention(dunn, owner=school_team_member, tier="II")
    support.intervention(
        dunn, owner=school_team_member, tier="III", status=InterventionStatus.PLANNED
    )
    for days in (20, 3):
        support.conversation(
            egan,
            staff=school_team_member,
            held_on=today - timedelta(days=days),
            reasons=["lose-track"],
        )
    support.plan(egan, updated_by=school_team_member, next_check_in=today + timedelta(days=4))
    support.intervention(egan, owner=school_team_member, tier="III")
    support.intervention(egan, owner=school_team_member, tier="I")
    support.intervention(
        cole, owner=school_team_member, tier="II", status=InterventionStatus.COMPLETED
    )
    return today


def _day(day) -> str:
    return f"{day:%b} {day.day}, {day.year}"


def _list(client, tiered, query=""):
    return client.get(f"/d/riverside/attendance/schools/{tiered.pk}/?sort=name{query}")


def _listed(response) -> list[str]:
    return [row["student"].sis_id for row in response.context["rows"]]


def _cells(response, sis_id) -> dict[str, str]:
    row = next(r for r in response.context["rows"] if r["student"].sis_id == sis_id)
    return {column.heading: cell.printed for column, cell in row["extra"]}


def test_the_list_shows_each_students_support(client, principal, tiered, supported):
    today = supported
    client.force_login(principal)

    response = _list(client, tiered)

    assert _cells(response, "S4") == {
        "Support": "Tier II",  # the planned Tier III is not under way yet
        "Last contact": _day(today - timedelta(days=10)),
        "Next check-in": f"{_day(today - timedelta(days=1))} (overdue)",
    }
    assert _cells(response, "S5") == {
        "Support": "Tier I, Tier III",
        "Last contact": _day(today - timedelta(days=3)),
        "Next check-in": _day(today + timedelta(days=4)),
    }
    # A completed intervention and no conversation: nothing under way, nobody talked to yet.
    assert _cells(response, "S3") == {
        "Support": "none yet",
        "Last contact": "no contact yet",
        "Next check-in": "none set",
    }
    page = response.content.decode()
    for heading in ("Support", "Last contact", "Next check-in"):
        assert f'<th scope="col">{heading}</th>' in page
    # Overdue is said in words (red as well), on the card a phone shows too.
    assert re.search(
        rf'<td data-label="Next check-in">{_day(today - timedelta(days=1))} '
        r'<strong class="flag">overdue</strong></td>',
        page,
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("&contact=none", ["S1", "S2", "S3", "S6", "S7", "S8"]),
        ("&contact=some", ["S4", "S5"]),
        ("&check_in=overdue", ["S4"]),
        ("&check_in=week", ["S5"]),
        ("&intervention=active", ["S4", "S5"]),
        ("&intervention=none", ["S1", "S2", "S3", "S6", "S7", "S8"]),
        # With the list's own filters: Severe and Extreme chronic students not contacted yet.
        ("&band=severe_chronic&contact=none", []),
        ("&band=chronic&contact=none", ["S3", "S6"]),
        ("&band=chronic&intervention=none", ["S3", "S6"]),
    ],
)
def test_the_support_filters_select_the_students(
    client, principal, tiered, supported, query, expected
):
    client.force_login(principal)
    response = _list(client, tiered, query)
    assert _listed(response) == expected
    # The page offers to clear what it filters on.
    assert "Clear filters" in response.content.decode()


def test_the_reason_filter_lists_the_reasons_by_root_cause(client, principal, tiered, supported):
    client.force_login(principal)
    housing = AbsenceReason.objects.get(code="housing-food-insecurity")
    lose_track = AbsenceReason.objects.get(code="lose-track")
    disengaged = AbsenceReason.objects.get(code="disengaged")

    assert _listed(_list(client, tiered, f"&reason={housing.pk}")) == ["S4"]
    assert _listed(_list(client, tiered, f"&reason={lose_track.pk}")) == ["S5"]
    assert _listed(_list(client, tiered, f"&reason={disengaged.pk}")) == []
    # An id that is no reason (an old link) filters nothing rather than failing the page.
    assert _listed(_list(client, tiered, "&reason=999999")) == ADAMS

    page = _list(client, tiered).content.decode()
    assert '<label for="id_reason">Reason for absence</label>' in page
    for family in ("Barriers", "Aversion", "Disengagement", "Misconceptions"):
        assert f'<optgroup label="{family}">' in page


def test_the_downloads_carry_the_support_columns(client, principal, tiered, supported):
    today = supported
    overdue = today - timedelta(days=1)
    client.force_login(principal)
    url = f"/d/riverside/attendance/schools/{tiered.pk}/?sort=name&check_in=overdue&format="

    rows = list(csv.reader(io.StringIO(client.get(url + "csv").content.decode())))
    assert rows[0][-4:] == ["Support", "Last contact", "Next check-in", "Check-in overdue"]
    assert [r[1] for r in rows[1:]] == ["S4"]
    assert rows[1][-4:] == [
        "Tier II",
        (today - timedelta(days=10)).isoformat(),
        overdue.isoformat(),
        "overdue",
    ]

    sheet = load_workbook(io.BytesIO(client.get(url + "xlsx").content)).active
    header, dunn = list(sheet.iter_rows(values_only=True))
    assert header[-4:] == ("Support", "Last contact", "Next check-in", "Check-in overdue")
    # Dates stay dates in the spreadsheet, to sort on.
    assert dunn[-4] == "Tier II" and dunn[-1] == "overdue"
    assert dunn[-2].date() == overdue and dunn[-3].date() == today - timedelta(days=10)

    pdf = PdfReader(io.BytesIO(client.get(url + "pdf").content))
    text = pdf.pages[0].extract_text()
    assert "Next check-in: Check-in overdue" in " ".join(text.split())
    # On the line under the student's (tests/tiering/test_list_pdf.py).
    lines = text.splitlines()
    below = lines[next(n for n, line in enumerate(lines) if " S4 " in line) + 1]
    assert " ".join(below.split()) == (
        f"Support: Tier II · Last contact: {_day(today - timedelta(days=10))} · "
        f"Next check-in: {_day(overdue)} (overdue)"
    )


def test_a_student_with_no_support_downloads_empty_cells(client, principal, tiered, supported):
    client.force_login(principal)
    url = f"/d/riverside/attendance/schools/{tiered.pk}/?q=Cole&format=csv"
    rows = list(csv.reader(io.StringIO(client.get(url).content.decode())))
    assert rows[1][1] == "S3" and rows[1][-4:] == ["none yet", "", "", ""]


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_support_columns_cost_the_same_queries_for_one_student_or_all(
    client, principal, tiered, supported, school_team_member
):
    client.force_login(principal)
    base = f"/d/riverside/attendance/schools/{tiered.pk}/?sort=name"
    _queries(client, base)  # the figures above the list are cached after the first time
    one = _queries(client, base + "&q=Dunn")
    everyone = _queries(client, base)
    # Give every other student support too: still the same count for the page.
    for sis_id in ("S1", "S2", "S6", "S7", "S8"):
        someone = support.student(tiered.district, sis_id)
        support.conversation(someone, staff=school_team_member, held_on=supported)
        support.intervention(someone, owner=school_team_member, tier="I")
    assert one == everyone == _queries(client, base)


def test_a_school_role_sees_no_support_of_another_schools_student(
    client, other_school_principal, tiered, supported, school_b
):
    """Banneker's principal lists Banneker: Adams' students' records stay out of reach, and
    his own list shows none of them."""
    client.force_login(other_school_principal)
    assert _list(client, tiered).status_code == 404
    banneker = client.get(f"/d/riverside/attendance/schools/{school_b.pk}/?contact=some")
    assert _listed(banneker) == []


def test_the_list_of_a_school_a_student_left_says_their_records_moved(
    client, district, principal, district_admin, tiered, supported, tmp_path
):
    """Di Dunn moves to Banneker and her records go with her: Adams' list still counts her,
    but no longer sees her support, so it says so rather than "none yet" or "no contact yet",
    and does not offer her as someone nobody has talked to. The district sees what was done."""
    today = supported
    transfer_to_banneker(district, tmp_path)
    client.force_login(principal)

    response = _list(client, tiered)

    dunn = next(row for row in response.context["rows"] if row["student"].sis_id == "S4")
    assert dunn["transfer"].startswith("Transferred out")
    assert _cells(response, "S4") == dict.fromkeys(
        ("Support", "Last contact", "Next check-in"), MOVED
    )
    assert _cells(response, "S3")["Last contact"] == "no contact yet"
    for query in ("&contact=none", "&intervention=none"):
        assert _listed(_list(client, tiered, query)) == ["S1", "S2", "S3", "S6", "S7", "S8"]
    for query in ("&contact=some", "&intervention=active", "&check_in=overdue"):
        assert "S4" not in _listed(_list(client, tiered, query)), query

    url = f"/d/riverside/attendance/schools/{tiered.pk}/?q=Dunn&format="
    rows = list(csv.reader(io.StringIO(client.get(url + "csv").content.decode())))
    assert rows[1][1] == "S4" and rows[1][-4:] == [MOVED, MOVED, MOVED, ""]
    lines = PdfReader(io.BytesIO(client.get(url + "pdf").content)).pages[0].extract_text()
    lines = lines.splitlines()
    below = lines[next(n for n, line in enumerate(lines) if " S4 " in line) + 1]
    assert " ".join(below.split()) == (
        f"Support: {MOVED} · Last contact: {MOVED} · Next check-in: {MOVED}"
    )

    client.force_login(district_admin)
    response = _list(client, tiered)
    assert _cells(response, "S4") == {
        "Support": "Tier II",
        "Last contact": _day(today - timedelta(days=10)),
        "Next check-in": f"{_day(today - timedelta(days=1))} (overdue)",
    }
    assert "S4" in _listed(_list(client, tiered, "&contact=some"))
