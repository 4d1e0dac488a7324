"""A school attendance-team member finds the Severe-chronic students nobody has talked to yet,
and records the help one of them gets: a Caring Conversation with two reasons for absence, a
Tier II intervention referred to a partner, a check-in, and the family's copy of the plan; the
tiered list then shows it (the hand-made district of tests/tiered.py)."""

import io
import re

from playwright.sync_api import expect
from pypdf import PdfReader

from .test_sign_in import sign_in


def test_a_team_member_logs_a_conversation_an_intervention_and_prints_the_family_plan(
    journey, school_team_member, tiered, club_entry
):
    page = journey.page
    sign_in(journey, school_team_member)
    journey.open(f"/d/riverside/attendance/schools/{tiered.pk}/")
    page.get_by_label("Band").select_option("severe_chronic")
    expect(page).to_have_url(re.compile(r"band=severe_chronic"))
    page.get_by_label("Caring Conversation").select_option("none")
    expect(page).to_have_url(re.compile(r"contact=none"))
    rows = page.locator("#tiered-list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("none yet")
    expect(rows.first).to_contain_text("no contact yet")
    journey.check("list-no-contact-yet")
    page.get_by_role("link", name="Dunn, Di").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Di Dunn")
    support = page.get_by_role("region", name="Support for this student: what has been done")
    expect(support).to_contain_text("No contact yet")
    journey.check("student-before")

    support.get_by_role("link", name="Log a Caring Conversation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Log a Caring Conversation")
    page.get_by_role("group", name="With whom").get_by_label("Parent/guardian", exact=True).check()
    page.get_by_label("1. Learn").fill(
        "Di wants to be a vet; her mother hopes she finishes school."
    )
    page.get_by_label("4. Discuss").fill("The bus leaves before her mother's shift ends.")
    page.get_by_role("group", name=re.compile("^Barriers")).get_by_label(
        "Transportation Barriers"
    ).check()
    page.get_by_role("group", name=re.compile("^Aversion")).get_by_label(
        "Anxiety", exact=True
    ).check()
    journey.check("conversation-form")
    page.get_by_role("button", name="Save the conversation").click()
    expect(page.get_by_role("status").first).to_contain_text("Caring Conversation saved")
    expect(support).to_contain_text("Barriers: Transportation Barriers")
    expect(support).to_contain_text("Aversion: Anxiety")

    support.get_by_role("link", name="Assign an intervention").click()
    page.get_by_label("Intervention", exact=True).select_option(label="Mentors")
    page.get_by_label("Status").select_option(label="Active")
    page.get_by_label("Referral to a partner").select_option(
        label="Riverside Youth Club: After-school STEM club"
    )
    journey.check("intervention-form")
    page.get_by_role("button", name="Save the intervention").click()
    interventions = support.get_by_role("table", name="Interventions for Di Dunn")
    expect(interventions).to_contain_text("Mentors")
    expect(interventions).to_contain_text("Tier II")
    expect(interventions).to_contain_text("Riverside Youth Club")

    support.get_by_role("link", name="Make a plan and set a check-in").click()
    page.get_by_label("Specific steps that will help to prevent absenteeism in the future").fill(
        "Di rides with the Ortiz family on her mother's early shifts."
    )
    page.get_by_label("Everyday Helpers").fill("Mrs Ortiz next door")
    page.get_by_label("Back-up 1: name").fill("Aunt May")
    page.get_by_label("Back-up 1: best contact number").fill("(555) 010-7777")
    page.get_by_label("Next check-in").fill("2026-12-04")
    journey.check("plan-form")
    page.get_by_role("button", name="Save the plan").click()
    expect(support).to_contain_text("Dec 4, 2026")
    expect(support).to_contain_text("Mrs Ortiz next door")
    support.get_by_text(re.compile(r"History of changes \(3\)")).click()
    journey.check("student-after")

    with page.expect_download() as download:
        support.get_by_role("link", name="Print the family's copy of the plan (PDF)").click()
    reader = PdfReader(io.BytesIO(download.value.path().read_bytes()))
    text = " ".join(reader.pages[0].extract_text().split())
    assert len(reader.pages) == 1
    assert "Our attendance and learning plan for Di Dunn" in text
    assert "We will check in on Friday, December 4, 2026" in text
    assert "Aunt May" in text and "Riverside Youth Club" in text

    # Back on the list: Di has support and a check-in (overdue: Dec 4 has passed), so she
    # has left "no contact yet" and shows under her band with what was done.
    journey.open(f"/d/riverside/attendance/schools/{tiered.pk}/?band=severe_chronic&contact=none")
    expect(page.locator("#tiered-list tbody tr")).to_have_count(0)
    journey.open(f"/d/riverside/attendance/schools/{tiered.pk}/?band=severe_chronic")
    row = page.locator("#tiered-list tbody tr", has_text="Dunn, Di")
    expect(row.locator('td[data-label="Support"]')).to_have_text("Tier II")
    expect(row.locator('td[data-label="Next check-in"]')).to_contain_text("Dec 4, 2026")
    expect(row.locator('td[data-label="Next check-in"]')).to_contain_text("overdue")
    expect(row.locator('td[data-label="Last contact"]')).not_to_contain_text("no contact yet")
    journey.check("list-after-support")


def test_the_support_section_fits_a_phone(journey, school_team_member, tiered, club_entry):
    page = journey.page
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(journey, school_team_member)
    journey.open(f"/d/riverside/attendance/schools/{tiered.pk}/")
    page.get_by_role("link", name="Dunn, Di").click()
    page.get_by_role("link", name="Log a Caring Conversation").click()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the conversation form scrolls sideways ({width}px)"
    journey.check("conversation-form-phone")
