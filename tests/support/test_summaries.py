"""The support summaries: students with a recorded reason by reason and band, students with an
active intervention by tier and band, and the Severe and Extreme chronic students with no
Caring Conversation in the last 30 days — per school for principals, across the schools for
district roles — each downloadable. On tests/tiered.py's district, where:

- Di Dunn (S4, Severe, Adams): talked with 40 days ago (housing and food insecurity,
  transportation barriers); an active Tier II intervention;
- Ed Egan (S5, Extreme, Adams): talked with 5 days ago (housing and food insecurity); active
  Tier II and Tier III interventions;
- Cy Cole (S3, Moderate, Adams): talked with 2 days ago (lose track of absences); a planned
  Tier I intervention (not active);
- Ivy Ives (S9, Severe, Banneker): never contacted; an active Tier II intervention.
"""

import csv
import io
from datetime import timedelta

import pytest

from districts.models import AuditAction, AuditEvent
from support.models import InterventionStatus
from tests.reading import reading

from . import factories as support

DISTRICT_URL = "/d/riverside/support/summary/"


@pytest.fixture
def recorded(tiered, school_b, school_team_member, district_admin):
    today = tiered.district.today()
    dunn, egan, cole, ives = (support.student(tiered.district, s) for s in ("S4", "S5", "S3", "S9"))
    tess = school_team_member
    support.conversation(
        dunn,
        staff=tess,
        held_on=today - timedelta(days=40),
        reasons=["housing-food-insecurity", "transportation-barriers"],
    )
    support.conversation(
        egan, staff=tess, held_on=today - timedelta(days=5), reasons=["housing-food-insecurity"]
    )
    support.conversation(
        cole, staff=tess, held_on=today - timedelta(days=2), reasons=["lose-track"]
    )
    support.intervention(dunn, owner=tess, tier="II")
    support.intervention(egan, owner=tess, tier="II")
    support.intervention(egan, owner=tess, tier="III")
    support.intervention(cole, owner=tess, tier="I", status=InterventionStatus.PLANNED)
    support.intervention(ives, owner=district_admin, tier="II")
    return today


def _school_url(school) -> str:
    return f"/d/riverside/support/summary/schools/{school.pk}/"


def _counts(rows) -> dict[str, dict[str, int]]:
    return {row.label: {b.value: n for b, n in row.cells() if n} for row in rows}


def test_a_principal_sees_their_schools_summary(client, principal, tiered, recorded):
    client.force_login(principal)

    response = client.get(DISTRICT_URL, follow=True)

    assert response.redirect_chain[-1][0] == _school_url(tiered)
    context = response.context
    # Reasons by root cause, in the taxonomy's order.
    assert [family for family, _ in context["reasons"]] == ["Barriers", "Misconceptions"]
    assert _counts(context["reasons"][1][1]) == {
        "Lose track and underestimate total absences": {"moderate_chronic": 1}
    }
    barriers = _counts(context["reasons"][0][1])
    assert barriers["Housing and food insecurity"] == {"severe_chronic": 1, "extreme_chronic": 1}
    assert barriers["Transportation Barriers"] == {"severe_chronic": 1}
    # Active interventions only: Cole's planned Tier I is not counted.
    assert _counts(context["tiers"]) == {
        "Tier II": {"severe_chronic": 1, "extreme_chronic": 1},
        "Tier III": {"extreme_chronic": 1},
    }
    # Egan was talked with 5 days ago; Dunn 40 days ago; Ives is Banneker's.
    assert [(r.student.sis_id, r.last_contact) for r in context["no_contact"]] == [
        ("S4", recorded - timedelta(days=40))
    ]
    page = response.content.decode()
    assert "Severe and Extreme chronic students with no contact in the last 30 days (1)" in page
    assert "Ives" not in page


