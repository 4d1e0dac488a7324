"""Worktime: the district's team writes its plan together (autosave, conflict refusal, as the
self-assessment does); who may write it; the facilitator reads every accepted team's plan and
nothing of a district that has not accepted."""

import pytest
from django.db import connection

from districts.tenancy import system_context
from selfassessment import services as assessment_services
from selfassessment.models import Ingredient, Priority
from workshops import services
from workshops.context import facilitating
from workshops.models import (
    ActionStatus,
    ConsentItem,
    Department,
    PlanAction,
    PlanKind,
)

from .conftest import accept, invite

PLAN = "/d/riverside/workshops/{}/plan/"


@pytest.fixture
def accepted(riverside_invitation, district, district_admin, school_team_member):
    """Riverside accepted, with Tess (a school attendance team member) on its team."""
    accept(riverside_invitation, district, district_admin, [ConsentItem.BANDS])
    with system_context(district, reason="test"):
        services.team_member_add(
            invitation=riverside_invitation,
            department=Department.ATTENDANCE,
            user=school_team_member,
        )
    return riverside_invitation


def _row(invitation, district, by, kind=PlanKind.STRATEGIC_ACTION, **fields) -> PlanAction:
    with system_context(district, reason="test"):
        action = services.plan_action_add(invitation=invitation, kind=kind, by=by)
        for field, value in fields.items():
            action = services.plan_field_save(
                action=action, field=field, value=value, base_revision=0, editor=by
            )
        return action


def _field_url(invitation, action, field):
    return PLAN.format(invitation.pk) + f"{action.pk}/{field}/"


def test_a_team_member_adds_a_row_and_the_cabinet_writes_in_it(
    client, accepted, school_team_member, cabinet_member, district
):
    client.force_login(school_team_member)
    response = client.post(PLAN.format(accepted.pk) + "add/", {"kind": "strategic_action"})
    assert response.status_code == 302
    with system_context(district, reason="test"):
        action = PlanAction.objects.get()
    assert response["Location"].endswith(f"#action-{action.pk}")
    client.force_login(cabinet_member)
    saved = client.post(
        _field_url(accepted, action, "next_steps"),
        {
            f"planaction-{action.pk}-next_steps": "Pair each nurse with a school team",
            "revision": "0",
        },
        HTTP_HX_REQUEST="true",
    )
    assert saved.status_code == 200 and "Saved" in saved.content.decode()
    page = client.get(PLAN.format(accepted.pk)).content.decode()
    assert "Pair each nurse with a school team" in page
    assert "What are Key Next Steps?" in page and "Resources to Leverage" in page
    assert "Saved" in page and "Carol Cabinet" in page


def test_who_may_work_on_the_plan(
    client,
    accepted,
    district_admin,
    cabinet_member,
    school_team_member,
    principal,
    partner_staff,
    facilitator,
    outsider,
):
    url = PLAN.format(accepted.pk)
    expected = {
        district_admin: 200,
        cabinet_member: 200,
        school_team_member: 200,  # on the team
        principal: 404,  # not on the team: the plan is not hers to find
        partner_staff: 403,
        facilitator: 404,  # no member of the district: the facilitator reads on their pages
        outsider: 404,
    }
    got = {}
    for user in expected:
        client.force_login(user)
        got[user] = client.get(url).status_code
    assert got == expected


def test_a_save_over_a_colleagues_newer_version_is_refused_until_chosen(
    client, accepted, district_admin, cabinet_member, school_team_member, district
):
    action = _row(accepted, district, district_admin)
    url = _field_url(accepted, action, "responsible")
    name = f"planaction-{action.pk}-responsible"
    # Tess and Carol both opened the page at revision 0; Tess saves first.
    client.force_login(school_team_member)
    first = client.post(url, {name: "Health services", "revision": "0"}, HTTP_HX_REQUEST="true")
    assert first.status_code == 200
    client.force_login(cabinet_member)
    refused = client.post(url, {name: "Cabinet", "revision": "0"}, HTTP_HX_REQUEST="true")
    assert refused.status_code == 409
    body = refused.content.decode()
    assert "Not saved" in body and "Tess Team" in body and "Health services" in body
    assert 'value="1"' in body  # "Keep mine instead" overwrites revision 1, knowingly
    with system_context(district, reason="test"):
        assert PlanAction.objects.get().responsible == "Health services"
    kept = client.post(url, {name: "Cabinet", "overwrite": "1"}, HTTP_HX_REQUEST="true")
    assert kept.status_code == 200
    with system_context(district, reason="test"):
        stored = PlanAction.objects.get()
    assert stored.responsible == "Cabinet" and stored.revision_of("responsible") == 2
    # Without htmx the refusal is a page of its own, with both versions.
    client.force_login(school_team_member)
    plain = client.post(url, {name: "Nurses", "revision": "1"})
    assert plain.status_code == 409 and "Their version" in plain.content.decode()


