"""A district administrator imports an export whose column names the platform doesn't know."""

import pandas as pd
from playwright.sync_api import expect

from .test_imports import _confirm, _upload
from .test_sign_in import sign_in

ODD_HEADERS = {
    "student_id": "Pupil",
    "school_code": "Campus",
    "days_enrolled": "Enrolled",
    "days_absent": "Missed",
}


def test_admin_matches_the_columns_of_an_oddly_named_export_and_sees_the_bands(
    journey, celery_worker, district_admin, sis_district, export, generated, tmp_path
):
    odd = tmp_path / "our_sis_totals.csv"
    pd.read_csv(export.summary, dtype=str).rename(columns=ODD_HEADERS).to_csv(odd, index=False)
    sign_in(journey, district_admin)
    _upload(journey, odd, as_of=generated.calendar.last_day.isoformat())
    page = journey.page
    expect(page.get_by_role("alert")).to_contain_text("Needs its columns matched", timeout=60_000)
    expect(page.get_by_role("alert")).to_contain_text("Nothing was imported yet")
    journey.check("needs-mapping")

    page.get_by_role("link", name="Match the columns").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Match the columns of {odd.name}")
    expect(page.get_by_role("listitem").filter(has_text="Missed")).to_be_visible()
    journey.check("choose-kind")
    page.get_by_label("What the file holds").select_option(label="Per-student summary")
    page.get_by_role("button", name="Show the columns it needs").click()

    expect(page.get_by_label("Tardies")).to_have_value("tardy")  # a name it knows
    # Tab from the student ID to the school code, as a keyboard user does.
    student_id = page.get_by_label("Student ID (required)")
    student_id.focus()
    student_id.select_option("Pupil")
    page.keyboard.press("Tab")
    expect(page.get_by_label("School code (required)")).to_be_focused()
    page.get_by_label("School code (required)").select_option("Campus")
    page.get_by_label("Days enrolled (required)").select_option("Enrolled")
    page.get_by_label("Days absent (required)").select_option("Missed")
    journey.check("columns-matched")
    page.get_by_role("button", name="Save the matching and import").click()

    status = page.locator("#import-status")
    _confirm(journey, label="matched")
    expect(status).to_contain_text("Imported", timeout=60_000)
    table = page.get_by_role("table").first
    for spec in generated.schools:
        expect(table).to_contain_text(spec.name)
    expect(page.get_by_role("row", name="Whole district")).to_be_visible()
    journey.check("imported-after-matching")


def test_admin_says_what_a_new_attendance_code_means_and_the_file_imports(
    journey, celery_worker, district_admin, sis_district, export, tmp_path
):
    daily = pd.read_csv(export.daily, dtype=str)
    daily.loc[5, "attendance_code"] = "FT"  # field trip
    path = tmp_path / "daily_with_field_trips.csv"
    daily.to_csv(path, index=False)
    sign_in(journey, district_admin)
    _upload(journey, path)
    page = journey.page
    expect(page.get_by_role("alert")).to_contain_text(
        "has not said the meaning of: FT", timeout=60_000
    )
    page.get_by_role("link", name="Say what these codes mean").click()

    field_trip = page.get_by_role("group", name="Code “FT”")
    expect(page.get_by_role("row", name="OSS")).to_contain_text("Out-of-school suspension")
    field_trip.get_by_label("What “FT” means").select_option(label="Present")
    journey.check("code-defined")
    page.get_by_role("button", name="Save the codes and import").click()

    _confirm(journey, label="codes-defined")
    expect(page.locator("#import-status")).to_contain_text("Imported", timeout=60_000)
    expect(page.get_by_role("row", name="Whole district")).to_be_visible()
