"""The import pipeline end to end on real PostgreSQL: read → COPY → check → merge → classify."""

import csv
import hashlib
import io
from datetime import date
from decimal import Decimal

import pandas as pd
import pytest
from django.core.files import File
from django.core.management import CommandError, call_command
from django.db import connection

from districts.tenancy import system_context
from tests.reading import reading
from tests.sis import LAST_DAY, import_file
from tiering import ingest, selectors, services
from tiering.bands import Band, classify
from tiering.headers import Kind
from tiering.models import (
    AttendanceCategory,
    AttendanceCode,
    AttendanceDay,
    AttendanceImport,
    AttendanceSummary,
    DailyMode,
    ImportStatus,
    RuleSet,
    Snapshot,
    Standing,
    Student,
)
from tiering.readers import ProblemCode


def _bands(district, snapshot) -> dict[tuple[str, str | None], str]:
    with system_context(district, reason="test"):
        return {
            (sis_id, code): band
            for sis_id, code, band in Standing.objects.for_district(district)
            .filter(snapshot=snapshot)
            .values_list("student__sis_id", "school__sis_code", "band")
        }


def _latest_primary(district):
    with system_context(district, reason="test"):
        return Snapshot.objects.for_district(district).filter(rule_set__is_primary=True).latest()


def test_a_summary_file_places_every_student_in_a_band(district, sis_district, export):
    record = import_file(district, export.summary)
    assert record.status == ImportStatus.SUCCEEDED, record.errors
    summary = pd.read_csv(export.summary, dtype={"student_id": str, "school_code": str})
    bands = _bands(district, _latest_primary(district))
    for row in summary.itertuples():
        expected = classify(days_absent=row.days_absent, days_enrolled=row.days_enrolled)
        assert bands[(row.student_id, row.school_code)] == expected.value
    # One standing per student and school, and one across the district per student who
    # attended more than one school.
    transfers = summary.student_id[summary.student_id.duplicated()].nunique()
    assert transfers > 0
    assert len(bands) == len(summary) + transfers
    assert {Band(b) for b in bands.values()} == set(Band)


def test_a_daily_file_and_its_summary_give_the_same_bands(district, sis_district, export):
    assert import_file(district, export.daily).status == ImportStatus.SUCCEEDED
    from_daily = _bands(district, _latest_primary(district))
    assert import_file(district, export.summary).status == ImportStatus.SUCCEEDED
    from_summary = _bands(district, _latest_primary(district))
    assert from_daily == from_summary


def test_a_transfer_is_rated_at_each_school_and_once_for_the_district(
    district, sis_district, export
):
    import_file(district, export.daily)
    summary = pd.read_csv(export.summary, dtype={"student_id": str, "school_code": str})
    movers = summary[summary.duplicated("student_id", keep=False)]
    assert not movers.empty
    student = movers.student_id.iloc[0]
    stints = movers[movers.student_id == student]
    with system_context(district, reason="test"):
        rows = Standing.objects.for_district(district).filter(
            snapshot=_latest_primary(district), student__sis_id=student
        )
        by_school = {s.school.sis_code if s.school else None: s for s in rows}
    assert set(by_school) == {*stints.school_code, None}
    whole = by_school[None]
    enrolled, absent = int(stints.days_enrolled.sum()), int(stints.days_absent.sum())
    assert (whole.days_enrolled, whole.days_absent) == (enrolled, absent)
    assert whole.band == classify(days_absent=absent, days_enrolled=enrolled)


def _table_fingerprint() -> dict[str, str]:
    fingerprint = {}
    with reading(), connection.cursor() as cursor:
        for table in (
            "tiering_student",
            "tiering_attendanceday",
            "tiering_attendancesummary",
            "tiering_snapshot",
            "tiering_standing",
            "districts_school",
        ):
            # The table names are the constants above.
            query = "SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM "
            cursor.execute(query + table + " t")
            fingerprint[table] = cursor.fetchone()[0]
    return fingerprint


