"""The mapping screens: a district matches the columns of an export its headers don't explain,
or says what new attendance codes mean, once; the same file is then imported again."""

from decimal import Decimal

import pandas as pd
import pytest

from districts.tenancy import system_context
from tests.factories import AttendanceImportFactory
from tests.reading import reading
from tests.sis import LAST_DAY, import_file
from tiering import services
from tiering.headers import Kind
from tiering.models import (
    AttendanceCategory,
    AttendanceCode,
    AttendanceImport,
    ImportProfile,
    ImportStatus,
)
from tiering.readers import ProblemCode

IMPORTS = "/d/riverside/attendance/imports"
# How the district's SIS names the four columns a summary needs; the others keep their names.
ODD_HEADERS = {
    "student_id": "Pupil",
    "school_code": "Campus",
    "days_enrolled": "Enrolled",
    "days_absent": "Missed",
}
# What the administrator chooses on the page: the odd four, and the columns the page found.
MATCHING = {
    **ODD_HEADERS,
    "grade": "grade",
    "excused": "excused",
    "unexcused": "unexcused",
    "suspension": "suspension",
    "tardy": "tardy",
}


def _oddly_headed(export, path, *, rows=None):
    summary = pd.read_csv(export.summary, dtype=str)
    summary.head(rows).rename(columns=ODD_HEADERS).to_csv(path, index=False)
    return path


def _upload(client, path, capture) -> AttendanceImport:
    with capture(execute=True), path.open("rb") as upload:
        response = client.post(
            f"{IMPORTS}/",
            {"file": upload, "daily_mode": "replace", "as_of": LAST_DAY.isoformat()},
        )
    return _record(response)


def _confirm(client, record, capture) -> AttendanceImport:
    """Gives a checked file's preview the go-ahead, as its page's Import button does."""
    assert record.status == ImportStatus.PREVIEWED, record.errors
    with capture(execute=True):
        # A later file leaves out students the first brought: it updates only its own.
        response = client.post(f"{IMPORTS}/{record.pk}/confirm/", {"coverage": "partial"})
    return _record(response)


def _record(response) -> AttendanceImport:
    """The import a response redirected to, as it is now."""
    import_id = int(response["Location"].rstrip("/").rsplit("/", 1)[1])
    with reading():
        return AttendanceImport.unscoped.get(pk=import_id)


def _profiles() -> list[dict]:
    with reading():
        return list(ImportProfile.unscoped.values("kind", "column_mapping"))


@pytest.fixture
def stopped(district):
    """An import that needs its columns matched and one that failed on a code, with no file
    behind them: enough for the access checks, which come before any reading."""
    needs_mapping = AttendanceImportFactory(
        district=district, status=ImportStatus.NEEDS_MAPPING, filename="odd.csv"
    )
    failed_on_codes = AttendanceImportFactory(
        district=district,
        kind=Kind.DAILY,
        status=ImportStatus.FAILED,
        filename="daily.csv",
        errors=[
            {
                "row": 7,
                "column": "attendance_code",
                "value": "FT",
                "reason": "Unknown attendance code. Say what it means.",
                "code": ProblemCode.UNKNOWN_ATTENDANCE_CODE,
            }
        ],
    )
    return needs_mapping, failed_on_codes


def test_it_matches_odd_columns_once_and_imports_the_next_file_without_asking(
    client, district_admin, sis_district, export, tmp_path, django_capture_on_commit_callbacks
):
    client.force_login(district_admin)
    first = _upload(
        client, _oddly_headed(export, tmp_path / "ours.csv"), django_capture_on_commit_callbacks
    )
    assert first.status == ImportStatus.NEEDS_MAPPING

    page = client.get(f"{IMPORTS}/{first.pk}/").content.decode()
    assert "Needs its columns matched" in page and "Nothing was imported yet" in page
    assert f'href="{IMPORTS}/{first.pk}/columns/">Match the columns</a>' in page

    # The headers don't tell the kind: the page asks for it before showing any column.
    page = client.get(f"{IMPORTS}/{first.pk}/columns/").content.decode()
    assert "<li>Pupil</li>" in page and "<li>Missed</li>" in page
    assert "Choose one to see the columns it needs" in page and "Student ID" not in page

    page = client.get(f"{IMPORTS}/{first.pk}/columns/?kind=summary").content.decode()
    assert "Columns a per-student summary file needs" in page
    assert '<label for="id_student_id">Student ID (required)</label>' in page
    assert "— not in this file —" in page
    assert '<option value="tardy" selected>tardy</option>' in page  # found by its name

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{IMPORTS}/{first.pk}/columns/?kind=summary", MATCHING)
    retried = _confirm(client, _record(response), django_capture_on_commit_callbacks)
    assert retried.pk != first.pk
    assert retried.status == ImportStatus.SUCCEEDED, retried.errors
    assert retried.kind == Kind.SUMMARY and retried.uploaded_by == district_admin
    assert (retried.stored_file, retried.sha256) == (first.stored_file, first.sha256)
    with reading():
        first.refresh_from_db()
    assert first.status == ImportStatus.NEEDS_MAPPING
    assert _profiles() == [{"kind": "summary", "column_mapping": MATCHING}]
    assert "Whole district" in client.get(response["Location"]).content.decode()

    # The next export from the same SIS: other rows, the same headers, no kind chosen.
    second = _upload(
        client,
        _oddly_headed(export, tmp_path / "ours-later.csv", rows=900),
        django_capture_on_commit_callbacks,
    )
    second = _confirm(client, second, django_capture_on_commit_callbacks)
    assert second.status == ImportStatus.SUCCEEDED, second.message
    assert second.kind == Kind.SUMMARY and second.rows_imported == 900


