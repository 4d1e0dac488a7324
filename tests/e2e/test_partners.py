"""Partner journeys: a partner's staff member keeps their organisation's entry current and
cannot reach another partner's entry or any student page; a district administrator reads the
coverage gap map."""

from playwright.sync_api import expect

from .test_sign_in import sign_in


def test_partner_staff_edit_their_entry_and_reach_nothing_else(
    journey, pia, club_entry, food_entry
):
    page = journey.page
    sign_in(journey, pia)
    journey.go_to("Partners", menu="Partners")
    expect(page.get_by_role("heading", level=1)).to_have_text("Riverside Youth Club")
    expect(page.get_by_role("link", name="Springfield County Food Bank")).to_have_count(0)
    journey.check("partner-registry")

    page.get_by_role("link", name="Riverside Youth Club", exact=True).click()
    page.get_by_role("link", name="Edit this entry").click()
    journey.check("partner-edit")
    page.get_by_label("Who is being served?").fill("Grades 3–8 at Adams")
    page.get_by_role("group", name="Tiers served").get_by_label("Tier III").check()
    page.get_by_role("button", name="Save entry").click()
    expect(page.get_by_role("status").first).to_contain_text("marked as updated today")
    expect(page.get_by_text("Grades 3–8 at Adams")).to_be_visible()
    journey.check("partner-entry")

    page.get_by_role("link", name="History of changes").click()
    expect(page.get_by_role("row", name="Who is being served?").first).to_contain_text(
        "Grades 3–8 at Adams"
    )

    journey.open(f"/d/riverside/partners/{food_entry.pk}/")
    expect(page.get_by_role("heading", level=1)).not_to_have_text("Springfield County Food Bank")
    assert "Springfield" not in page.content()
    response = page.goto(journey.base_url + "/d/riverside/attendance/imports/")
    assert response.status == 403
    response = page.goto(journey.base_url + f"/d/riverside/partners/{food_entry.pk}/edit/")
    assert response.status == 404


def test_district_admin_reads_the_coverage_gap_map(
    journey, district_admin, club_entry, food_entry, school_b
):
    page = journey.page
    sign_in(journey, district_admin)
    journey.go_to("Partner coverage", menu="Partners")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Partner coverage")
    disengaged = _reason_row(page, "Disengaged")
    expect(disengaged.get_by_role("cell").nth(0)).to_contain_text("Riverside Youth Club")
    expect(disengaged.get_by_role("cell").nth(1)).to_contain_text("No partner")
    journey.check("coverage")

    page.get_by_label("Root cause").select_option(label="Barriers")
    expect(_reason_row(page, "Disengaged")).to_have_count(0)
    # One row for the reason both source tables name, with the other table's wording.
    expect(_reason_row(page, "Transportation Barriers Poor transportation")).to_contain_text(
        "No partner"
    )
    expect(_reason_row(page, "Poor transportation")).to_have_count(0)
    journey.check("coverage-barriers")


def _reason_row(page, reason: str):
    return page.locator("tr", has=page.get_by_role("rowheader", name=reason, exact=True))
