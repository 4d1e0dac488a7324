"""A cycle naming Adams and Banneker is run by those whose schools both are (district
administrators, the cabinet, Tom of the team at both) and by neither school's principal: a
school role runs only the cycles naming no school but its own. Its walls show it only its own
schools' rows of the schools a cycle names, so the database tells it which cycles name others
(pdsa migration 0009), on every way of running one: the services, the pages, the tiered list's
"Add to a PDSA cycle" and the API."""

import re

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pdsa import services
from pdsa.models import Cycle, CycleStatus, Participant
from tests.api.tokens import personal_token, token_client
from tests.reading import reading
from tiering.models import Student

from .conftest import as_member
from .test_list_action import _add, _add_url, _ids, _list_url, _participants


@pytest.fixture
def adams_cycle_with_cole(adams_cycle, principal):
    with as_member(principal):
        services.participants_add(
            cycle=adams_cycle, students=Student.objects.filter(sis_id="S3"), added_by=principal
        )
    return adams_cycle


# What running a cycle is, through each service that asks whether the user runs it.
def _edit_the_worksheet(cycle, user):
    services.cycle_update(cycle=cycle, worksheet=services.WorksheetFields(title="Revised"))


def _set_its_links(cycle, user):
    services.cycle_links_set(cycle=cycle, schools=cycle.schools.all())


def _add_a_question(cycle, user):
    services.question_add(cycle=cycle, text="Do mentors meet weekly?", prediction="Most do")


def _change_a_step(cycle, user):
    step = cycle.steps.order_by("position").first()
    services.step_update(step=step, text=step.text, owner="The mentors")


def _start_the_test(cycle, user):
    services.cycle_advance(cycle=cycle, to=CycleStatus.DO)


def _add_a_student(cycle, user):
    services.participants_add(
        cycle=cycle, students=Student.objects.filter(sis_id="S4"), added_by=user
    )


def _plan_sessions(cycle, user):
    cole = Participant.objects.get(cycle=cycle, student__sis_id="S3")
    services.participant_plan(participant=cole, planned_sessions=12)


def _remove_a_participant(cycle, user):
    services.participant_remove(
        participant=Participant.objects.get(cycle=cycle, student__sis_id="S3")
    )


def _refresh_the_study(cycle, user):
    services.cycle_study_refresh(cycle=cycle)


# In an order each can follow the one before (sessions are planned before Cole is removed).
RUN_ACTIONS = [
    _edit_the_worksheet,
    _set_its_links,
    _add_a_question,
    _change_a_step,
    _start_the_test,
    _add_a_student,
    _plan_sessions,
    _remove_a_participant,
    _refresh_the_study,
]


@pytest.mark.parametrize("action", RUN_ACTIONS, ids=lambda action: action.__name__.lstrip("_"))
def test_a_principal_runs_their_schools_cycle_and_not_one_naming_another_school(
    action, principal, shared_cycle, adams_cycle_with_cole
):
    with as_member(principal):
        with pytest.raises(PermissionDenied, match="Your role does not run this cycle"):
            action(shared_cycle, principal)
        action(adams_cycle_with_cole, principal)


@pytest.mark.parametrize("runner", ["district_admin", "cabinet_member", "two_school_team_member"])
def test_those_whose_schools_it_names_all_run_a_cycle_at_two_schools(runner, request, shared_cycle):
    user = request.getfixturevalue(runner)
    with as_member(user):
        for action in RUN_ACTIONS:
            action(shared_cycle, user)
        cycle = Cycle.objects.get(pk=shared_cycle.pk)
    assert (cycle.title, cycle.status, cycle.reached) == ("Revised", CycleStatus.DO, 1)


def _cycle_url(cycle, page=""):
    return f"/d/riverside/pdsa/{cycle.pk}/{page}"


def _offered(cycle):
    """The cycle among those the tiered list offers to add students to."""
    return f'<option value="{cycle.pk}">{cycle} (Plan)</option>'


def test_a_principals_pages_offer_no_run_of_a_cycle_naming_another_school(
    client, tiered, principal, shared_cycle, adams_cycle
):
    client.force_login(principal)
    worksheet = client.get(_cycle_url(shared_cycle))
    assert worksheet.status_code == 200
    assert "Edit the worksheet" not in worksheet.content.decode()
    assert "Move to Do" not in worksheet.content.decode()
    # It says why, without naming the other school.
    shown = " ".join(worksheet.content.decode().split())
    named = re.search(r"<dt>Schools</dt><dd>(.*?)</dd>", shown).group(1)
    assert named == f"{tiered.name}; and other schools of the district"
    assert "also tests the change at schools other than yours" in shown
    adams_only = " ".join(client.get(_cycle_url(adams_cycle)).content.decode().split())
    assert "other schools" not in adams_only
    assert "Edit the worksheet" in client.get(_cycle_url(adams_cycle)).content.decode()
    assert client.post(_cycle_url(shared_cycle, "questions/"), {"text": "X"}).status_code == 403
    participants = client.get(_cycle_url(shared_cycle, "participants/")).content.decode()
    assert "Cole, Cy" in participants and "Add students" not in participants
    # The tiered list offers Adams' own cycle only, and refuses the shared one if asked.
    listed = client.get(_list_url(tiered)).content.decode()
    assert _offered(adams_cycle) in listed and _offered(shared_cycle) not in listed
    assert _add(client, tiered, shared_cycle, "S4").status_code == 404
    assert _participants(shared_cycle) == ["S3"]