def test_a_malformed_file_lists_every_problem_and_changes_nothing(
    district, sis_district, export, tmp_path
):
    import_file(district, export.summary)
    before = _table_fingerprint()
    rows = list(csv.reader(export.summary.open()))
    rows[2][1] = "999"  # unknown school, row 3
    rows[4][4] = "200"  # days absent above days enrolled, row 5
    rows[6][3] = "lots"  # not a number, row 7
    rows.append(rows[10])  # the same student and school twice
    bad = tmp_path / "summary_with_problems.csv"
    with bad.open("w", newline="") as f:
        csv.writer(f).writerows(rows)

    record = import_file(district, bad)

    assert record.status == ImportStatus.FAILED
    problems = {(e["row"], e["column"]) for e in record.errors}
    assert {(5, "days_absent"), (7, "days_enrolled")} <= problems
    assert _table_fingerprint() == before
    assert "nothing was imported" in record.message.lower()


def test_bad_values_and_a_repeated_student_are_listed_in_one_report(
    district, sis_district, export, tmp_path
):
    rows = list(csv.reader(export.summary.open()))
    rows[3][4] = "lots"  # days absent, row 4
    rows[6][3] = "-2"  # days enrolled, row 7
    rows.append(rows[10])  # the student of row 11 again, at the same school
    bad = tmp_path / "summary.csv"
    with bad.open("w", newline="") as f:
        csv.writer(f).writerows(rows)

    record = import_file(district, bad)

    assert record.status == ImportStatus.FAILED
    assert [(e["row"], e["column"], e["code"]) for e in record.errors] == [
        (4, "days_absent", ProblemCode.VALUE),
        (7, "days_enrolled", ProblemCode.VALUE),
        (len(rows), "student_id", ProblemCode.REPEATED_ROW),
    ]
    assert "first in row 11" in record.errors[2]["reason"]
    assert record.error_count == 3


def test_text_too_long_is_listed_beside_a_bad_value(district, sis_district, export, tmp_path):
    # Text too long for its column is otherwise met only by the merge, which a file with a
    # bad value never reaches.
    summary = pd.read_csv(export.summary, dtype=str, keep_default_na=False)
    summary.loc[1, "days_absent"] = "lots"
    summary.loc[3, "student_id"] = "7" * 70
    path = tmp_path / "summary.csv"
    summary.to_csv(path, index=False)

    record = import_file(district, path)

    assert record.status == ImportStatus.FAILED
    assert [(e["row"], e["column"]) for e in record.errors] == [
        (3, "days_absent"),
        (5, "student_id"),
    ]
    assert record.errors[1]["reason"].startswith("Too long: Student ID holds at most")


def test_cross_row_problems_are_found_beside_each_other(district, sis_district, export, tmp_path):
    rows = list(csv.reader(export.summary.open()))
    rows[2][1] = "999"
    rows.append(rows[10])
    bad = tmp_path / "summary.csv"
    with bad.open("w", newline="") as f:
        csv.writer(f).writerows(rows)
    record = import_file(district, bad)
    assert record.status == ImportStatus.FAILED
    reasons = {(e["row"], e["column"]): e["reason"] for e in record.errors}
    assert "Unknown school code" in reasons[(3, "school_code")]
    assert "appears twice" in reasons[(len(rows), "student_id")]
    assert [e["code"] for e in record.errors] == [
        ProblemCode.UNKNOWN_SCHOOL,
        ProblemCode.REPEATED_ROW,
    ]
    with system_context(district, reason="test"):
        assert not Standing.objects.for_district(district).exists()


