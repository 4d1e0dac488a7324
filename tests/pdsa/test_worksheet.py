"""The worksheet's services: the 2x10 template copied word for word, predictions required
before the test starts, Plan → Do → Study → Act, the Act decision and the ramp's next cycle."""

import re
from datetime import date
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from partners.models import AbsenceReason, Intervention
from pdsa import services
from pdsa.models import ActDecision, Cycle, CycleStatus
from tests.reading import reading

from .conftest import as_member

SOURCE = Path(__file__).parents[1] / "source_documents" / "pdsa_2x10.txt"


def _flat(text: str) -> str:
    """The passage's words without its layout (italics, bold, line breaks)."""
    return re.sub(r"\s+", " ", re.sub(r"</?b>|\*", "", text)).strip()


def _worksheet(cycle):
    with reading():
        cycle = Cycle.objects.get(pk=cycle.pk)
        questions = list(cycle.questions.values_list("text", "prediction", "data_to_collect"))
        steps = list(cycle.steps.values_list("text", "owner"))
    return cycle, questions, steps


def test_it_copies_the_2x10_template_word_for_word(adams_cycle):
    source = _flat(SOURCE.read_text())
    cycle, questions, steps = _worksheet(adams_cycle)
    assert (cycle.testers, cycle.title, cycle.number) == ("Attendance Team", "2x10 Strategy", 1)
    assert cycle.planned_days == 10
    for text in (cycle.idea, cycle.test_notes, cycle.goal, cycle.driver):
        assert text and _flat(text) in source, text
    assert len(questions) == 5 and len(steps) == 5
    for number, (text, prediction, data) in enumerate(questions, start=1):
        assert f"Q{number} - {text}" in source
        assert re.search(rf"Q{number} [-–] (Prediction - )?{re.escape(prediction)}", source)
        assert data == "" or data in source
    assert questions[0][1] == "All Attendance Team members (8) are willing to participate"
    assert questions[2][2] == (
        "Student attendance prior to 2x10, during 2x10, in the two weeks following the 2x10, "
        "and one month following the 2X10"
    )
    for number, (text, _owner) in enumerate(steps, start=1):
        assert f"{number}. {text}" in source


def test_it_refuses_do_until_every_question_has_a_prediction(adams_cycle, principal):
    with as_member(principal):
        questions = list(adams_cycle.questions.order_by("position"))
        for question in (questions[1], questions[3]):
            services.question_update(
                question=question,
                text=question.text,
                prediction="  ",
                data_to_collect=question.data_to_collect,
                result="",
            )
        with pytest.raises(ValidationError) as refused:
            services.cycle_advance(cycle=adams_cycle, to=CycleStatus.DO)
        assert refused.value.messages == [
            "Make a prediction for each question before the test starts (not optional): "
            "Q2, Q4 have none yet."
        ]
        services.question_update(
            question=questions[1],
            text=questions[1].text,
            prediction="5 students",
            data_to_collect="",
            result="",
        )
        with pytest.raises(ValidationError, match="Q4 has none yet"):
            services.cycle_advance(cycle=adams_cycle, to=CycleStatus.DO)
        services.question_remove(question=questions[3])
        services.cycle_advance(cycle=adams_cycle, to=CycleStatus.DO)
        labels = [q.label for q in adams_cycle.questions.order_by("position")]
    assert labels == ["Q1", "Q2", "Q3", "Q4"]
    assert _worksheet(adams_cycle)[0].status == CycleStatus.DO


def test_a_blank_worksheet_needs_a_question_before_do(tiered, principal, district):
    with as_member(principal):
        cycle = services.cycle_create(
            district=district, created_by=principal, schools=[tiered], title="Morning greeters"
        )
        with pytest.raises(ValidationError, match="at least one learning question"):
            services.cycle_advance(cycle=cycle, to=CycleStatus.DO)
        services.question_add(cycle=cycle, text="Do greeted students come more often?")
        with pytest.raises(ValidationError, match="Q1 has none yet"):
            services.cycle_advance(cycle=cycle, to=CycleStatus.DO)


def test_it_moves_one_step_at_a_time_and_decides_in_act(adams_cycle, principal):
    with as_member(principal):
        with pytest.raises(ValidationError, match="from Plan to Do, not to Study"):
            services.cycle_advance(cycle=adams_cycle, to=CycleStatus.STUDY)
        services.cycle_advance(cycle=adams_cycle, to=CycleStatus.DO)
        with pytest.raises(ValidationError, match="Study the test before deciding"):
            services.cycle_decide(cycle=adams_cycle, decision=ActDecision.ADAPT, act_text="")
        services.cycle_advance(cycle=adams_cycle, to=CycleStatus.STUDY)
        services.cycle_decide(
            cycle=adams_cycle,
            decision=ActDecision.ADAPT,
            act_text="Develop criteria to prioritize students selected to participate",
        )
    cycle = _worksheet(adams_cycle)[0]
    assert cycle.status == CycleStatus.ACT
    assert cycle.get_act_decision_display() == "Adapt (tweak the process and try again)"