@pytest.mark.parametrize("runner", ["district_admin", "cabinet_member", "two_school_team_member"])
def test_the_tiered_list_adds_to_a_cycle_at_two_schools_for_those_who_run_it(
    runner, request, client, tiered, shared_cycle
):
    client.force_login(request.getfixturevalue(runner))
    assert _offered(shared_cycle) in client.get(_list_url(tiered)).content.decode()
    response = client.post(_add_url(tiered), {"cycle": shared_cycle.pk, "student": _ids("S4")})
    assert response.status_code == 302
    assert _participants(shared_cycle) == ["S3", "S4"]


def test_the_api_runs_a_cycle_at_two_schools_for_the_team_at_both_only(
    district, principal, two_school_team_member, shared_cycle
):
    advance = f"/api/v1/districts/riverside/pdsa-cycles/{shared_cycle.pk}/advance/"
    pat = token_client(personal_token(principal, district))
    assert pat.post(advance, {"to": "do"}, content_type="application/json").status_code == 403
    with reading():
        assert Cycle.objects.get(pk=shared_cycle.pk).status == CycleStatus.PLAN
    tom = token_client(personal_token(two_school_team_member, district))
    started = tom.post(advance, {"to": "do"}, content_type="application/json")
    assert started.status_code == 200 and started.json()["status"] == "do"


def test_the_team_at_both_schools_reads_both_and_runs_the_cycle(
    client, tiered, school_b, two_school_team_member, shared_cycle
):
    client.force_login(two_school_team_member)
    shown = " ".join(client.get(_cycle_url(shared_cycle)).content.decode().split())
    named = re.search(r"<dt>Schools</dt><dd>(.*?)</dd>", shown).group(1)
    assert set(named.split("; ")) == {tiered.name, school_b.name}
    assert "Edit the worksheet" in shown and "other schools" not in shown


API_CYCLES = "/api/v1/districts/riverside/pdsa-cycles/"


def _api_cycles(api) -> dict[int, dict]:
    """The cycles the API lists, and each by its own operation, by id."""
    listed = {cycle["id"]: cycle for cycle in api.get(API_CYCLES).json()}
    for cycle_id, cycle in listed.items():
        assert api.get(f"{API_CYCLES}{cycle_id}/").json() == cycle
    return listed


def test_the_api_tells_a_principal_a_cycle_names_other_schools_without_naming_them(
    district, tiered, principal, shared_cycle, adams_cycle
):
    cycles = _api_cycles(token_client(personal_token(principal, district)))
    shared, adams = cycles[shared_cycle.pk], cycles[adams_cycle.pk]
    assert (shared["schools"], shared["names_other_schools"], shared["may_run"]) == (
        [tiered.pk],
        True,
        False,
    )
    assert (adams["schools"], adams["names_other_schools"], adams["may_run"]) == (
        [tiered.pk],
        False,
        True,
    )


@pytest.mark.parametrize("reader", ["district_admin", "cabinet_member", "two_school_team_member"])
def test_the_api_gives_those_who_read_both_schools_both(
    reader, request, district, tiered, school_b, shared_cycle
):
    api = token_client(personal_token(request.getfixturevalue(reader), district))
    shared = _api_cycles(api)[shared_cycle.pk]
    assert set(shared["schools"]) == {tiered.pk, school_b.pk}
    assert (shared["names_other_schools"], shared["may_run"]) == (False, True)


def _list_statements(api) -> int:
    api.get(API_CYCLES)  # what a request caches is then cached, as on every later one
    with CaptureQueriesContext(connection) as captured:
        assert api.get(API_CYCLES).status_code == 200
    return len(captured)


def test_the_api_asks_which_cycles_name_other_schools_once_for_the_list(
    request, district, tiered, principal, adams_cycle
):
    api = token_client(personal_token(principal, district))
    one = _list_statements(api)
    request.getfixturevalue("shared_cycle")
    with as_member(principal):
        services.cycle_create(
            district=district, created_by=principal, schools=[tiered], title="Late buses"
        )
    assert len(api.get(API_CYCLES).json()) == 3
    assert _list_statements(api) == one