def test_a_row_serves_an_ingredient_or_one_of_the_districts_priorities(
    client, accepted, district_admin, district, other_district, outsider
):
    with system_context(district, reason="test"):
        assessment = assessment_services.assessment_create(
            district=district, created_by=district_admin, school_year="2026-27", title="Cabinet"
        )
        priority = assessment_services.priority_add(assessment=assessment)
        assessment_services.field_save(
            record=priority,
            field="title",
            value="Every chronically absent student has a caring adult",
            base_revision=0,
            editor=district_admin,
        )
    with system_context(other_district, reason="test"):
        theirs = assessment_services.assessment_create(
            district=other_district, created_by=outsider, school_year="2026-27", title="Cabinet"
        )
        their_priority = assessment_services.priority_add(assessment=theirs)
    action = _row(accepted, district, district_admin)
    url = _field_url(accepted, action, "tied_to")
    name = f"planaction-{action.pk}-tied_to"
    client.force_login(district_admin)
    page = client.get(PLAN.format(accepted.pk)).content.decode()
    assert "Strategic Partnerships" in page or "STRATEGIC PARTNERSHIPS" in page.upper()
    assert "1. Every chronically absent student has a caring adult" in page
    ingredient = Ingredient.objects.order_by("-version__number", "position").first()
    response = client.post(url, {name: f"ingredient-{ingredient.pk}", "revision": "0"})
    assert response.status_code == 302
    with system_context(district, reason="test"):
        assert PlanAction.objects.get().tied_to == ingredient.name
    response = client.post(url, {name: f"priority-{priority.pk}", "revision": "1"})
    with system_context(district, reason="test"):
        stored = PlanAction.objects.get()
    assert stored.tied_to == "Priority: Every chronically absent student has a caring adult"
    assert stored.ingredient_id is None
    # Another district's priority is no choice here.
    refused = client.post(url, {name: f"priority-{their_priority.pk}", "revision": "2"})
    assert refused.status_code == 422
    with system_context(district, reason="test"):
        assert Priority.objects.filter(pk=priority.pk).exists()
        assert PlanAction.objects.get().priority_id == priority.pk


def test_a_row_is_removed_and_statuses_are_named_for_check_ins(
    client, accepted, district_admin, district
):
    action = _row(accepted, district, district_admin, status=ActionStatus.IN_PROGRESS)
    assert action.get_status_display() == "In progress"
    client.force_login(district_admin)
    response = client.post(PLAN.format(accepted.pk) + f"{action.pk}/remove/")
    assert response.status_code == 302
    with system_context(district, reason="test"):
        assert not PlanAction.objects.exists()


def test_the_team_finds_its_plan_on_the_home_page(client, accepted, school_team_member, principal):
    client.force_login(school_team_member)
    assert PLAN.format(accepted.pk) in client.get("/d/riverside/").content.decode()
    client.force_login(principal)
    assert PLAN.format(accepted.pk) not in client.get("/d/riverside/").content.decode()


def test_the_facilitator_reads_every_accepted_teams_plan_and_no_other(
    client,
    accepted,
    lakeview_invitation,
    other_district,
    outsider,
    district_admin,
    district,
    facilitator,
    felix,
    workshop,
):
    _row(accepted, district, district_admin, action="Nurses join attendance meetings")
    # Lakeview has not answered: its team's draft is its own.
    _row(lakeview_invitation, other_district, outsider, action="Lakeview draft")
    client.force_login(facilitator)
    page = client.get(f"/workshops/{workshop.pk}/plans/").content.decode()
    assert "Nurses join attendance meetings" in page and "District A" in page
    assert "Lakeview" not in page
    # The database's own wall says the same, whatever the query.
    with facilitating(facilitator), connection.cursor() as cursor:
        cursor.execute("SELECT action FROM workshops_planaction")
        assert [row[0] for row in cursor.fetchall()] == ["Nurses join attendance meetings"]
    client.force_login(felix)
    assert client.get(f"/workshops/{workshop.pk}/plans/").status_code == 404
    # Declining takes the plan out of the facilitator's reach at once.
    with system_context(district, reason="test"):
        services.invitation_respond(invitation=accepted, accept=False, items=[], by=district_admin)
    with facilitating(facilitator), connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM workshops_planaction")
        assert cursor.fetchone() == (0,)


def test_a_declined_invitations_plan_is_closed(client, accepted, district_admin, district):
    with system_context(district, reason="test"):
        services.invitation_respond(invitation=accepted, accept=False, items=[], by=district_admin)
    client.force_login(district_admin)
    assert client.get(PLAN.format(accepted.pk)).status_code == 404


def test_a_district_other_than_the_plans_cannot_reach_it(
    client, accepted, district_admin, district, other_district, outsider, workshop, facilitator
):
    action = _row(accepted, district, district_admin)
    lakeview = invite(workshop, other_district, facilitator)
    client.force_login(outsider)
    url = f"/d/lakeview/workshops/{lakeview.pk}/plan/{action.pk}/next_steps/"
    response = client.post(url, {f"planaction-{action.pk}-next_steps": "x", "revision": "0"})
    assert response.status_code == 404