def test_a_repeated_student_and_day_is_listed_and_changes_nothing(
    district, sis_district, export, tmp_path
):
    import_file(district, export.summary)
    before = _table_fingerprint()
    daily = pd.read_csv(export.daily, dtype=str)
    # A repeat the fact table's key meets, then one as a not-enrolled day, which is never
    # inserted and so must be found by the checks themselves.
    for name, code in (("daily.csv", None), ("daily-ne.csv", "NE")):
        repeated = daily.loc[[10]]
        if code:
            repeated = repeated.assign(attendance_code=code)
        path = tmp_path / name
        pd.concat([daily, repeated]).to_csv(path, index=False)
        record = import_file(district, path)
        assert record.status == ImportStatus.FAILED
        assert [(e["row"], e["column"], e["reason"]) for e in record.errors] == [
            (len(daily) + 2, "date", "The same student and day appear twice (first in row 12).")
        ]
        assert _table_fingerprint() == before


def test_a_repeat_of_a_students_latest_day_is_listed_and_changes_nothing(
    district, sis_district, export, tmp_path
):
    # Found by fuzzing: a daily file repeating the row of a student's last day made the
    # students' upsert meet that student twice ("ON CONFLICT DO UPDATE command cannot affect
    # row a second time") before the fact insert could list the repeat.
    import_file(district, export.summary)
    before = _table_fingerprint()
    daily = pd.read_csv(export.daily, dtype=str)
    student = daily.student_id[0]
    latest = daily[daily.student_id == student].date.idxmax()
    path = tmp_path / "daily.csv"
    pd.concat([daily, daily.loc[[latest]]]).to_csv(path, index=False)

    record = import_file(district, path)

    assert record.status == ImportStatus.FAILED
    assert [(e["row"], e["column"], e["reason"]) for e in record.errors] == [
        (
            len(daily) + 2,
            "date",
            f"The same student and day appear twice (first in row {latest + 2}).",
        )
    ]
    assert _table_fingerprint() == before


def test_day_counts_past_a_year_are_listed_and_change_nothing(district, sis_district, export):
    # Found by probing the fuzzer's odd cells: a summary whose days enrolled was a 40-digit
    # number passed the reader's checks and made the insert raise NumericValueOutOfRange.
    import_file(district, export.summary)
    before = _table_fingerprint()
    lines = export.summary.read_bytes().split(b"\n")
    cells = lines[2].split(b",")
    cells[3] = b"9" * 40
    lines[2] = b",".join(cells)
    path = export.summary.with_name("huge-counts.csv")
    path.write_bytes(b"\n".join(lines))

    record = import_file(district, path)

    assert record.status == ImportStatus.FAILED
    assert [(e["row"], e["column"], e["reason"]) for e in record.errors] == [
        (
            3,
            "days_enrolled",
            "Days enrolled can't be more than 366, the days in a year. Check that the column"
            " counts days of this school year.",
        )
    ]
    assert _table_fingerprint() == before


def test_a_repeated_student_and_school_in_a_summary_is_listed(district, sis_district, export):
    rows = export.summary.read_text().splitlines(keepends=True)
    path = export.summary.with_name("repeated.csv")
    path.write_text("".join([*rows, rows[10]]))
    record = import_file(district, path)
    assert record.status == ImportStatus.FAILED
    assert [(e["row"], e["column"]) for e in record.errors] == [(len(rows) + 1, "student_id")]
    assert "first in row 11" in record.errors[0]["reason"]


def test_a_copy_that_fails_is_raised_when_the_stage_is_closed():
    class FailingCursor:
        def copy_expert(self, sql, file):
            file.read()
            raise RuntimeError("the server refused the COPY")

    frame = pd.DataFrame(
        {
            "row": [2],
            "student_id": pd.Series(["7"], dtype="str"),
            "school_code": pd.Series(["101"], dtype="str"),
            "date": pd.to_datetime(["2025-09-02"]),
            "attendance_code": pd.Series(["P"], dtype="str"),
        }
    )
    with (
        pytest.raises(RuntimeError, match="refused"),
        ingest.StageWriter(FailingCursor(), Kind.DAILY, ingest.Staged()) as stage,
    ):
        for _ in range(10):  # more chunks than the queue holds: writing must not hang
            stage.write(frame)


