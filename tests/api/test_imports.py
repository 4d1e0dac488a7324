"""Imports over the API: a file sent, checked, previewed and confirmed as on the upload page,
polled for its status and problems; batches of Ed-Fi attendance events checked in the request
as far as no database is needed, then merged by a worker as daily files are, refused whole
with the event and field named either way; an integration token imports but reads no
student."""

from __future__ import annotations

import json
import time
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from districts.models import AuditEvent
from districts.tenancy import system_context
from tiering.models import (
    AttendanceCategory,
    AttendanceDay,
    AttendanceImport,
    ImportSource,
    ImportStatus,
    RecomputeRun,
    RecomputeStatus,
)

from .tokens import integration_token, personal_token, token_client

IMPORTS = "/api/v1/districts/riverside/imports/"
EVENTS = "/api/v1/districts/riverside/attendance-events/"
DAILY = "student_id,school_code,date,attendance_code\n"
EXCUSED = "uri://ed-fi.org/AttendanceEventCategoryDescriptor#Excused Absence"
PRESENT = "uri://ed-fi.org/AttendanceEventCategoryDescriptor#In Attendance"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def year(school_year, school_a, school_b, media):
    return school_year


def _file(text: str, name: str = "daily.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def _send(api, capture, data: dict):
    with capture(execute=True):
        return api.post(IMPORTS, data)


def _days(district) -> dict[tuple[str, date], int]:
    with system_context(district, reason="test"):
        return {
            (sis_id, day): category
            for sis_id, day, category in AttendanceDay.objects.values_list(
                "student__sis_id", "date", "category"
            )
        }


def test_a_file_is_checked_previewed_and_imported_on_the_go_ahead(
    district, district_admin, year, django_capture_on_commit_callbacks
):
    api = token_client(personal_token(district_admin, district))
    first = DAILY + "S1,101,2026-09-01,P\nS1,101,2026-09-02,A\nS2,101,2026-09-01,P\n"
    sent = _send(api, django_capture_on_commit_callbacks, {"file": _file(first)})
    assert sent.status_code == 202, sent.content
    body = sent.json()
    assert sent["Location"] == body["url"] and body["url"].startswith("http://testserver/api/")

    # As on the page: checked, nothing written, waiting for the go-ahead.
    waiting = api.get(body["url"]).json()
    assert waiting["status"] == ImportStatus.PREVIEWED and waiting["awaits_confirmation"]
    assert not waiting["asks_coverage"] and waiting["preview"]["in_file"] == 2
    assert waiting["progress"]["percent"] == 100 and not _days(district)

    with django_capture_on_commit_callbacks(execute=True):
        confirmed = api.post(body["url"] + "confirm/", {}, content_type="application/json")
    assert confirmed.status_code == 202 and confirmed["Location"] == body["url"]
    done = api.get(body["url"]).json()
    assert done["status"] == ImportStatus.SUCCEEDED and done["rows_imported"] == 3
    assert _days(district)[("S1", date(2026, 9, 2))] == AttendanceCategory.UNEXCUSED
    again = api.post(body["url"] + "confirm/", {}, content_type="application/json")
    assert again.status_code == 409 and "no preview" in again.json()["detail"]

    # A later file leaving S2 out asks what that means, as the page does.
    later = DAILY + "S1,101,2026-09-03,P\n"
    with django_capture_on_commit_callbacks(execute=True):
        url = api.post(IMPORTS, {"file": _file(later, "later.csv")}).json()["url"]
    assert api.get(url).json()["asks_coverage"]
    unanswered = api.post(url + "confirm/", {}, content_type="application/json")
    assert unanswered.status_code == 400 and "coverage" in unanswered.json()
    with django_capture_on_commit_callbacks(execute=True):
        answered = api.post(url + "confirm/", {"coverage": "partial"}, "application/json")
    assert answered.status_code == 202
    assert api.get(url).json()["status"] == ImportStatus.SUCCEEDED
    assert ("S2", date(2026, 9, 1)) in _days(district)

    with system_context(district, reason="test"):
        purposes = list(
            AuditEvent.objects.filter(api_token__startswith="Test token").values_list(
                "purpose", flat=True
            )
        )
    assert "Uploaded later.csv for import (API)" in purposes
    assert any(p.startswith("Confirmed the import of daily.csv") for p in purposes)


def test_a_coverage_given_up_front_imports_once_checked(
    district, district_admin, year, django_capture_on_commit_callbacks
):
    api = token_client(personal_token(district_admin, district))
    sent = _send(
        api,
        django_capture_on_commit_callbacks,
        {"file": _file(DAILY + "S1,101,2026-09-01,E\n"), "coverage": "partial"},
    )
    assert api.get(sent["Location"]).json()["status"] == ImportStatus.SUCCEEDED
    with system_context(district, reason="test"):
        assert AttendanceImport.objects.get().source == ImportSource.API


def test_each_problem_of_a_file_is_listed_by_row_and_column(
    district, district_admin, year, django_capture_on_commit_callbacks
):
    api = token_client(personal_token(district_admin, district))
    text = DAILY + "S1,101,2026-09-01,P\nS1,999,2026-09-02,P\nS2,101,someday,P\n"
    sent = _send(api, django_capture_on_commit_callbacks, {"file": _file(text)})
    failed = api.get(sent["Location"]).json()
    assert failed["status"] == ImportStatus.FAILED and failed["error_count"] == 2
    assert sorted((p["row"], p["column"], p["value"]) for p in failed["problems"]) == [
        (3, "school_code", "999"),
        (4, "date", "someday"),
    ]
    assert not _days(district)


def test_a_refused_file_keeps_nothing_and_is_recorded(district, district_admin, year):
    api = token_client(personal_token(district_admin, district))
    refused = api.post(IMPORTS, {"file": _file("%PDF-1.7 records", "records.pdf")})
    assert refused.status_code == 400
    assert refused.json()["problems"][0]["code"] == "file"
    with system_context(district, reason="test"):
        assert not AttendanceImport.objects.exists()
        assert AuditEvent.objects.filter(purpose__startswith="Upload refused").exists()
    # No file at all: the same refusal's shape, the missing field named as its column.
    missing = api.post(IMPORTS, {"kind": "daily"})
    assert missing.status_code == 400
    assert [(p["column"], p["code"]) for p in missing.json()["problems"]] == [("file", "file")]
    assert missing.json()["detail"].startswith("Nothing was imported: ")


def test_an_integration_token_imports_but_reads_no_student_nor_others_imports(
    district, district_admin, year, tiered, django_capture_on_commit_callbacks
):
    api = token_client(integration_token(district_admin, district))
    sent = _send(
        api,
        django_capture_on_commit_callbacks,
        {"file": _file(DAILY + "S1,101,2026-09-01,P\n"), "coverage": "partial"},
    )
    assert sent.status_code == 202
    assert api.get(sent["Location"]).json()["status"] == ImportStatus.SUCCEEDED
    batch = {"studentSchoolAttendanceEvents": [_event("S1", "2026-09-02", EXCUSED)]}
    assert api.post(EVENTS, batch, "application/json").status_code == 202

    for reading in ("standings/", "snapshots/", f"students/{_student(district, 'S1')}/"):
        assert api.get(f"/api/v1/districts/riverside/{reading}").status_code == 403
    with system_context(district, reason="test"):
        theirs = AttendanceImport.objects.filter(api_token__isnull=True).first()
    assert api.get(f"{IMPORTS}{theirs.pk}/").status_code == 404
    # The district's administrator sees every import, the token's too.
    admin = token_client(personal_token(district_admin, district))
    assert admin.get(sent["Location"]).status_code == 200


def _student(district, sis_id: str) -> int:
    from tiering.models import Student

    with system_context(district, reason="test"):
        return Student.objects.get(sis_id=sis_id).pk


def _event(student: str, day: str, category: str, school: object = 101) -> dict:
    return {
        "studentReference": {"studentUniqueId": student},
        "schoolReference": {"schoolId": school},
        "eventDate": day,
        "attendanceEventCategoryDescriptor": category,
    }


def _post_events(api, events: list) -> object:
    return api.post(
        EVENTS,
        json.dumps({"studentSchoolAttendanceEvents": events}),
        content_type="application/json",
    )


def _merged(api, url: str) -> dict:
    """The import at ``url`` once the worker has finished it."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        body = api.get(url).json()
        if body["finished_at"]:
            return body
        time.sleep(0.2)
    raise AssertionError(f"the worker never finished {url}: {body}")


def test_a_batch_is_accepted_then_merged_by_a_worker(celery_worker, district, district_admin, year):
    api = token_client(personal_token(district_admin, district))
    accepted = _post_events(
        api,
        [
            _event("S1", "2026-09-01", PRESENT),
            _event("S1", "2026-09-02", EXCUSED),
            _event("S2", "2026-09-01", "uri://ed-fi.org/AttendanceEventCategoryDescriptor#Tardy"),
        ],
    )
    assert accepted.status_code == 202, accepted.content
    body = accepted.json()
    assert accepted["Location"] == body["url"] and body["url"].startswith("http://testserver/api/")
    assert body["status"] == ImportStatus.QUEUED and body["source"] == ImportSource.EVENTS

    merged = _merged(api, body["url"])
    assert merged["status"] == ImportStatus.SUCCEEDED, merged["message"]
    assert merged["rows_imported"] == 3 and "recompute" in merged["message"]
    assert _days(district) == {
        ("S1", date(2026, 9, 1)): AttendanceCategory.PRESENT,
        ("S1", date(2026, 9, 2)): AttendanceCategory.EXCUSED,
        ("S2", date(2026, 9, 1)): AttendanceCategory.TARDY,
    }
    with system_context(district, reason="test"):
        assert AuditEvent.objects.filter(
            purpose__startswith="Sent attendance events", object_ids=[body["id"]]
        ).exists()


def _accept(api, capture, events: list) -> tuple[object, list]:
    """Sends a batch, keeping its import's task (queued on commit) to run when the test says."""
    with capture() as queued:
        accepted = _post_events(api, events)
    assert accepted.status_code == 202, accepted.content
    return accepted, queued


def test_events_replace_only_the_days_they_name_and_queue_one_recompute(
    district, district_admin, year, django_capture_on_commit_callbacks
):
    api = token_client(personal_token(district_admin, district))
    first, first_import = _accept(
        api,
        django_capture_on_commit_callbacks,
        [
            _event("S1", "2026-09-01", PRESENT),
            _event("S1", "2026-09-02", EXCUSED),
            _event("S2", "2026-09-01", "uri://ed-fi.org/AttendanceEventCategoryDescriptor#Tardy"),
        ],
    )
    # A correction names one day: that day is replaced, the student's others stay.
    fixed, fixed_import = _accept(
        api, django_capture_on_commit_callbacks, [_event("S1", "2026-09-02", PRESENT)]
    )
    assert not _days(district)  # accepted, not yet merged
    # The imports run in turn as a worker runs them; the recomputes they queue are kept.
    with django_capture_on_commit_callbacks() as recomputes:
        for run_import in first_import + fixed_import:
            run_import()
    assert recomputes
    for accepted in (first, fixed):
        assert api.get(accepted["Location"]).json()["status"] == ImportStatus.SUCCEEDED
    assert _days(district) == {
        ("S1", date(2026, 9, 1)): AttendanceCategory.PRESENT,
        ("S1", date(2026, 9, 2)): AttendanceCategory.PRESENT,
        ("S2", date(2026, 9, 1)): AttendanceCategory.TARDY,
    }
    # Both batches wait for one classification, not one each.
    with system_context(district, reason="test"):
        runs = list(RecomputeRun.objects.values_list("status", flat=True))
    assert runs == [RecomputeStatus.QUEUED]

    # The same batch again is recorded as a duplicate and changes nothing.
    repeat, _queued = _accept(
        api, django_capture_on_commit_callbacks, [_event("S1", "2026-09-02", PRESENT)]
    )
    assert repeat.json()["status"] == ImportStatus.DUPLICATE


def test_an_event_saying_not_enrolled_removes_the_day_it_names(
    district, district_admin, year, django_capture_on_commit_callbacks
):
    api = token_client(personal_token(district_admin, district))
    with django_capture_on_commit_callbacks(execute=True):
        _post_events(
            api,
            [
                _event("S1", "2026-09-01", PRESENT),
                _event("S1", "2026-09-02", EXCUSED),
                _event("S2", "2026-09-02", EXCUSED),
            ],
        )
        # "NE", the district's code for not enrolled: a day that is not one of S1's.
        gone = _post_events(
            api, [_event("S1", "2026-09-02", "NE"), _event("S2", "2026-09-03", PRESENT)]
        )
    assert api.get(gone["Location"]).json()["status"] == ImportStatus.SUCCEEDED
    assert _days(district) == {
        ("S1", date(2026, 9, 1)): AttendanceCategory.PRESENT,
        ("S2", date(2026, 9, 2)): AttendanceCategory.EXCUSED,
        ("S2", date(2026, 9, 3)): AttendanceCategory.PRESENT,
    }


def test_the_queued_recompute_places_the_events_students_in_bands(
    district, district_admin, year, django_capture_on_commit_callbacks
):
    api = token_client(personal_token(district_admin, district))
    with django_capture_on_commit_callbacks(execute=True):
        saved = _post_events(api, [_event("S1", "2026-09-01", EXCUSED)])
    assert saved.status_code == 202
    with system_context(district, reason="test"):
        run = RecomputeRun.objects.get()
    assert run.status == RecomputeStatus.SUCCEEDED and run.students == 1


def test_a_batch_with_an_event_the_import_cannot_read_is_refused_with_the_event_named(
    district, district_admin, year
):
    api = token_client(personal_token(district_admin, district))
    events = [
        _event("S1", "2026-09-01", PRESENT),
        _event("S2", "2026-09-31", PRESENT),
        _event("", "2026-09-01", PRESENT),
    ]
    refused = _post_events(api, events)
    assert refused.status_code == 400
    body = refused.json()
    assert "nothing was imported" in body["detail"]
    assert [(p["index"], p["field"], p["value"]) for p in body["problems"]] == [
        (1, "eventDate", "2026-09-31"),
        (2, "studentReference.studentUniqueId", ""),
    ]
    assert body["problems"][0]["reason"].startswith("Not a date")
    with system_context(district, reason="test"):
        assert not AttendanceImport.objects.exists()


def test_a_batch_the_districts_data_refuses_fails_whole_with_the_event_named(
    district, district_admin, year, django_capture_on_commit_callbacks
):
    api = token_client(personal_token(district_admin, district))
    events = [
        _event("S1", "2026-09-01", PRESENT),
        _event("S3", "2026-09-01", PRESENT, school=999),
        _event("S4", "2026-09-01", "uri://ed-fi.org/AttendanceEventCategoryDescriptor#Nap"),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        accepted = _post_events(api, events)
    assert accepted.status_code == 202, accepted.content
    failed = api.get(accepted["Location"]).json()
    assert failed["status"] == ImportStatus.FAILED and "nothing was imported" in failed["message"]
    assert [(p["index"], p["column"], p["value"]) for p in failed["problems"]] == [
        (1, "schoolReference.schoolId", "999"),
        (2, "attendanceEventCategoryDescriptor", "Nap"),
    ]
    assert not _days(district)


def test_a_batch_naming_a_day_twice_fails_whole_with_the_repeat_named(
    district, district_admin, year, django_capture_on_commit_callbacks
):
    api = token_client(personal_token(district_admin, district))
    events = [
        _event("S1", "2026-09-01", PRESENT),
        _event("S2", "2026-09-01", PRESENT),
        _event("S1", "2026-09-01", EXCUSED),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        accepted = _post_events(api, events)
    failed = api.get(accepted["Location"]).json()
    assert failed["status"] == ImportStatus.FAILED
    assert [(p["index"], p["column"], p["code"]) for p in failed["problems"]] == [
        (2, "eventDate", "repeated_row")
    ]
    assert not _days(district)


def test_a_batch_of_the_wrong_shape_is_refused_naming_the_event(district, district_admin, year):
    api = token_client(personal_token(district_admin, district))
    shapeless = _post_events(
        api,
        [
            _event("S1", "2026-09-01", PRESENT),
            "S2",
            {**_event("S3", "2026-09-01", PRESENT), "schoolReference": 101},
        ],
    )
    assert shapeless.status_code == 400
    assert [(p["index"], p["field"]) for p in shapeless.json()["problems"]] == [
        (1, ""),
        (2, "schoolReference"),
    ]
    empty = api.post(EVENTS, {"events": []}, "application/json")
    assert empty.status_code == 400 and empty.json()["problems"][0]["index"] is None
    with system_context(district, reason="test"):
        assert not AttendanceImport.objects.exists()
        assert (
            AuditEvent.objects.filter(purpose__startswith="Attendance events refused").count() == 2
        )


def test_a_batch_past_the_limit_is_refused(district, district_admin, year, settings):
    api = token_client(personal_token(district_admin, district))
    too_many = _post_events(api, [_event("S1", "2026-09-01", PRESENT)] * 10_001)
    assert too_many.status_code == 400
    assert "at most 10,000" in too_many.json()["detail"]
