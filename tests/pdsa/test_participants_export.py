"""The participants of a cycle as a spreadsheet: staff who read participants only, in the access
record, and a name that would run as a formula kept as text. The Adams cycle holds Cy Cole (S3)
and Fay Ford (S6), both Moderate chronic when added (tests/pdsa/conftest.py)."""

import io
from datetime import date

from openpyxl import load_workbook

from districts.models import AuditAction, AuditEvent
from pdsa import services
from pdsa.models import Participant, ParticipantSession
from pdsa.views import PARTICIPANTS_HEADER
from tests.reading import reading
from tiering.models import Student

from .conftest import as_member


def _url(cycle):
    return f"/d/riverside/pdsa/{cycle.pk}/participants/?format=xlsx"


def _sheet(response):
    workbook = load_workbook(io.BytesIO(response.content))
    return [list(row) for row in workbook["Participants"].iter_rows(values_only=True)]


def test_a_principal_downloads_the_participants(client, principal, with_participants):
    cycle = with_participants
    # Fay Ford's plan is one session, and it was held (ticked directly: the cycle is in Plan).
    with reading():
        ford = Participant.objects.get(cycle=cycle, student__sis_id="S6")
        ParticipantSession.objects.create(
            district=cycle.district,
            participant=ford,
            student_id=ford.student_id,
            held_on=date(2026, 10, 5),
            ticked_by=principal,
        )
    with as_member(principal):
        services.participant_plan(participant=ford, planned_sessions=1)
    client.force_login(principal)

    response = client.get(_url(cycle))

    assert response["Content-Disposition"] == (
        'attachment; filename="pdsa-participants-2x10-Strategy-cycle-1.xlsx"'
    )
    rows = _sheet(response)
    assert rows[0] == PARTICIPANTS_HEADER
    moderate = "Moderate Chronic Absence"
    assert [row[:8] for row in rows[1:]] == [
        ["Cole, Cy", "S3", "Adams Elementary School", moderate, moderate, 10, 0, "No"],
        ["Ford, Fay", "S6", "Adams Elementary School", moderate, moderate, 1, 1, "Yes"],
    ]
    assert {row[9] for row in rows[1:]} == {"Pat Principal"}
    with reading():
        event = AuditEvent.objects.get(action=AuditAction.EXPORT)
        ids = set(Student.objects.filter(sis_id__in=["S3", "S6"]).values_list("pk", flat=True))
    assert set(event.object_ids) == ids and event.row_count == 2
    assert event.purpose == "Participants of the PDSA cycle 2x10 Strategy, cycle 1 (XLSX)"


def test_a_name_that_would_run_as_a_formula_stays_text(client, cabinet_member, with_participants):
    with reading():
        Student.objects.filter(sis_id="S3").update(last_name="=HYPERLINK(1)")
    client.force_login(cabinet_member)

    rows = _sheet(client.get(_url(with_participants)))

    assert rows[1][0] == "'=HYPERLINK(1), Cy"


def test_partner_staff_get_no_participants(client, pia, with_participants):
    client.force_login(pia)

    assert client.get(_url(with_participants)).status_code == 403
    with reading():
        assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()