def _summaries(district) -> dict[tuple[str, str], tuple[Decimal, Decimal, date]]:
    with system_context(district, reason="test"):
        return {
            (sis_id, code): (enrolled, absent, as_of)
            for sis_id, code, enrolled, absent, as_of in AttendanceSummary.objects.for_district(
                district
            ).values_list(
                "student__sis_id", "school__sis_code", "days_enrolled", "days_absent", "as_of"
            )
        }


def test_a_summary_again_replaces_the_totals_it_gives_and_keeps_the_others(
    district, sis_district, export, tmp_path
):
    summary = pd.read_csv(export.summary, dtype={"student_id": str, "school_code": str})
    first = summary.iloc[:-5]
    first.to_csv(tmp_path / "first.csv", index=False)
    assert import_file(district, tmp_path / "first.csv", as_of=date(2026, 5, 1)).status == (
        ImportStatus.SUCCEEDED
    )
    before = _summaries(district)
    # Two weeks later: one student's absences grow, and the file leaves out its first student.
    again = summary.iloc[1:].copy()
    grows = again.index[again.days_absent + 1 <= again.days_enrolled][0]
    again.loc[grows, "days_absent"] += 1
    again.to_csv(tmp_path / "again.csv", index=False)
    record = import_file(district, tmp_path / "again.csv", as_of=date(2026, 5, 15))
    assert record.status == ImportStatus.SUCCEEDED, record.errors
    assert record.rows_imported == len(again)
    after = _summaries(district)
    assert len(after) == len(summary)
    left_out = (summary.student_id.iloc[0], summary.school_code.iloc[0])
    assert after[left_out] == before[left_out]
    for row in again.itertuples():
        enrolled, absent, as_of = after[(row.student_id, row.school_code)]
        assert (enrolled, absent, as_of) == (
            Decimal(str(row.days_enrolled)),
            Decimal(str(row.days_absent)),
            date(2026, 5, 15),
        )


def test_a_repeat_whose_first_copy_changes_nothing_is_listed(
    district, sis_district, export, tmp_path
):
    """The same totals again leave their rows as they are; a repeated row that then gives
    other totals must still be refused, not written over them."""
    assert import_file(district, export.summary).status == ImportStatus.SUCCEEDED
    before = _summaries(district)
    rows = export.summary.read_text().splitlines(keepends=True)
    header = rows[0].rstrip("\n").split(",")
    repeat = rows[10].rstrip("\n").split(",")
    tardy = header.index("tardy")
    repeat[tardy] = str(Decimal(repeat[tardy]) + 1)
    path = tmp_path / "repeated.csv"
    path.write_text("".join([*rows, ",".join(repeat) + "\n"]))
    record = import_file(district, path)
    assert record.status == ImportStatus.FAILED
    assert [(e["row"], e["column"]) for e in record.errors] == [(len(rows) + 1, "student_id")]
    assert "first in row 11" in record.errors[0]["reason"]
    assert _summaries(district) == before


def test_the_same_file_twice_counts_once(district, sis_district, export):
    first = import_file(district, export.summary)
    second = import_file(district, export.summary, name="renamed.csv")
    assert second.status == ImportStatus.DUPLICATE
    with reading(district):
        assert second.duplicate_of == first
    with system_context(district, reason="test"):
        assert Snapshot.objects.for_district(district).count() == 1


def test_the_command_imports_a_nightly_drop_and_says_how_it_ended(
    district, sis_district, export, tmp_path
):
    out = io.StringIO()
    call_command(
        "import_attendance", export.summary, district="riverside", as_of=LAST_DAY, stdout=out
    )
    assert out.getvalue().startswith(f"{export.summary.name}: Imported — ")
    rows = list(csv.reader(export.summary.open()))
    rows[3][4] = "many"
    bad = tmp_path / "bad.csv"
    with bad.open("w", newline="") as f:
        csv.writer(f).writerows(rows)
    with pytest.raises(CommandError, match=r"bad\.csv: Not imported: the file has problems"):
        call_command("import_attendance", bad, district="riverside", stdout=io.StringIO())
    with reading(district):
        assert list(AttendanceImport.unscoped.values_list("status", flat=True).order_by("pk")) == [
            ImportStatus.SUCCEEDED,
            ImportStatus.FAILED,
        ]


