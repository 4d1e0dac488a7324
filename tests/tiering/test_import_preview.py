"""A file that leaves out students the district already has (issue 15, point 1): the import
is checked and previewed per school before anything is written, a choice says whether the file
updates only its own students or is complete for its schools, and one facts rule rates every
student the same way whichever import or recompute ran last."""

import io
from datetime import UTC, datetime

import pandas as pd
import pytest
from django.core.management import CommandError, call_command

from districts.models import AuditEvent
from districts.tenancy import system_context
from tests.reading import reading
from tests.sis import LAST_DAY, import_file
from tiering import recompute, services, tasks
from tiering.models import (
    AttendanceDay,
    AttendanceImport,
    Coverage,
    ImportStatus,
    RecomputeStatus,
    Snapshot,
    Standing,
)

from .test_import import _table_fingerprint


def _latest_primary(district) -> Snapshot:
    with system_context(district, reason="test"):
        return Snapshot.objects.filter(rule_set__is_primary=True).latest("created_at", "pk")


def _bands(district, snapshot) -> dict[tuple[str, str | None], tuple]:
    with system_context(district, reason="test"):
        return {
            (sis_id, code): (band, enrolled, absent)
            for sis_id, code, band, enrolled, absent in Standing.objects.filter(
                snapshot=snapshot
            ).values_list(
                "student__sis_id", "school__sis_code", "band", "days_enrolled", "days_absent"
            )
        }


def _rated(district, snapshot, school_code=None) -> set[str]:
    """The students with a standing in the snapshot: across the district, or at one school."""
    with system_context(district, reason="test"):
        standings = Standing.objects.filter(snapshot=snapshot)
        if school_code is not None:
            standings = standings.filter(school__sis_code=school_code)
        return set(standings.values_list("student__sis_id", flat=True))


@pytest.fixture
def summary(export) -> pd.DataFrame:
    return pd.read_csv(export.summary, dtype={"student_id": str, "school_code": str})


def _part_of_one_school(summary, tmp_path, *, share=0.3, name="part.csv"):
    """A valid summary file for part of the first school: its first ``share`` of students,
    each given 30 days absent (so their bands show which facts rated them)."""
    school = summary.school_code.iloc[0]
    students = summary[summary.school_code == school]
    part = students.head(int(len(students) * share)).copy()
    part["days_absent"] = part["days_enrolled"].clip(upper=30)
    part = part.assign(excused=part.days_absent, unexcused=0, suspension=0)
    path = tmp_path / name
    part.to_csv(path, index=False)
    return school, part, path


def _daily_up_to(export, generated, tmp_path, day_index: int):
    daily = pd.read_csv(export.daily, dtype=str)
    cut = generated.calendar.instructional_days[day_index].isoformat()
    path = tmp_path / "daily-to-date.csv"
    daily[daily.date <= cut].to_csv(path, index=False)
    return path


def test_a_partial_summary_updates_only_its_students_and_keeps_everyone_elses_figures(
    district, sis_district, export, generated, summary, tmp_path
):
    assert import_file(district, _daily_up_to(export, generated, tmp_path, 100)).status == (
        ImportStatus.SUCCEEDED
    )
    before = _latest_primary(district)
    school, part, path = _part_of_one_school(summary, tmp_path)
    district_rated, school_rated = _rated(district, before), _rated(district, before, school)

    record = import_file(district, path)  # totals to the year's last day, after the daily days

    assert record.status == ImportStatus.SUCCEEDED, record.errors
    after = _latest_primary(district)
    assert after.source_import_id == record.pk
    # Everyone stays rated; the file's students who had no days at its school yet join it.
    assert _rated(district, after) == district_rated | set(part.student_id)
    assert _rated(district, after, school) == school_rated | set(part.student_id)
    assert len(district_rated) > 3 * len(part)
    bands = _bands(district, after)
    for row in part.itertuples():
        # The file's students are rated from its totals, which run past their daily days.
        assert bands[(row.student_id, school)][1:] == (row.days_enrolled, row.days_absent)
    untouched = _bands(district, before)
    others = {k: v for k, v in untouched.items() if k[0] not in set(part.student_id)}
    assert {k: bands[k] for k in others} == others
    assert "keep their attendance" in record.message


