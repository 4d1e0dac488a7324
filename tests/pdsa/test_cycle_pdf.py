"""The cycle's PDF, laid out like the worksheet, read back with pypdf: the staff copy names the
participants (and is in the access record); the partner copy, which partner staff always get,
holds no student's name or ID anywhere. The hand-made school of handmade.py: Cy Cole (S3) and
Di Dunn (S4) in a test over Oct 19-30, attendance to Nov 13 (the Study's figures are worked
out in test_study_results.py)."""

import io
import re
from datetime import date

import pytest
from pypdf import PdfReader

from districts.models import AuditAction, AuditEvent
from districts.tenancy import system_context
from pdsa import services
from pdsa.models import ActDecision, Cycle, CycleStatus, Participant
from tests.reading import reading
from tiering.models import Student

from ..sis import import_file
from ..tiered import ROSTER, write
from .conftest import as_member
from .handmade import TEST_FIRST, TEST_LAST, daily, import_days, two_by_ten

NOV_13 = date(2026, 11, 13)
# Every student of the roster, by name and by ID: none may appear in a partner copy.
ROSTER_STUDENTS = [line.split(",")[:3] for line in ROSTER.splitlines()[1:]]


@pytest.fixture
def studied(district, school_year, school_a, school_b, principal, club_entry, tmp_path):
    """The test run to its Act: a question with its prediction and result, a step with its
    owner, what happened, one session held with Cy, the Study computed, Adapt chosen."""
    import_days(district, tmp_path, date(2026, 10, 16))
    cycle = two_by_ten(district, school_a, principal, partner_entries=[club_entry])
    with as_member(principal):
        services.question_add(
            cycle=cycle,
            text="Does attendance for students who participate improve going forward?",
            prediction="Students who participate in all 10 days improve attendance.",
            data_to_collect="Student attendance prior to 2x10, during 2x10 and after",
        )
        services.step_add(cycle=cycle, text="Use data to identify students", owner="Tess Team")
        services.cycle_update(
            cycle=cycle,
            worksheet=services.WorksheetFields(
                title="2x10 Strategy",
                testers="Attendance Team",
                first_day=TEST_FIRST,
                last_day=TEST_LAST,
                goal="Improve attendance for disconnected students",
                do_text="Initially, the students thought they were in trouble.",
            ),
        )
        services.cycle_advance(cycle=cycle, to=CycleStatus.DO)
        cole = Participant.objects.get(cycle=cycle, student__sis_id="S3")
        services.session_tick(participant=cole, held_on=TEST_FIRST, held=True, ticked_by=principal)
        services.cycle_advance(cycle=cycle, to=CycleStatus.STUDY)
        question = cycle.questions.get()
        services.question_update(
            question=question,
            text=question.text,
            prediction=question.prediction,
            data_to_collect=question.data_to_collect,
            result="Both students missed fewer days after the test.",
        )
        services.cycle_decide(
            cycle=cycle,
            decision=ActDecision.ADAPT,
            act_text="Develop criteria to prioritize students selected to participate",
        )
    import_file(district, write(tmp_path, "to-nov-13.csv", daily(NOV_13)), as_of=NOV_13)
    with system_context(district, reason="test"):
        services.cycle_study_refresh(cycle=Cycle.objects.get(pk=cycle.pk))
    return cycle


def _text(response) -> str:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def _url(cycle, query=""):
    return f"/d/riverside/pdsa/{cycle.pk}/cycle.pdf{query}"


def _exports():
    with reading():
        return list(AuditEvent.objects.filter(action=AuditAction.EXPORT))