def _to_act(cycle, decision):
    services.cycle_advance(cycle=cycle, to=CycleStatus.DO)
    services.cycle_advance(cycle=cycle, to=CycleStatus.STUDY)
    services.cycle_decide(cycle=cycle, decision=decision, act_text="Try again with new students")


def test_the_next_cycle_copies_the_worksheet_into_the_same_ramp(adams_cycle, principal, club_entry):
    with as_member(principal):
        reason = AbsenceReason.objects.get(code="lack-connectedness")
        intervention = Intervention.objects.get(code="assign-a-peer-group-mentor")
        services.cycle_links_set(
            cycle=adams_cycle,
            schools=adams_cycle.schools.all(),
            reasons=[reason],
            interventions=[intervention],
            partner_entries=[club_entry],
        )
        worksheet = services.WorksheetFields(
            **{name: getattr(adams_cycle, name) for name in services.WORKSHEET_FIELDS}
        )
        worksheet.first_day, worksheet.last_day = date(2026, 10, 5), date(2026, 10, 16)
        worksheet.do_text = "Of the 8 students, 6 actually showed up all ten consecutive days."
        services.cycle_update(cycle=adams_cycle, worksheet=worksheet)
        with pytest.raises(ValidationError, match="Decide what to do next"):
            services.cycle_next(cycle=adams_cycle, created_by=principal)
        _to_act(adams_cycle, ActDecision.ADAPT)
        following = services.cycle_next(cycle=adams_cycle, created_by=principal)
        with pytest.raises(ValidationError, match="Cycle 2 already follows"):
            services.cycle_next(cycle=adams_cycle, created_by=principal)
    first, first_questions, first_steps = _worksheet(adams_cycle)
    second, questions, steps = _worksheet(following)
    assert (second.change_idea_id, second.number, second.previous_id) == (
        first.change_idea_id,
        2,
        first.pk,
    )
    assert (questions, steps) == (first_questions, first_steps)
    for name in ("testers", "title", "idea", "planned_days", "test_notes", "goal", "driver"):
        assert getattr(second, name) == getattr(first, name), name
    # The plan carries over; the dates, what happened and the decision belong to cycle 1.
    assert (second.first_day, second.do_text, second.act_decision) == (None, "", "")
    assert second.status == CycleStatus.PLAN
    with reading():
        assert list(second.reasons.all()) == [reason]
        assert list(second.interventions.all()) == [intervention]
        assert list(second.partner_entries.all()) == [club_entry]
        assert list(second.schools.values_list("sis_code", flat=True)) == ["101"]


def test_an_abandoned_idea_has_no_next_cycle(adams_cycle, principal):
    with as_member(principal):
        _to_act(adams_cycle, ActDecision.ABANDON)
        with pytest.raises(ValidationError, match="start a new change idea"):
            services.cycle_next(cycle=adams_cycle, created_by=principal)


def test_a_school_role_runs_only_its_own_schools_cycles(
    adams_cycle, banneker_cycle, other_school_principal, partner_staff, district, tiered
):
    with as_member(other_school_principal):
        with pytest.raises(PermissionDenied):
            services.step_add(cycle=adams_cycle, text="Planted step")
        with pytest.raises(ValidationError, match="one or more of your schools"):
            services.cycle_create(
                district=district, created_by=other_school_principal, schools=[tiered], title="X"
            )
        with pytest.raises(ValidationError, match="one or more of your schools"):
            services.cycle_create(
                district=district, created_by=other_school_principal, schools=[], title="X"
            )
    with as_member(partner_staff), pytest.raises(PermissionDenied):
        services.question_add(cycle=banneker_cycle, text="Partner staff read, and do not run")


@pytest.mark.parametrize("runner", ["district_admin", "cabinet_member"])
def test_district_administrators_and_the_cabinet_run_district_wide_cycles(
    runner, request, district, banneker_cycle
):
    user = request.getfixturevalue(runner)
    with as_member(user):
        cycle = services.cycle_create(
            district=district, created_by=user, schools=[], title="Attendance nudges"
        )
        step = services.step_add(cycle=cycle, text="Mail the letters", owner="District office")
        services.question_add(cycle=banneker_cycle, text="What do families say?")
    assert (step.position, step.owner) == (1, "District office")