def test_matching_an_already_imported_file_again_records_a_duplicate_and_keeps_the_file(
    client, district_admin, sis_district, export, tmp_path, django_capture_on_commit_callbacks
):
    client.force_login(district_admin)
    first = _upload(
        client, _oddly_headed(export, tmp_path / "ours.csv"), django_capture_on_commit_callbacks
    )
    url = f"{IMPORTS}/{first.pk}/columns/?kind=summary"
    with django_capture_on_commit_callbacks(execute=True):
        matched = client.post(url, MATCHING)
    _confirm(client, _record(matched), django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        again = _record(client.post(url, MATCHING))
    assert again.status == ImportStatus.DUPLICATE and again.stored_file == ""
    assert first.stored_path.exists()


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (
            {"days_absent": ""},
            "Choose the column of the file that holds Days absent.",
        ),
        (
            {"days_absent": "Enrolled"},
            "“Enrolled” is chosen for Days enrolled and Days absent; a column of the file "
            "holds one of them only.",
        ),
    ],
)
def test_an_incomplete_or_contradictory_matching_is_explained_and_changes_nothing(
    client,
    district_admin,
    district,
    export,
    tmp_path,
    django_capture_on_commit_callbacks,
    change,
    error,
):
    client.force_login(district_admin)
    first = _upload(
        client, _oddly_headed(export, tmp_path / "ours.csv"), django_capture_on_commit_callbacks
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"{IMPORTS}/{first.pk}/columns/?kind=summary", {**MATCHING, **change}
        )
    assert response.status_code == 200
    page = response.content.decode()
    assert '<span class="errorlist" role="alert">' in page and error in page
    assert _profiles() == []
    with reading():
        assert AttendanceImport.unscoped.count() == 1


