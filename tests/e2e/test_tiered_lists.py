"""A principal works the tiered list and a student's calendar; a cabinet member reads the
district dashboard (the hand-made district of tests/tiered.py)."""

import re

from playwright.sync_api import expect

from tests.sis import import_file
from tests.tiered import DAILY, write

from .test_sign_in import sign_in


def test_principal_filters_to_chronic_absence_in_one_grade_opens_a_calendar_and_exports(
    journey, principal, tiered, tmp_path
):
    import_file(tiered.district, write(tmp_path, "daily.csv", DAILY))
    page = journey.page
    sign_in(journey, principal)
    journey.go_to("Schools", menu="Attendance")
    expect(page.get_by_role("heading", level=1)).to_have_text("Adams Elementary School")
    expect(page.get_by_role("region", name="Chronic absence rate")).to_contain_text("57.1%")
    journey.check("school")

    page.get_by_label("Band").select_option("chronic")
    expect(page).to_have_url(re.compile(r"band=chronic"))
    page.get_by_label("Grade", exact=True).select_option("3")
    expect(page).to_have_url(re.compile(r"band=chronic.*grade=3|grade=3.*band=chronic"))
    rows = page.locator("#tiered-list tbody tr")
    expect(rows).to_have_count(2)
    expect(page.locator("#tiered-list")).to_contain_text("Dunn, Di")
    expect(page.locator("#tiered-list")).to_contain_text("Cole, Cy")
    journey.check("filtered")

    # The filtered list lives in the URL: a reload (or a shared link) shows the same students.
    page.reload()
    expect(rows).to_have_count(2)

    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    lines = download.value.path().read_text().strip().splitlines()
    assert len(lines) == 3 and "Dunn, Di" in lines[1] + lines[2]

    page.get_by_role("link", name="Dunn, Di").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Di Dunn")
    october = page.get_by_role("table", name=re.compile("October 2026"))
    expect(october).to_contain_text("Unexcused absence")
    expect(page.get_by_role("heading", name="Next to weekends and holidays")).to_be_visible()
    journey.check("student")


def test_the_tiered_list_works_from_the_keyboard_alone(journey, principal, tiered):
    page = journey.page
    sign_in(journey, principal)
    journey.open(f"/d/riverside/attendance/schools/{tiered.pk}/")

    def tab_to(selector: str) -> None:
        for _ in range(80):
            page.keyboard.press("Tab")
            if page.evaluate("s => document.activeElement.matches(s)", selector):
                return
        raise AssertionError(f"Tab never reached {selector}")

    tab_to("#id_band")
    page.keyboard.type("Severe")
    tab_to("button[type=submit].button")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"band=severe_chronic"))
    expect(page.locator("#tiered-list tbody tr")).to_have_count(1)
    tab_to("#tiered-list tbody a")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Di Dunn")


def test_cabinet_member_reads_the_district_dashboard(journey, cabinet_member, tiered):
    page = journey.page
    sign_in(journey, cabinet_member)
    journey.go_to("District attendance", menu="Attendance")
    expect(page.get_by_role("heading", level=1)).to_have_text("District attendance")
    schools = page.get_by_role("table").filter(has_text="Banneker Elementary School").first
    expect(schools).to_contain_text("Adams Elementary School")
    grades = page.get_by_role("region", name="Grade")
    expect(grades.get_by_role("row", name=re.compile("Grade 3"))).to_contain_text("60.0%")
    expect(page.get_by_role("heading", name="English learners")).to_be_visible()
    expect(page.get_by_role("heading", name="Data freshness", level=2).first).to_be_visible()
    journey.check("dashboard")
    page.get_by_role("link", name="Adams Elementary School").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Adams Elementary School")
