"""A district administrator imports the district's SIS export and reads the bands."""

import csv

from playwright.sync_api import expect

from tests.sis import import_file

from .test_sign_in import sign_in


def _upload(journey, path, *, kind=None, as_of=None):
    journey.open("/d/riverside/attendance/imports/")
    page = journey.page
    page.get_by_label("SIS export file").set_input_files(str(path))
    if kind:
        page.get_by_label("What the file holds").select_option(kind)
    if as_of:
        page.get_by_label("Totals run to (summary files)").fill(as_of)
    page.get_by_role("button", name="Import").click()


def _confirm(journey, *, label="daily"):
    """The file is checked first: its preview shows, and nothing is written until Import."""
    status = journey.page.locator("#import-status")
    expect(status).to_contain_text("Checked: waiting for your go-ahead", timeout=60_000)
    journey.check(f"{label}-previewed")
    status.get_by_role("button", name="Import").click()


def test_admin_imports_daily_and_summary_files_and_sees_students_per_band_per_school(
    journey, celery_worker, district_admin, sis_district, export, generated
):
    sign_in(journey, district_admin)
    journey.go_to("Attendance imports", menu="Attendance")
    expect(journey.page.get_by_text("No attendance has been imported yet")).to_be_visible()
    journey.check("imports-empty")

    _upload(journey, export.daily)
    expect(journey.page.get_by_role("heading", level=1)).to_have_text(
        f"Import of {export.daily.name}"
    )
    status = journey.page.locator("#import-status")
    journey.screenshot("daily-in-progress")
    _confirm(journey)
    expect(status).to_contain_text("Imported", timeout=60_000)
    expect(journey.page.get_by_role("status")).to_contain_text("Imported")
    table = journey.page.get_by_role("table").first
    for spec in generated.schools:
        expect(table).to_contain_text(spec.name)
    journey.check("daily-imported")

    _upload(journey, export.summary, as_of=generated.calendar.last_day.isoformat())
    _confirm(journey, label="summary")
    expect(status).to_contain_text("Imported", timeout=60_000)
    expect(journey.page.get_by_role("row", name="Whole district")).to_be_visible()
    journey.check("summary-imported")


def test_a_file_that_is_not_a_table_is_refused_on_the_upload_page(
    journey, district_admin, sis_district, tmp_path
):
    scan = tmp_path / "attendance.csv"
    scan.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< >>\nendobj\n")
    sign_in(journey, district_admin)

    _upload(journey, scan)

    expect(journey.page.get_by_role("heading", level=1)).to_have_text("Attendance imports")
    expect(journey.page.get_by_role("alert")).to_contain_text(
        "attendance.csv: This file is a PDF document, not a CSV file or an Excel workbook."
    )
    expect(journey.page.get_by_text("No files yet.")).to_be_visible()
    journey.check("refused-upload")


def test_a_malformed_file_shows_its_problems_and_changes_nothing(
    journey, district_admin, sis_district, export, tmp_path, django_capture_on_commit_callbacks
):
    rows = list(csv.reader(export.summary.open()))
    rows[3][4] = "200"  # days absent past any student's days enrolled, within a year
    rows[5][1] = "999"
    bad = tmp_path / "summary_with_mistakes.csv"
    with bad.open("w", newline="") as f:
        csv.writer(f).writerows(rows)
    sign_in(journey, district_admin)
    _upload(journey, bad)
    expect(journey.page.get_by_role("alert")).to_contain_text("Nothing was changed", timeout=60_000)
    problems = journey.page.get_by_role("table")
    expect(problems.get_by_role("row", name="4 days_absent")).to_contain_text(
        "more than days enrolled"
    )
    expect(journey.page.get_by_role("link", name="Download every problem as CSV")).to_be_visible()
    journey.check("problems")
    journey.page.get_by_role("link", name="All imports").click()
    expect(journey.page.get_by_text("No attendance has been imported yet")).to_be_visible()


def test_a_file_that_leaves_out_known_students_shows_what_it_changes_and_asks_what_it_means(
    journey, celery_worker, district, district_admin, sis_district, export, generated, tmp_path
):
    assert import_file(district, export.daily).status == "succeeded"
    school = generated.schools[0]
    rows = list(csv.DictReader(export.summary.open()))
    at_school = [row for row in rows if row["school_code"] == school.sis_code]
    part = at_school[: len(at_school) // 3]
    path = tmp_path / "part_of_one_school.csv"
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(part)
    sign_in(journey, district_admin)

    _upload(journey, path, as_of=generated.calendar.last_day.isoformat())

    page = journey.page
    status = page.locator("#import-status")
    expect(status).to_contain_text("Checked: waiting for your go-ahead", timeout=60_000)
    preview = page.get_by_role("table", name="What this file will change, per school")
    row = preview.get_by_role("row", name=f"{school.name} ({school.sis_code})")
    known = len({r["student_id"] for r in at_school})
    # Students in the file, new, updated, already known but not in the file.
    expect(row.get_by_role("cell")).to_have_text(
        [str(len(part)), "0", str(len(part)), str(known - len(part))]
    )
    choice = page.get_by_role("group", name="already known at these schools that this file leaves")
    partial = choice.get_by_label("Update only the students in this file")
    expect(partial).to_be_checked()
    journey.check("partial-file-previewed")
    choice.get_by_label("This file is complete for these schools").check()
    status.get_by_role("button", name="Import").click()

    expect(status).to_contain_text("Imported", timeout=60_000)
    expect(page.get_by_role("status")).to_contain_text(
        f"The {known - len(part):,} students already known at its schools that it left out are "
        "no longer enrolled there."
    )
    expect(page.get_by_role("table", name="What this file changed, per school")).to_be_visible()
    journey.check("partial-file-imported")