WORKSHEET = [
    # The header, then Plan, Do, Study and Act in the worksheet's order.
    "Plan → Do → Study → Act (PDSA): 2x10 Strategy, cycle 1",
    "Testers Attendance Team",
    "Test Title 2x10 Strategy",
    "Cycle # 1",
    "Date of test Oct 19, 2026 – Oct 30, 2026",
    "What is the overall goal of this test? Improve attendance for disconnected students",
    "Q1 - Does attendance for students who participate improve going forward?",
    "Details: What are the steps in the test? Who will implement it?",
    "Use data to identify students (Tess Team)",
    "Students who participate in all 10 days improve attendance.",
    "Initially, the students thought they were in trouble.",
    "Each question's result beside its prediction",
    "Both students missed fewer days after the test.",
    # The computed Study: its windows, the run chart, the results table, the four questions.
    "in progress, 10 of 20 days",
    "Participants' attendance rate by week",
    "+32.5 points",
    "too few students to tell an effect from chance",
    "How much did we do? 2 students reached; 1 of 20 planned sessions held.",
    "What was the impact on the school as a whole?",
    "☒ Adapt (tweak the process and try again) (chosen)",
    "☐ Abandon (go to a new change idea)",
    "Develop criteria to prioritize students selected to participate",
]


def _in_order(text: str, expected: list[str]) -> None:
    at = 0
    for part in expected:
        found = text.find(part, at)
        assert found >= 0, f"{part!r} missing (or out of order) in: {text[at:]}"
        at = found + len(part)


def test_the_staff_copy_follows_the_worksheet_and_names_the_participants(
    client, principal, studied
):
    client.force_login(principal)
    response = client.get(_url(studied))
    assert response["Content-Disposition"] == (
        'attachment; filename="pdsa-2x10-Strategy-cycle-1.pdf"'
    )
    text = _text(response)
    _in_order(text, WORKSHEET[:11])
    _in_order(text, WORKSHEET[11:])
    # The participants and their sessions come under Do, before the Study.
    _in_order(
        text,
        ["Participants and the 2x10 grid", "Cole, Cy S3", "1 10 No", "Dunn, Di S4", "0 10 No"],
    )
    assert text.index("Dunn, Di") < text.index("Each question's result beside its prediction")
    # The run chart is drawn in the PDF: its axis labels are text in the document.
    assert re.search(r"\b100%", text)
    (event,) = _exports()
    with reading():
        ids = set(Student.objects.filter(sis_id__in=["S3", "S4"]).values_list("pk", flat=True))
    assert set(event.object_ids) == ids and event.row_count == 2
    assert event.purpose == (
        "Participants of the PDSA cycle 2x10 Strategy, cycle 1 (the worksheet's PDF)"
    )


def _no_student_in(text: str) -> None:
    for sis_id, first, last in ROSTER_STUDENTS:
        assert not re.search(rf"\b{sis_id}\b", text), sis_id
        assert last not in text, last
        assert f"{first} " not in text, first


@pytest.mark.parametrize("reader", ["pia", "principal"])
def test_the_partner_copy_has_the_worksheet_and_results_and_no_student(
    client, studied, reader, request
):
    """Partner staff reading a cycle naming their organisation get it whatever they ask for;
    staff download it with ?copy=partner to share. Nothing of a student is read: no record."""
    client.force_login(request.getfixturevalue(reader))
    response = client.get(_url(studied, "?copy=partner" if reader == "principal" else ""))
    assert response["Content-Disposition"] == (
        'attachment; filename="pdsa-2x10-Strategy-cycle-1-partner-copy.pdf"'
    )
    text = _text(response)
    _in_order(text, WORKSHEET[:11])
    _in_order(text, WORKSHEET[11:])
    assert "Participants and the 2x10 grid" not in text
    assert "Partner copy: the worksheet and group results" in text
    _no_student_in(text)
    assert _exports() == []


def test_partner_staff_asking_for_the_staff_copy_get_the_partner_copy(client, pia, studied):
    client.force_login(pia)
    _no_student_in(_text(client.get(_url(studied, "?copy=staff"))))


def test_another_school_gets_404_and_the_worksheet_page_links_both_copies(
    client, principal, other_school_principal, pia, studied
):
    client.force_login(other_school_principal)
    assert client.get(_url(studied)).status_code == 404
    client.force_login(principal)
    page = client.get(f"/d/riverside/pdsa/{studied.pk}/").content.decode()
    assert f'href="{_url(studied)}" download>PDF (names the participants)</a>' in page
    assert f'href="{_url(studied, "?copy=partner")}" download>partner copy' in page
    client.force_login(pia)
    page = client.get(f"/d/riverside/pdsa/{studied.pk}/").content.decode()
    assert f'href="{_url(studied)}" download>PDF</a>' in page
    assert "?copy=partner" not in page
