"""Issue 15, point 2, in the browser: a principal's tiered list holds every student the
school's band counts hold, a student who transferred out marked with the day they left, and
the enrollment filter finds them (the hand-made district of tests/tiered.py)."""

import csv
import io
import re

from playwright.sync_api import expect

from tests.sis import import_file
from tests.tiered import MOVE, write

from .test_sign_in import sign_in


def test_principal_sees_who_transferred_out_and_the_list_matches_the_cards(
    journey, principal, tiered, tmp_path
):
    record = import_file(tiered.district, write(tmp_path, "move.csv", MOVE))
    assert record.status == "succeeded", record.errors
    page = journey.page
    sign_in(journey, principal)
    journey.open(f"/d/riverside/attendance/schools/{tiered.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Adams Elementary School")

    # The cards count 7 rated students and S8 not yet rated: 8, and the list holds 8.
    expect(page.get_by_role("region", name="Chronic absence rate")).to_contain_text(
        "4 of 7 rated students"
    )
    listed = page.locator("#tiered-list")
    expect(listed.locator(".result-count")).to_have_text("8 students.")
    gray = listed.get_by_role("row", name=re.compile("Gray, Gus"))
    expect(gray).to_contain_text("Transferred out on Oct 23, 2026")
    journey.check("list-with-transfer")

    page.get_by_label("Enrollment").select_option("transferred_out")
    expect(page).to_have_url(re.compile(r"enrollment=transferred_out"))
    expect(listed.locator("tbody tr")).to_have_count(1)
    expect(listed).to_contain_text("Gray, Gus")
    journey.check("transferred-out-only")

    page.get_by_label("Enrollment").select_option("enrolled")
    expect(listed.locator("tbody tr")).to_have_count(7)
    expect(listed).not_to_contain_text("Gray, Gus")

    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    header, *rows = csv.reader(io.StringIO(download.value.path().read_text()))
    enrollment = header.index("Enrollment")
    assert len(rows) == 7 and {row[enrollment] for row in rows} == {"Still enrolled here"}

    # The principal opens the page of the student who left.
    page.get_by_label("Enrollment").select_option("transferred_out")
    expect(listed.locator("tbody tr")).to_have_count(1)
    listed.get_by_role("link", name="Gray, Gus").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Gus Gray")
    journey.check("student-who-left")