def test_it_asks_what_unknown_codes_mean_and_imports_the_same_file_again(
    client,
    district_admin,
    district,
    sis_district,
    export,
    tmp_path,
    django_capture_on_commit_callbacks,
):
    daily = pd.read_csv(export.daily, dtype=str)
    daily.loc[5, "attendance_code"] = "FT"  # field trip
    daily.loc[9, "attendance_code"] = "ft"
    path = tmp_path / "daily.csv"
    daily.to_csv(path, index=False)
    failed = import_file(district, path, uploaded_by=district_admin)
    assert failed.status == ImportStatus.FAILED

    client.force_login(district_admin)
    page = client.get(f"{IMPORTS}/{failed.pk}/").content.decode()
    assert "has not said the meaning of: FT." in page
    assert f'href="{IMPORTS}/{failed.pk}/codes/">Say what these codes mean</a>' in page

    page = client.get(f"{IMPORTS}/{failed.pk}/codes/").content.decode()
    assert "<legend>Code “FT”</legend>" in page and "“ft”" not in page
    assert '<label for="id_code0_category">What “FT” means</label>' in page
    # The district's codes so far: the defaults a first import adds, though none is saved yet.
    assert (
        '<th scope="row">OSS</th>' in page and "Out-of-school suspension (common default)" in page
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{IMPORTS}/{failed.pk}/codes/", {"code0_category": "1"})
    retried = _record(response)
    assert retried.status == ImportStatus.SUCCEEDED, retried.errors
    with reading():
        failed.refresh_from_db()
    assert failed.status == ImportStatus.FAILED
    with system_context(district, reason="test"):
        field_trip = AttendanceCode.objects.get(code="FT")
    assert field_trip.category == AttendanceCategory.PRESENT


def test_only_a_partial_day_absence_has_a_share_of_the_day(client, district_admin, stopped):
    client.force_login(district_admin)
    _, failed = stopped
    response = client.post(
        f"{IMPORTS}/{failed.pk}/codes/", {"code0_category": "1", "code0_fraction": "0.5"}
    )
    assert "Only a partial-day absence misses a share of the day." in response.content.decode()
    with reading():
        assert AttendanceCode.unscoped.count() == 0


def test_defining_a_code_the_district_has_in_another_case_gives_it_the_new_meaning(district):
    with system_context(district, reason="test"):
        AttendanceCode.objects.create(
            district=district, code="ft", category=AttendanceCategory.EXCUSED
        )
        services.attendance_codes_define(
            district=district,
            codes={
                "FT": (AttendanceCategory.PRESENT, None),
                "HD": (AttendanceCategory.PARTIAL, Decimal("0.25")),
            },
        )
        codes = dict(AttendanceCode.objects.values_list("code", "category"))
        half = AttendanceCode.objects.get(code="HD")
    assert codes == {"ft": AttendanceCategory.PRESENT, "HD": AttendanceCategory.PARTIAL}
    assert half.absent_fraction == Decimal("0.25")


@pytest.mark.parametrize("page", ["columns", "codes"])
@pytest.mark.parametrize("persona", ["principal", "school_team_member", "partner_staff"])
def test_the_mapping_pages_are_for_district_wide_roles(client, request, stopped, persona, page):
    client.force_login(request.getfixturevalue(persona))
    needs_mapping, failed = stopped
    record = needs_mapping if page == "columns" else failed
    assert client.get(f"{IMPORTS}/{record.pk}/{page}/").status_code == 403
    assert client.post(f"{IMPORTS}/{record.pk}/{page}/", MATCHING).status_code == 403


@pytest.mark.parametrize("page", ["columns", "codes"])
def test_another_districts_import_is_not_found(client, stopped, outsider, page):
    client.force_login(outsider)
    for record in stopped:
        assert client.get(f"/d/lakeview/attendance/imports/{record.pk}/{page}/").status_code == 404
        assert client.get(f"{IMPORTS}/{record.pk}/{page}/").status_code == 404


def test_an_import_with_nothing_to_settle_has_no_mapping_pages(
    client, district_admin, district, stopped
):
    needs_mapping, failed = stopped
    succeeded = AttendanceImportFactory(district=district, kind=Kind.SUMMARY)
    with system_context(district, reason="test"):
        AttendanceImport.objects.filter(pk=failed.pk).update(
            errors=[
                {"row": 4, "column": "date", "value": "x", "reason": "Not a date.", "code": "value"}
            ]
        )
    client.force_login(district_admin)
    assert client.get(f"{IMPORTS}/{succeeded.pk}/columns/").status_code == 404
    assert client.get(f"{IMPORTS}/{succeeded.pk}/codes/").status_code == 404
    assert client.get(f"{IMPORTS}/{needs_mapping.pk}/codes/").status_code == 404
    assert client.get(f"{IMPORTS}/{failed.pk}/codes/").status_code == 404  # no unknown code
    assert client.get(f"{IMPORTS}/{failed.pk}/columns/").status_code == 404


def test_it_asks_which_of_two_look_alike_columns_holds_the_student_id(
    client, district_admin, district, tmp_path, django_capture_on_commit_callbacks
):
    path = tmp_path / "two-ids.csv"
    path.write_text("student_id,PermID,school_code,days_enrolled,days_absent\n1001,9001,101,80,4\n")
    client.force_login(district_admin)
    record = _upload(client, path, django_capture_on_commit_callbacks)
    assert record.status == ImportStatus.NEEDS_MAPPING
    assert "student_id, PermID all look like student id" in record.message
    page = client.get(f"{IMPORTS}/{record.pk}/columns/").content.decode()
    assert '<option value="summary" selected>Per-student summary</option>' in page
    assert "Several columns look like this one (student_id, PermID); choose the right one." in page
    assert '<option value="school_code" selected>school_code</option>' in page


def test_only_an_import_that_stopped_short_is_imported_again(district, district_admin):
    succeeded = AttendanceImportFactory(district=district, kind=Kind.SUMMARY)
    refused = pytest.raises(ValueError, match="is not imported again")
    with system_context(district, reason="test"), refused:
        services.attendance_import_retry(
            attendance_import=succeeded, kind=Kind.SUMMARY, uploaded_by=district_admin
        )
