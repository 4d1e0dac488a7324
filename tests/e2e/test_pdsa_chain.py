"""A principal picks students for a PDSA cycle on the tiered list (one ticked, then the rest of
the filtered list with "Tick every student on this page"), and follows the reasons for absence
to partners and cycles on a phone (the hand-made district of tests/tiered.py)."""

import re

from playwright.sync_api import expect

from pdsa import services
from tests.pdsa.conftest import as_member

from ..support import factories as support
from .test_layouts import PHONE, _sideways_overflow
from .test_sign_in import sign_in


def test_a_principal_adds_students_from_the_list_and_reads_the_chain_on_a_phone(
    journey, principal, school_team_member, tiered, food_entry, template
):
    with as_member(principal):
        cycle = services.cycle_create(
            district=tiered.district,
            created_by=principal,
            schools=[tiered],
            template=template,
        )
    dunn = support.student(tiered.district, "S4")
    support.conversation(
        dunn,
        staff=school_team_member,
        held_on=tiered.district.today(),
        reasons=["housing-food-insecurity"],
    )
    page = journey.page
    sign_in(journey, principal)
    journey.open(f"/d/riverside/attendance/schools/{tiered.pk}/?band=chronic")
    actions = page.get_by_role("group", name="Add to a PDSA cycle")
    expect(actions.get_by_label("PDSA cycle (in Plan or Do)")).to_have_value(str(cycle.pk))
    journey.check("list-with-actions")
    # Ticking every student on the page needs JavaScript; here it runs.
    page.get_by_label("Tick every student on this page").check()
    expect(page.get_by_label("Choose Fay Ford")).to_be_checked()
    page.get_by_label("Choose Ed Egan").uncheck()
    actions.get_by_role("button", name="Add the ticked students").click()
    expect(page).to_have_url(re.compile(rf"/pdsa/{cycle.pk}/participants/$"))
    expect(page.get_by_role("list").filter(has_text="added to the cycle")).to_contain_text(
        "3 students added to the cycle."
    )

    page.set_viewport_size(PHONE)
    journey.go_to("Reasons to results", menu="Planning")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "From reasons for absence to results: Adams Elementary School"
    )
    expect(
        page.get_by_role("region", name="Partners but no tested intervention (1)")
    ).to_be_visible()
    card = page.get_by_role("region", name="Housing and food insecurity")
    expect(card).to_contain_text("Springfield County Food Bank")
    assert _sideways_overflow(page) is None
    journey.check("chain-phone")