def test_an_import_then_recompute_now_give_identical_bands(
    district, sis_district, export, summary, tmp_path
):
    assert import_file(district, export.daily).status == ImportStatus.SUCCEEDED
    # Totals to the same day as the daily records: the rule, not the order, decides.
    _, _, path = _part_of_one_school(summary, tmp_path)
    record = import_file(district, path, as_of=LAST_DAY)
    assert record.status == ImportStatus.SUCCEEDED, record.errors
    imported = _latest_primary(district)

    with system_context(district, reason="test"):
        run = recompute.run_request(district=district, requested_by=None)
    now = datetime(LAST_DAY.year, LAST_DAY.month, LAST_DAY.day, 18, tzinfo=UTC)
    assert recompute.run_execute(district_id=district.pk, run_id=run.pk, now=now) == (
        RecomputeStatus.SUCCEEDED
    )
    recomputed = _latest_primary(district)

    assert recomputed.pk != imported.pk and recomputed.as_of == imported.as_of
    assert _bands(district, recomputed) == _bands(district, imported)


def test_a_check_previews_each_school_and_writes_nothing(
    district, sis_district, export, generated, summary, tmp_path
):
    import_file(district, export.daily)
    school, part, path = _part_of_one_school(summary, tmp_path)
    newcomer = part.iloc[[0]].assign(student_id="NEW-1")
    pd.concat([part, newcomer]).to_csv(path, index=False)
    known = summary[summary.school_code == school].student_id.nunique()
    before = _table_fingerprint()

    record = import_file(district, path, coverage=None)

    assert record.status == ImportStatus.PREVIEWED, record.errors
    assert _table_fingerprint() == before
    assert record.preview["schools"] == [
        {
            "code": school,
            "name": next(s.name for s in generated.schools if s.sis_code == school),
            "in_file": len(part) + 1,
            "new": 1,
            "updated": len(part),
            "not_mentioned": known - len(part),
        }
    ]
    assert record.preview["asks"] is True
    assert "nothing has been changed yet" in record.message


