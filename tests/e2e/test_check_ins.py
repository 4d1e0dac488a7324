"""Check-in journey, on a phone: a team member sets the team's interim goal and reports at the
first check-in from the plan page; the facilitator then reads the team's progress. Every page
fits the window and passes axe."""

import re
from datetime import date

from playwright.sync_api import expect

from districts.tenancy import system_context
from workshops import services
from workshops.context import facilitating
from workshops.models import ConsentItem, Department, PlanKind

from .conftest import Journey
from .test_layouts import PHONE, _sideways_overflow
from .test_sign_in import sign_in


def _accepted_team(facilitator, district, admin, member) -> tuple[int, int]:
    """Fran's workshop, which Riverside accepted with Tess on its team and one action."""
    with facilitating(facilitator):
        workshop = services.workshop_create(
            created_by=facilitator,
            fields=services.WorkshopFields(
                title="Thriving Schools Strategy Workshop",
                first_day=date(2027, 2, 3),
                last_day=date(2027, 2, 4),
                place="Sacramento",
            ),
        )
    with facilitating(facilitator):
        invitation = services.invitation_create(
            workshop=workshop, district=district, invited_by=facilitator
        )
    with system_context(district, reason="test"):
        services.invitation_respond(
            invitation=invitation, accept=True, items=[ConsentItem.BANDS], by=admin
        )
        services.team_member_add(
            invitation=invitation, department=Department.ATTENDANCE, user=member
        )
        action = services.plan_action_add(
            invitation=invitation, kind=PlanKind.STRATEGIC_ACTION, by=admin
        )
        services.plan_field_save(
            action=action,
            field="action",
            value="Pair each school nurse with an attendance team",
            base_revision=0,
            editor=admin,
        )
    return workshop.pk, invitation.pk


def _fits(journey, label: str) -> None:
    assert _sideways_overflow(journey.page) is None, _sideways_overflow(journey.page)
    journey.check(label)


def test_a_team_reports_at_a_check_in_and_the_facilitator_sees_it(
    journey,
    browser,
    live_server,
    request,
    facilitator,
    district,
    district_admin,
    school_team_member,
):
    workshop_id, invitation_id = _accepted_team(
        facilitator, district, district_admin, school_team_member
    )
    page = journey.page
    page.set_viewport_size(PHONE)
    sign_in(journey, school_team_member)
    journey.open(f"/d/riverside/workshops/{invitation_id}/plan/")
    page.get_by_role("link", name="Check-ins and interim goal").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check-ins on strategy progress")
    _fits(journey, "check-ins")

    page.get_by_label("Chronic absence rate we aim for (%)").fill("12.5")
    page.get_by_label("By", exact=True).fill("2027-06-01")
    page.get_by_role("button", name="Set the goal").click()
    expect(page.get_by_role("status").first).to_contain_text("Interim goal saved.")
    goal = "A chronic absence rate of 12.5% or less by June 1, 2027"
    expect(page.get_by_text(goal)).to_be_visible()

    page.get_by_role("link", name="Report at this check-in of March 6, 2027").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check-in of March 6, 2027")
    action = page.get_by_role("group", name=re.compile("Pair each school nurse"))
    action.get_by_label("Status").select_option(label="In progress")
    action.get_by_label("Note").fill("Three schools paired so far")
    _fits(journey, "report")
    page.get_by_role("button", name="Save the report").click()
    expect(page.get_by_role("status").first).to_contain_text("Saved: the team’s report")
    expect(page.get_by_role("heading", name=re.compile("March 6, 2027.*Done"))).to_be_visible()
    expect(page.get_by_role("cell", name="Three schools paired so far")).to_be_visible()
    _fits(journey, "check-ins-reported")

    context = browser.new_context(viewport=PHONE)
    fran = Journey(context.new_page(), live_server, request.node.name + "-facilitator")
    sign_in(fran, facilitator)
    fran.open(f"/workshops/{workshop_id}/progress/")
    expect(fran.page.get_by_role("heading", level=1)).to_have_text("The teams’ progress")
    expect(fran.page.get_by_text("0 done, 1 in progress, 0 not started")).to_be_visible()
    row = fran.page.get_by_role("row", name=re.compile("District A"))
    expect(row).to_contain_text("12.5% by Jun 1, 2027")
    _fits(fran, "progress")
    context.close()
