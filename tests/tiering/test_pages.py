import csv
import io

import pytest
from django.core.files import File

from districts.tenancy import system_context
from tests.reading import reading
from tests.sis import LAST_DAY, import_file
from tiering import progress, services
from tiering.models import AttendanceImport, ImportSource, ImportStatus


def _upload(client, path, **fields):
    with path.open("rb") as upload:
        return client.post(
            "/d/riverside/attendance/imports/", {"file": upload, "daily_mode": "replace", **fields}
        )


def test_an_administrator_uploads_a_file_and_sees_students_per_band_per_school(
    client, district_admin, sis_district, export, generated, django_capture_on_commit_callbacks
):
    client.force_login(district_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(client, export.summary, as_of=LAST_DAY.isoformat())
    assert response["Location"].startswith("/d/riverside/attendance/imports/")
    page = client.get(response["Location"]).content.decode()
    # Checked first: the district's first file leaves no one out, so nothing is asked.
    assert "Checked: waiting for your go-ahead" in page and 'name="coverage"' not in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(response["Location"] + "confirm/")
    page = client.get(response["Location"]).content.decode()
    assert "Imported" in page
    for spec in generated.schools:
        assert spec.name in page
    assert "Whole district" in page and "Extreme Chronic Absence" in page


def test_the_import_page_polls_while_the_import_runs(client, district_admin, sis_district, export):
    with system_context(sis_district.district, reason="test"), export.summary.open("rb") as f:
        record = services.attendance_import_create(
            district=sis_district.district,
            uploaded_by=district_admin,
            upload=File(f, name="summary.csv"),
        )
    progress.report(record.pk, 40, "Read 1,200 rows")
    client.force_login(district_admin)
    url = f"/d/riverside/attendance/imports/{record.pk}/"
    page = client.get(url).content.decode()
    assert 'hx-trigger="every 1s"' in page and 'aria-valuenow="40"' in page
    assert "Read 1,200 rows" in page and "You can leave this page" in page
    fragment = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert fragment.lstrip().startswith('<div id="import-status"')
    assert "<html" not in fragment


def test_a_failed_import_shows_and_exports_its_problems(
    client, district_admin, sis_district, export, tmp_path
):
    rows = list(csv.reader(export.summary.open()))
    rows[3][4] = "=999"
    bad = tmp_path / "bad.csv"
    with bad.open("w", newline="") as f:
        csv.writer(f).writerows(rows)
    record = import_file(sis_district.district, bad)
    assert record.status == ImportStatus.FAILED
    client.force_login(district_admin)
    page = client.get(f"/d/riverside/attendance/imports/{record.pk}/").content.decode()
    assert "Nothing was changed" in page and "=999" in page
    report = client.get(f"/d/riverside/attendance/imports/{record.pk}/problems.csv")
    lines = list(csv.reader(io.StringIO(report.content.decode())))
    assert lines[0] == ["row", "column", "value", "reason"]
    assert lines[1][:3] == ["4", "days_absent", "'=999"]
    # Its file needs correcting: running the same file again is not offered, nor accepted.
    assert "Import this file again" not in page
    again = client.post(f"/d/riverside/attendance/imports/{record.pk}/again/")
    assert again.status_code == 404


@pytest.mark.parametrize("persona", ["principal", "school_team_member", "partner_staff"])
def test_imports_are_for_district_wide_roles(client, request, district, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get("/d/riverside/attendance/imports/").status_code == 403


def test_another_districts_import_is_not_found(client, sis_district, export, outsider):
    record = import_file(sis_district.district, export.summary)
    client.force_login(outsider)
    assert client.get(f"/d/lakeview/attendance/imports/{record.pk}/").status_code == 404
    assert client.get(f"/d/lakeview/attendance/imports/{record.pk}/problems.csv").status_code == 404
    assert client.get(f"/d/riverside/attendance/imports/{record.pk}/").status_code == 404


def test_a_cabinet_member_sees_the_latest_bands_on_the_imports_page(
    client, cabinet_member, sis_district, export
):
    import_file(sis_district.district, export.summary, source=ImportSource.COMMAND)
    client.force_login(cabinet_member)
    page = client.get("/d/riverside/attendance/imports/").content.decode()
    assert "District definition: students per band" in page
    assert "Command line (scheduled SIS drop)" in page
    assert "Missed 10-19.99% (18-35 days in a 180-day school year)" in page
    with reading():
        assert AttendanceImport.unscoped.count() == 1