def test_unknown_attendance_codes_are_reported_until_the_district_defines_them(
    district, sis_district, export, tmp_path
):
    daily = pd.read_csv(export.daily, dtype=str)
    daily.loc[5, "attendance_code"] = "FT"  # field trip
    path = tmp_path / "daily.csv"
    daily.to_csv(path, index=False)
    record = import_file(district, path)
    assert record.status == ImportStatus.FAILED
    assert record.errors[0]["row"] == 7 and record.errors[0]["column"] == "attendance_code"
    assert record.errors[0]["code"] == ProblemCode.UNKNOWN_ATTENDANCE_CODE
    assert record.errors[0]["reason"].startswith("Unknown attendance code. Say what it means")
    assert selectors.unknown_attendance_codes(attendance_import=record) == ["FT"]

    with system_context(district, reason="test"):
        AttendanceCode.objects.create(
            district=district, code="ft", category=AttendanceCategory.PRESENT
        )
    assert import_file(district, path, name="daily-again.csv").status == ImportStatus.SUCCEEDED


def test_new_days_append_to_a_year_to_date_file(
    district, sis_district, export, generated, tmp_path
):
    daily = pd.read_csv(export.daily, dtype=str)
    cut = generated.calendar.instructional_days[100].isoformat()
    first, rest = daily[daily.date <= cut], daily[daily.date > cut]
    first.to_csv(tmp_path / "to-date.csv", index=False)
    rest.to_csv(tmp_path / "new-days.csv", index=False)

    assert import_file(district, tmp_path / "to-date.csv").status == ImportStatus.SUCCEEDED
    appended = import_file(district, tmp_path / "new-days.csv", daily_mode=DailyMode.APPEND)
    assert appended.status == ImportStatus.SUCCEEDED
    stepwise = _bands(district, _latest_primary(district))

    # Appending the same days again is refused: they are already there.
    again = import_file(
        district, tmp_path / "new-days.csv", daily_mode=DailyMode.APPEND, name="again.csv"
    )
    assert again.status == ImportStatus.DUPLICATE

    assert import_file(district, export.daily).status == ImportStatus.SUCCEEDED
    assert _bands(district, _latest_primary(district)) == stepwise
    with system_context(district, reason="test"):
        enrolled_days = AttendanceDay.objects.for_district(district).count()
    not_enrolled = (daily.attendance_code == "NE").sum()
    assert enrolled_days == len(daily) - not_enrolled


def test_a_second_rule_set_is_kept_beside_the_districts(district, sis_district, export):
    with system_context(district, reason="test"):
        RuleSet.objects.create(
            district=district, name="State accountability", minimum_days_enrolled=31
        )
    import_file(district, export.summary)
    with system_context(district, reason="test"):
        snapshots = {s.rule_set.name: s for s in Snapshot.objects.for_district(district)}
        assert set(snapshots) == {"District definition", "State accountability"}
        state = Standing.objects.for_district(district).filter(
            snapshot=snapshots["State accountability"], school__isnull=False
        )
        short = state.filter(days_enrolled__lt=31)
        assert short.exists()
        assert set(short.values_list("band", flat=True)) == {Band.NOT_YET_RATED}
        rated_by_district = Standing.objects.for_district(district).filter(
            snapshot=snapshots["District definition"],
            days_enrolled__gte=10,
            days_enrolled__lt=31,
            school__isnull=False,
        )
        assert rated_by_district.exclude(band=Band.NOT_YET_RATED).exists()


