"""Issue 20's journey, axe-clean: the facilitator creates a workshop and invites two districts;
Riverside's administrator accepts, choosing what to share, and names a team member; the team
member writes a strategic action on the plan (saved as she types) and opens the packet and the
cohort; the facilitator reads the cohort and downloads the cohort PDF, whose text is read back."""

import io
import re

from playwright.sync_api import expect
from pypdf import PdfReader

from .test_sign_in import sign_in


def _switch_to(journey, user) -> None:
    """Another person at another computer: a browser without the last one's session."""
    journey.page.context.clear_cookies()
    sign_in(journey, user)


def test_a_facilitator_runs_a_workshop_and_downloads_the_cohort_pdf(
    journey, tiered, district, other_district, facilitator, district_admin, school_team_member
):
    page = journey.page
    sign_in(journey, facilitator)

    # A workshop, with the flyer's three objectives as its agenda.
    page.get_by_role("link", name="Create a workshop").click()
    page.get_by_label("Title").fill("Thriving Schools Strategy Workshop")
    page.get_by_label("First day").fill("2027-02-03")
    page.get_by_label("Last day").fill("2027-02-04")
    page.get_by_label("Place").fill("Sacramento County Office of Education")
    journey.check("new-workshop")
    page.get_by_role("button", name="Create the workshop").click()
    expect(page.get_by_role("status")).to_contain_text("Workshop created")
    expect(page.get_by_text("Identify strategic actions across health")).to_be_visible()
    workshop_url = page.url
    for slug in ("riverside", "lakeview"):
        page.get_by_label("District’s address name").fill(slug)
        page.get_by_role("button", name="Invite").click()
        expect(page.get_by_role("status")).to_contain_text("is invited")
    districts = page.get_by_role("table", name="Invited districts")
    expect(districts.locator("tbody tr")).to_have_count(2)
    journey.check("workshop-invited")

    # Riverside's administrator accepts, sharing its figures without its name.
    _switch_to(journey, district_admin)
    journey.open("/d/riverside/workshops/")
    page.get_by_role("link", name="Thriving Schools Strategy Workshop").click()
    journey.check("invitation")
    for item in (
        "Band mix and chronic absence rate, with the trend against last year",
        "The same by grade, school and student group",
        "Show what we share to the other districts’ teams",
    ):
        page.get_by_role("checkbox", name=item).check()
    page.get_by_role("button", name="Accept and share what is ticked").click()
    expect(page.get_by_role("status")).to_contain_text("Invitation accepted.")
    page.get_by_label("Someone with an account").select_option(label="Tess Team")
    page.get_by_label("Department").select_option("attendance")
    page.get_by_role("button", name="Add to the team").click()
    expect(page.get_by_role("status")).to_contain_text("Added to the team.")

    # The team member writes a strategic action, saved as she types.
    _switch_to(journey, school_team_member)
    page.get_by_role("link", name=re.compile("Thriving Schools Strategy Workshop")).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Worktime: our plan")
    page.get_by_role("button", name="Add a strategic action").click()
    action = page.get_by_label("Action of strategic action 1")
    action.fill("Nurses join the attendance team's review every two weeks")
    expect(page.locator("[id$='-action-status']")).to_contain_text("Saved")
    journey.check("plan")
    page.get_by_role("link", name="Our data packet").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Data packet: Riverside Unified School District"
    )
    expect(page.get_by_role("heading", name="By school")).to_be_visible()
    journey.check("packet")
    page.go_back()
    page.get_by_role("link", name="The cohort").click()
    expect(page.get_by_role("heading", name="District A")).to_be_visible()
    journey.check("team-cohort")

    # The facilitator reads the cohort and downloads its PDF.
    _switch_to(journey, facilitator)
    journey.open(workshop_url.removeprefix(journey.base_url))
    page.get_by_role("link", name="Cohort view").click()
    expect(page.get_by_role("heading", name="District A")).to_be_visible()
    expect(page.get_by_text("Riverside")).to_have_count(0)
    journey.check("cohort")
    page.get_by_role("link", name="← Thriving Schools Strategy Workshop").click()
    page.get_by_role("link", name="Cohort PDF").click()
    page.get_by_role("button", name="Build a new cohort PDF").click()
    download_link = page.get_by_role("link", name="Download the cohort PDF")
    expect(download_link).to_be_visible()
    journey.check("cohort-pdf")
    with page.expect_download() as download:
        download_link.click()
    reader = PdfReader(io.BytesIO(download.value.path().read_bytes()))
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    assert "Thriving Schools Strategy Workshop" in text
    assert "District A" in text and "Riverside" not in text
    assert "Nurses join the attendance team's review every two weeks" in text
    assert "Confidential: for Thriving Schools Strategy Workshop only" in text