def test_district_roles_see_every_school(client, cabinet_member, tiered, recorded):
    client.force_login(cabinet_member)

    response = client.get(DISTRICT_URL)

    context = response.context
    assert context["school"] is None
    assert _counts(context["tiers"]) == {
        "Tier II": {"severe_chronic": 2, "extreme_chronic": 1},
        "Tier III": {"extreme_chronic": 1},
    }
    # Never contacted first, then the longest since contact, with their schools.
    assert [
        (r.student.sis_id, r.school.name, r.last_contact_text) for r in context["no_contact"]
    ] == [
        ("S9", "Banneker Elementary School", "no contact yet"),
        ("S4", "Adams Elementary School", support_day(recorded - timedelta(days=40))),
    ]
    # A district role opens one school's summary too.
    adams = client.get(_school_url(tiered)).context
    assert [r.student.sis_id for r in adams["no_contact"]] == ["S4"]


def support_day(day) -> str:
    return f"{day:%b} {day.day}, {day.year}"


def test_the_summaries_download(client, district_admin, tiered, recorded, district):
    client.force_login(district_admin)

    def rows(table):
        response = client.get(f"{DISTRICT_URL}?export={table}&format=csv")
        return list(csv.reader(io.StringIO(response.content.decode())))

    reasons = rows("reasons")
    assert reasons[0][:3] == ["Root cause", "Reason for absence", "Satisfactory Attendance"]
    assert reasons[0][-1] == "Students"
    housing = next(r for r in reasons if r[1] == "Housing and food insecurity")
    assert housing[0] == "Barriers" and housing[-1] == "2"
    assert rows("tiers")[1:] == [
        ["Tier II", "0", "0", "0", "2", "1", "0", "3"],
        ["Tier III", "0", "0", "0", "0", "1", "0", "1"],
    ]
    assert rows("no_contact")[1:] == [
        [
            "Ives, Ivy",
            "S9",
            "Banneker Elementary School",
            "Severe Chronic Absence",
            "no contact yet",
        ],
        [
            "Dunn, Di",
            "S4",
            "Adams Elementary School",
            "Severe Chronic Absence",
            (recorded - timedelta(days=40)).isoformat(),
        ],
    ]
    with reading(district):
        listed = AuditEvent.objects.get(purpose__endswith="no_contact (CSV)")
        counted = AuditEvent.objects.get(purpose__endswith="tiers (CSV)")
    assert listed.action == AuditAction.EXPORT and listed.row_count == 2
    assert len(listed.object_ids) == 2
    assert counted.object_ids == [] and counted.row_count == 4


def test_the_page_of_students_not_contacted_is_in_the_access_record(
    client, principal, tiered, recorded, district
):
    client.force_login(principal)
    client.get(_school_url(tiered))
    with reading(district):
        event = AuditEvent.objects.get(purpose__startswith="Support summary of Adams")
    assert event.action == AuditAction.VIEW and event.row_count == 1


def test_a_principal_cannot_open_another_schools_summary(
    client, other_school_principal, tiered, recorded, school_b
):
    client.force_login(other_school_principal)
    assert client.get(_school_url(tiered)).status_code == 404
    assert client.get(_school_url(tiered) + "?export=no_contact&format=csv").status_code == 404
    own = client.get(DISTRICT_URL, follow=True)
    assert own.redirect_chain[-1][0] == _school_url(school_b)
    assert [r.student.sis_id for r in own.context["no_contact"]] == ["S9"]
    assert "Dunn" not in own.content.decode()


def test_partner_staff_and_facilitators_see_no_summary(
    client, partner_staff, facilitator, tiered, recorded
):
    client.force_login(partner_staff)
    assert client.get(DISTRICT_URL).status_code == 403
    assert client.get(_school_url(tiered)).status_code == 403
    client.force_login(facilitator)
    assert client.get(DISTRICT_URL).status_code == 404


def test_a_district_with_no_support_yet_says_so(client, principal, tiered):
    client.force_login(principal)
    page = client.get(_school_url(tiered)).content.decode()
    assert "No reason for absence has been recorded yet for a student of Adams" in page
    assert "No intervention is active yet" in page
    # Dunn (Severe) and Egan (Extreme) have not been contacted.
    assert "no contact in the last 30 days (2)" in page