def test_in_school_suspension_counts_only_when_the_rule_set_says_so(
    district, sis_district, tmp_path
):
    rows = [("student_id", "school_code", "date", "attendance_code")]
    days = pd.bdate_range("2025-09-01", periods=20)
    rows += [
        ("77", "101", d.date().isoformat(), "ISS" if i < 4 else "P") for i, d in enumerate(days)
    ]
    path = tmp_path / "iss.csv"
    with path.open("w", newline="") as f:
        csv.writer(f).writerows(rows)
    with system_context(district, reason="test"):
        RuleSet.objects.create(
            district=district,
            name="State accountability",
            minimum_days_enrolled=10,
            count_in_school_suspension=True,
        )
    import_file(district, path)
    with system_context(district, reason="test"):
        standings = Standing.objects.for_district(district)
        bands = {
            snapshot.rule_set.name: standings.across_district(snapshot=snapshot)
            .get(student__sis_id="77")
            .band
            for snapshot in Snapshot.objects.for_district(district)
        }
    assert bands == {
        "District definition": Band.SATISFACTORY,
        "State accountability": Band.SEVERE_CHRONIC,  # 4 of 20 days: 20%
    }


def test_a_roster_fills_in_names_and_demographics(district, sis_district, export):
    import_file(district, export.summary)
    record = import_file(district, export.roster)
    assert record.status == ImportStatus.SUCCEEDED, record.errors
    roster = pd.read_csv(export.roster, dtype=str, keep_default_na=False)
    first = roster.iloc[0]
    with system_context(district, reason="test"):
        student = Student.objects.for_district(district).get(sis_id=first.student_id)
    assert (student.first_name, student.last_name, student.zip_code) == (
        first.first_name,
        first.last_name,
        first.zip_code,
    )
    assert student.low_income == (first.low_income == "Y")


def test_names_keep_the_characters_copy_escapes(district, sis_district, export, tmp_path):
    import_file(district, export.summary)
    roster = pd.read_csv(export.roster, dtype=str, keep_default_na=False)
    roster.loc[0, "first_name"] = "Zoë\tAnn"
    roster.loc[0, "last_name"] = "O\\Brien \\N"
    path = tmp_path / "roster.csv"
    roster.to_csv(path, index=False)
    assert import_file(district, path).status == ImportStatus.SUCCEEDED
    with system_context(district, reason="test"):
        student = Student.objects.for_district(district).get(sis_id=roster.student_id[0])
    assert (student.first_name, student.last_name) == ("Zoë\tAnn", "O\\Brien \\N")


def test_a_row_whose_grade_is_no_grade_is_listed_with_the_grade_it_has(
    district, sis_district, export, tmp_path
):
    roster = pd.read_csv(export.roster, dtype=str, keep_default_na=False)
    roster.loc[2, "grade"] = "Thirteen"
    path = tmp_path / "roster.csv"
    roster.to_csv(path, index=False)

    record = import_file(district, path)

    assert record.status == ImportStatus.FAILED
    assert [(e["row"], e["column"], e["value"], e["reason"]) for e in record.errors] == [
        (4, "grade", "Thirteen", "Not a grade; write K, 1 to 12, or PK.")
    ]
    assert record.rows_read == len(roster)


def test_values_longer_than_their_columns_are_listed_and_change_nothing(
    district, sis_district, export, tmp_path
):
    # Found by fuzzing: an Ed-Fi descriptor URI pasted into the gender column made the
    # students' insert fail with "value too long for type character varying(32)".
    import_file(district, export.summary)
    before = _table_fingerprint()
    roster = pd.read_csv(export.roster, dtype=str, keep_default_na=False)
    roster.loc[1, "gender"] = "http://ed-fi.org/Descriptor/SexDescriptor#Female"
    roster.loc[3, "student_id"] = "7" * 70
    path = tmp_path / "roster.csv"
    roster.to_csv(path, index=False)

    record = import_file(district, path)

    assert record.status == ImportStatus.FAILED
    assert [(e["row"], e["column"], e["value"]) for e in record.errors] == [
        (3, "gender", "http://ed-fi.org/Descriptor/SexDescriptor#Female"),
        (5, "student_id", "7" * 70),
    ]
    assert record.errors[0]["reason"].startswith(
        "Too long: Gender holds at most 32 characters, and this value has 48."
    )
    assert _table_fingerprint() == before


