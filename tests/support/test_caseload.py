"""My students: a staff member's caseload — the students whose planned or active interventions
they own or whose check-ins are theirs — overdue first, then due this week, then later; with
the band, the next check-in and the interventions; downloadable, in the access record, and
limited to the member's schools. On the hand-made school of tests/tiered.py (Adams)."""

import csv
import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from districts.models import AuditAction, AuditEvent
from support.models import InterventionStatus
from tests.reading import reading

from . import factories as support

URL = "/d/riverside/support/my-students/"


@pytest.fixture
def caseload(tiered, school_team_member, principal):
    """Tess's caseload, in the order she should see it:

    - overdue: Egan (S5) 5 days ago, then Dunn (S4) yesterday;
    - this week: Cole (S3) in 2 days (Pat's intervention, Tess's check-in);
    - later: Ford (S6) in 3 weeks, Ames (S1) with no check-in set (a planned intervention).

    Not hers: Boyd (S2, Pat's intervention and check-in), Gray (S7, her intervention is
    completed), Hunt (S8, her intervention was stopped)."""
    today = tiered.district.today()
    tess, pat = school_team_member, principal
    students = {
        s: support.student(tiered.district, s)
        for s in ("S1", "S2", "S3", "S4", "S5", "S6", "S7", "S8")
    }
    for sis_id, days, by in (
        ("S5", -5, tess),
        ("S4", -1, tess),
        ("S3", 2, tess),
        ("S6", 21, tess),
        ("S2", 1, pat),
    ):
        support.plan(
            students[sis_id],
            updated_by=tess,
            next_check_in=today + timedelta(days=days),
            check_in_by=by,
        )
    support.intervention(students["S4"], owner=tess, tier="II")
    support.intervention(students["S5"], owner=tess, tier="III")
    support.intervention(students["S3"], owner=pat, tier="II")
    support.intervention(students["S1"], owner=tess, tier="I", status=InterventionStatus.PLANNED)
    support.intervention(students["S2"], owner=pat, tier="I")
    support.intervention(students["S7"], owner=tess, tier="I", status=InterventionStatus.COMPLETED)
    support.intervention(students["S8"], owner=tess, tier="I", status=InterventionStatus.STOPPED)
    return today


def _order(response) -> list[tuple[str, str]]:
    return [
        (key, row.student.sis_id) for key, _, rows in response.context["groups"] for row in rows
    ]


def test_a_team_member_sees_their_students_due_first(client, school_team_member, caseload):
    client.force_login(school_team_member)

    response = client.get(URL)

    assert _order(response) == [
        ("overdue", "S5"),
        ("overdue", "S4"),
        ("this_week", "S3"),
        ("later", "S6"),
        ("later", "S1"),
    ]
    page = response.content.decode()
    assert '<h2 id="due-overdue">Check-in overdue (2)</h2>' in page
    assert '<h2 id="due-this_week">Due this week (1)</h2>' in page
    assert "Egan, Ed" in page and "Boyd, Ben" not in page
    rows = {r.student.sis_id: r for r in response.context["rows"]}
    assert rows["S5"].band.label == "Extreme Chronic Absence"
    assert rows["S4"].band.label == "Severe Chronic Absence"
    # Cole's check-in is Tess's, the intervention Pat's: both say whose they are.
    assert rows["S3"].checks_in
    assert rows["S3"].interventions[0].endswith("(active, owner Pat Principal)")
    assert rows["S1"].interventions[0].endswith("(planned, yours)")
    assert rows["S1"].check_in_text == "none set"


def test_the_principal_has_a_caseload_of_their_own(client, principal, caseload):
    client.force_login(principal)
    # Cole's check-in is Tess's but his intervention Pat's: the student is due for both.
    assert _order(client.get(URL)) == [("this_week", "S2"), ("this_week", "S3")]


def test_the_caseload_downloads_and_is_in_the_access_record(
    client, school_team_member, caseload, district
):
    today = caseload
    client.force_login(school_team_member)

    rows = list(csv.reader(io.StringIO(client.get(URL + "?format=csv").content.decode())))

    assert rows[0][:2] == ["Student", "Student ID"] and rows[0][-1] == "Interventions"
    assert [r[1] for r in rows[1:]] == ["S5", "S4", "S3", "S6", "S1"]
    egan = rows[1]
    assert egan[:7] == [
        "Egan, Ed",
        "S5",
        "Adams Elementary School",
        "Extreme Chronic Absence",
        (today - timedelta(days=5)).isoformat(),
        "Check-in overdue",
        "Yes",
    ]
    assert egan[7].startswith("Tier III: ") and egan[7].endswith("(active, yours)")
    sheet = load_workbook(io.BytesIO(client.get(URL + "?format=xlsx").content)).active
    assert [r[1] for r in sheet.iter_rows(min_row=2, values_only=True)] == [
        "S5",
        "S4",
        "S3",
        "S6",
        "S1",
    ]
    with reading(district):
        events = list(AuditEvent.objects.filter(purpose__startswith="My students").order_by("at"))
    assert [e.action for e in events] == [AuditAction.EXPORT, AuditAction.EXPORT]
    assert events[0].row_count == 5 and events[0].purpose.endswith("(CSV)")
    client.get(URL)
    with reading(district):
        assert AuditEvent.objects.filter(
            purpose="My students: interventions and check-ins", action=AuditAction.VIEW
        ).exists()


def test_a_student_who_moves_to_another_school_leaves_the_school_roles_caseload(
    client, school_team_member, district_admin, caseload, tiered, school_b
):
    """Records follow the student: at Banneker now, Egan is no longer Adams' to follow."""
    egan = support.student(tiered.district, "S5")
    with reading(tiered.district):
        type(egan).objects.filter(pk=egan.pk).update(school=school_b)
    client.force_login(school_team_member)
    assert "S5" not in [sis for _, sis in _order(client.get(URL))]


def test_an_empty_caseload_says_how_students_get_there(client, district_admin, tiered):
    client.force_login(district_admin)
    response = client.get(URL)
    assert response.status_code == 200
    assert "No student is yours yet." in response.content.decode()


@pytest.mark.parametrize("persona", ["cabinet_member", "partner_staff"])
def test_roles_with_no_caseload_are_refused(client, request, tiered, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 403


def test_a_facilitator_and_an_outsider_find_nothing(client, facilitator, outsider, tiered):
    for person in (facilitator, outsider):
        client.force_login(person)
        assert client.get(URL).status_code == 404