def test_a_confirmed_preview_imports_with_the_choice_made(
    district, sis_district, export, summary, tmp_path, django_capture_on_commit_callbacks
):
    import_file(district, export.daily)
    school, part, path = _part_of_one_school(summary, tmp_path)
    record = import_file(district, path, coverage=None)

    with (
        system_context(district, reason="test"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        confirmed = services.attendance_import_confirm(
            attendance_import=record, coverage=Coverage.COMPLETE
        )
        tasks.attendance_import_queue(attendance_import=confirmed)

    with reading(district):
        record.refresh_from_db()
    assert (record.status, record.coverage) == (ImportStatus.SUCCEEDED, Coverage.COMPLETE)
    assert record.confirmed_at is not None
    after = _latest_primary(district)
    # Complete for its school: the students it left out are no longer enrolled there.
    assert _rated(district, after, school) == set(part.student_id)
    with system_context(district, reason="test"):
        assert (
            not AttendanceDay.objects.filter(school__sis_code=school)
            .exclude(student__sis_id__in=list(part.student_id))
            .exists()
        )
    assert "are no longer enrolled there" in record.message
    # Every other school keeps its students.
    for code in set(summary.school_code) - {school}:
        assert _rated(district, after, code) == set(summary[summary.school_code == code].student_id)


def test_a_preview_is_confirmed_once(district, sis_district, export, summary, tmp_path):
    _, _, path = _part_of_one_school(summary, tmp_path)
    record = import_file(district, path, coverage=None)
    with system_context(district, reason="test"):
        services.attendance_import_confirm(attendance_import=record, coverage=Coverage.PARTIAL)
        with pytest.raises(ValueError, match="no preview to confirm"):
            services.attendance_import_confirm(attendance_import=record, coverage=Coverage.COMPLETE)


def test_the_command_refuses_a_file_that_leaves_students_out_unless_told_what_it_means(
    district, sis_district, export, summary, tmp_path
):
    import_file(district, export.daily)
    _, _, path = _part_of_one_school(summary, tmp_path)
    before = _table_fingerprint()
    with reading(district):
        imports = AttendanceImport.unscoped.count()

    out = io.StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("import_attendance", path, district="riverside", as_of=LAST_DAY, stdout=out)

    assert "--partial" in str(refused.value) and "--complete" in str(refused.value)
    assert "nothing was changed" in str(refused.value)
    assert "Already known, not in the file" in out.getvalue()
    assert _table_fingerprint() == before
    with reading(district):
        assert AttendanceImport.unscoped.count() == imports

    out = io.StringIO()
    call_command(
        "import_attendance", path, "--partial", district="riverside", as_of=LAST_DAY, stdout=out
    )
    assert out.getvalue().startswith(f"{path.name}: Imported — ")
    with reading(district):
        assert AttendanceImport.unscoped.latest("created_at").coverage == Coverage.PARTIAL


def test_the_command_imports_a_file_that_leaves_no_one_out_without_a_choice(
    district, sis_district, export
):
    import_file(district, export.summary)
    out = io.StringIO()
    call_command("import_attendance", export.daily, district="riverside", stdout=out)
    assert out.getvalue().startswith(f"{export.daily.name}: Imported — ")


def test_the_upload_page_previews_and_imports_only_once_confirmed(
    client,
    district_admin,
    district,
    sis_district,
    export,
    summary,
    tmp_path,
    django_capture_on_commit_callbacks,
):
    import_file(district, export.daily)
    _, _, path = _part_of_one_school(summary, tmp_path)
    before = _table_fingerprint()
    client.force_login(district_admin)
    with django_capture_on_commit_callbacks(execute=True), path.open("rb") as upload:
        response = client.post(
            "/d/riverside/attendance/imports/",
            {"file": upload, "daily_mode": "replace", "as_of": LAST_DAY.isoformat()},
        )
    page = client.get(response["Location"]).content.decode()
    assert "Checked: waiting for your go-ahead" in page
    assert "What this file will change, per school" in page
    assert Coverage.COMPLETE.label in page and Coverage.PARTIAL.label in page
    assert _table_fingerprint() == before

    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(response["Location"] + "confirm/", {"coverage": Coverage.PARTIAL})
    assert confirmed["Location"] == response["Location"]
    page = client.get(response["Location"]).content.decode()
    assert "Imported." in page and "keep their attendance" in page
    with reading(district):
        assert AuditEvent.objects.filter(
            purpose__startswith=f"Confirmed the import of {path.name}"
        ).exists()


@pytest.mark.parametrize("coverage", [Coverage.PARTIAL, Coverage.COMPLETE])
def test_a_year_to_date_daily_file_for_part_of_a_school_means_what_was_chosen(
    district, sis_district, export, coverage, tmp_path
):
    assert import_file(district, export.daily).status == ImportStatus.SUCCEEDED
    everyone = _rated(district, _latest_primary(district))
    daily = pd.read_csv(export.daily, dtype=str)
    school = daily.school_code.iloc[0]
    at_school = daily[daily.school_code == school]
    kept = set(at_school.student_id.unique()[: at_school.student_id.nunique() // 3])
    path = tmp_path / "part.csv"
    at_school[at_school.student_id.isin(kept)].to_csv(path, index=False)
    known_there = _rated(district, _latest_primary(district), school)

    record = import_file(district, path, coverage=coverage)

    assert record.status == ImportStatus.SUCCEEDED, record.errors
    assert record.preview["asks"] is True
    after = _latest_primary(district)
    if coverage == Coverage.PARTIAL:
        assert _rated(district, after, school) == known_there
        assert _rated(district, after) == everyone
    else:
        assert _rated(district, after, school) == kept
        # The others leave the school's list; those who also attended another school are
        # still rated there, and so across the district.
        elsewhere = set().union(
            *(_rated(district, after, code) for code in set(daily.school_code) - {school})
        )
        assert _rated(district, after) == everyone - (known_there - kept - elsewhere)
        assert known_there - kept - elsewhere