def test_conflicting_demographics_for_one_student_are_refused(
    district, sis_district, export, tmp_path
):
    roster = pd.read_csv(export.roster, dtype=str, keep_default_na=False)
    twin = roster.iloc[[0]].copy()
    twin["zip_code"] = "99999"
    path = tmp_path / "roster.csv"
    pd.concat([roster, twin]).to_csv(path, index=False)
    record = import_file(district, path)
    assert record.status == ImportStatus.FAILED
    assert any(
        e["column"] == "zip_code" and "different values" in e["reason"] for e in record.errors
    )


def test_first_load_can_register_the_schools_a_file_names(db, other_district, export, generated):
    from districts.services import school_year_create

    with system_context(other_district, reason="test"):
        school_year_create(
            district=other_district,
            label="2025–26",
            first_day=generated.calendar.first_day,
            last_day=generated.calendar.last_day,
            instructional_days=180,
        )
    refused = import_file(other_district, export.summary)
    assert refused.status == ImportStatus.FAILED
    record = import_file(other_district, export.summary, create_schools=True, name="again.csv")
    assert record.status == ImportStatus.SUCCEEDED
    with system_context(other_district, reason="test"):
        from districts.models import School

        codes = set(School.objects.for_district(other_district).values_list("sis_code", flat=True))
    assert codes == {s.sis_code for s in generated.schools}


def test_a_summary_needs_a_school_year_covering_its_date(district, sis_district, export):
    record = import_file(district, export.summary, as_of=date(2030, 1, 6))
    assert record.status == ImportStatus.FAILED
    assert "No school year" in record.errors[0]["reason"]


def test_an_import_keeps_who_when_which_file_and_counts(
    district, sis_district, export, district_admin
):
    record = import_file(district, export.summary, uploaded_by=district_admin)
    with reading(district):
        assert (record.uploaded_by, record.school_year) == (district_admin, sis_district)
    assert record.sha256 == hashlib.sha256(export.summary.read_bytes()).hexdigest()
    assert record.rows_imported == record.rows_read == sum(1 for _ in export.summary.open()) - 1
    assert record.kind == Kind.SUMMARY and record.as_of is not None
    assert record.finished_at >= record.started_at >= record.created_at


def test_partial_days_count_by_their_fraction(district, sis_district, tmp_path):
    rows = [("student_id", "school_code", "date", "attendance_code")]
    days = pd.bdate_range("2025-09-01", periods=20)
    rows += [("88", "101", d.date().isoformat(), "H" if i < 2 else "P") for i, d in enumerate(days)]
    path = tmp_path / "partial.csv"
    with path.open("w", newline="") as f:
        csv.writer(f).writerows(rows)
    import_file(district, path)
    with system_context(district, reason="test"):
        standing = (
            Standing.objects.for_district(district)
            .across_district(snapshot=_latest_primary(district))
            .get(student__sis_id="88")
        )
    assert standing.days_absent == Decimal("1.00")  # two half days: 5% of 20
    assert standing.band == Band.AT_RISK


def test_two_queued_imports_of_the_same_file_import_once(district, sis_district, export):
    with system_context(district, reason="test"):
        queued = []
        for name in ("first.csv", "double-click.csv"):
            with export.summary.open("rb") as upload:
                queued.append(
                    services.attendance_import_create(
                        district=district,
                        uploaded_by=None,
                        upload=File(upload, name=name),
                        as_of=LAST_DAY,
                    )
                )
    with system_context(district, reason="test"):
        statuses = [services.attendance_import_run(import_id=r.pk) for r in queued]
    assert statuses == [ImportStatus.SUCCEEDED, ImportStatus.DUPLICATE]
    with system_context(district, reason="test"):
        assert Snapshot.objects.for_district(district).count() == 1
