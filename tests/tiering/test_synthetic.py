"""The synthetic district generator: determinism, file fidelity and realistic shapes."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tiering import synthetic
from tiering.bands import CHRONIC_BANDS, RATED_BANDS, Band, classify

STUDENTS = 2000
# Seed 1 puts the district in a Boston-area ZIP region, so its zip codes start with a zero.
SEED = 1
MIDYEAR = date(2026, 1, 23)


@pytest.fixture(scope="module")
def district() -> synthetic.SyntheticDistrict:
    return synthetic.generate_district(seed=SEED, students=STUDENTS)


@pytest.fixture(scope="module")
def midyear_district() -> synthetic.SyntheticDistrict:
    return synthetic.generate_district(seed=SEED, students=STUDENTS, through=MIDYEAR)


@pytest.fixture(scope="module")
def export(
    district: synthetic.SyntheticDistrict, tmp_path_factory: pytest.TempPathFactory
) -> synthetic.ExportFiles:
    return synthetic.write_export(district, tmp_path_factory.mktemp("export"))


def bands_of(summary: pd.DataFrame) -> pd.Series:
    return pd.Series(
        [
            classify(days_absent=absent, days_enrolled=enrolled)
            for absent, enrolled in zip(summary.days_absent, summary.days_enrolled, strict=True)
        ],
        index=summary.index,
    )


def as_csv_text(frame: pd.DataFrame) -> list[dict[str, str]]:
    """The frame as the CSV files spell it: Y/N flags and ISO dates."""
    text = pd.DataFrame(index=frame.index)
    for column in frame.columns:
        values = frame[column]
        if pd.api.types.is_bool_dtype(values):
            text[column] = np.where(values, "Y", "N")
        elif pd.api.types.is_datetime64_any_dtype(values):
            text[column] = values.dt.strftime("%Y-%m-%d")
        else:
            text[column] = values.astype(str)
    return text.to_dict("records")


def read_csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_it_gives_identical_data_and_bytes_for_the_same_seed(
    district: synthetic.SyntheticDistrict, export: synthetic.ExportFiles, tmp_path: Path
) -> None:
    again = synthetic.generate_district(seed=SEED, students=STUDENTS)

    pd.testing.assert_frame_equal(again.roster, district.roster)
    pd.testing.assert_frame_equal(again.summary, district.summary)
    pd.testing.assert_frame_equal(again.daily, district.daily)
    files = synthetic.write_export(again, tmp_path)
    for name in ("roster", "daily", "summary"):
        assert getattr(files, name).read_bytes() == getattr(export, name).read_bytes(), name


def test_it_gives_different_data_for_a_different_seed(
    district: synthetic.SyntheticDistrict,
) -> None:
    other = synthetic.generate_district(seed=SEED + 1, students=STUDENTS)

    assert set(other.roster.student_id) != set(district.roster.student_id)
    assert not other.summary.days_absent.equals(district.summary.days_absent)


def test_it_spans_all_five_bands_and_includes_not_yet_rated_stints(
    district: synthetic.SyntheticDistrict,
) -> None:
    bands = bands_of(district.summary)

    assert set(RATED_BANDS) <= set(bands)
    not_yet_rated = district.summary[bands == Band.NOT_YET_RATED]
    assert len(not_yet_rated) > 0
    assert (not_yet_rated.days_enrolled < 10).all()


def test_it_spans_all_five_bands_even_in_a_small_district() -> None:
    for seed in range(5):
        summary = synthetic.generate_district(seed=seed, students=200).summary
        assert set(RATED_BANDS) <= set(bands_of(summary)), seed


def test_it_lands_near_the_district_band_mix(district: synthetic.SyntheticDistrict) -> None:
    bands = bands_of(district.summary)
    shares = bands[bands != Band.NOT_YET_RATED].value_counts(normalize=True)

    expected = {
        Band.SATISFACTORY: 0.50,
        Band.AT_RISK: 0.22,
        Band.MODERATE_CHRONIC: 0.15,
        Band.SEVERE_CHRONIC: 0.09,
        Band.EXTREME_CHRONIC: 0.035,
    }
    for band, share in expected.items():
        assert shares[band] == pytest.approx(share, abs=0.04), band


def test_it_writes_files_that_survive_the_csv_reader(
    district: synthetic.SyntheticDistrict, export: synthetic.ExportFiles
) -> None:
    tables = {
        export.roster: (district.roster, synthetic.ROSTER_COLUMNS),
        export.daily: (district.daily, synthetic.DAILY_COLUMNS),
        export.summary: (district.summary, synthetic.SUMMARY_COLUMNS),
    }
    for path, (frame, columns) in tables.items():
        rows = read_csv_rows(path)
        assert tuple(rows[0]) == columns == tuple(frame.columns), path.name
        assert rows == as_csv_text(frame), path.name


def test_it_keeps_leading_zeros_in_identifiers(export: synthetic.ExportFiles) -> None:
    roster = read_csv_rows(export.roster)
    student_ids = [row["student_id"] for row in roster]
    zip_codes = {row["zip_code"] for row in roster}

    assert all(len(value) in (6, 7) and value.isdigit() for value in student_ids)
    assert len(set(student_ids)) == len(student_ids)
    assert any(value.startswith("0") for value in student_ids)
    assert all(len(value) == 5 and value.isdigit() for value in zip_codes)
    assert all(value.startswith("0") for value in zip_codes)
    assert 4 <= len(zip_codes) <= 8


def test_it_summarises_the_daily_rows_exactly(district: synthetic.SyntheticDistrict) -> None:
    daily = district.daily
    counts = (
        pd.crosstab(
            [daily.student_id.astype(str), daily.school_code.astype(str)],
            daily.attendance_code.astype(str),
        )
        .reindex(columns=list(synthetic.ATTENDANCE_CODES), fill_value=0)
        .rename_axis(index=["student_id", "school_code"], columns=None)
    )
    summary = district.summary.set_index(["student_id", "school_code"]).sort_index()
    counts = counts.sort_index()

    assert summary.index.equals(counts.index)
    assert (summary.days_enrolled == counts.sum(axis=1)).all()
    assert (summary.excused == counts["E"]).all()
    assert (summary.unexcused == counts["U"]).all()
    assert (summary.suspension == counts["S"]).all()
    assert (summary.tardy == counts["T"]).all()
    assert (summary.days_absent == counts["E"] + counts["U"] + counts["S"]).all()


def test_it_transfers_some_students_between_schools_without_overlapping_days(
    district: synthetic.SyntheticDistrict,
) -> None:
    stints = district.summary.groupby("student_id").school_code.agg(["count", "nunique"])
    transferred = stints[stints["count"] == 2]
    assert len(transferred) >= STUDENTS * 0.005
    assert (transferred["nunique"] == 2).all()

    daily = district.daily[district.daily.student_id.isin(transferred.index)]
    assert not daily.duplicated(["student_id", "date"]).any()
    spans = daily.groupby(["student_id", "school_code"], observed=True).date.agg(["min", "max"])
    spans = spans.sort_values(["student_id", "min"])
    first, second = (
        spans.groupby(level="student_id").nth(0),
        spans.groupby(level="student_id").nth(1),
    )
    assert (first["max"].to_numpy() < second["min"].to_numpy()).all()


def test_it_transfers_students_to_a_school_of_the_same_grade_span(
    district: synthetic.SyntheticDistrict,
) -> None:
    span = {school.sis_code: (school.low_grade, school.high_grade) for school in district.schools}
    summary = district.summary

    assert all(
        synthetic.GRADES.index(span[school][0])
        <= synthetic.GRADES.index(grade)
        <= synthetic.GRADES.index(span[school][1])
        for school, grade in zip(summary.school_code, summary.grade, strict=True)
    )


def test_it_has_more_absence_on_mondays_and_fridays(
    district: synthetic.SyntheticDistrict,
) -> None:
    daily = district.daily
    absent = daily.attendance_code.isin(["E", "U", "S"])
    edge_of_week = daily.date.dt.day_of_week.isin([0, 4])

    assert absent[edge_of_week].mean() > 1.1 * absent[~edge_of_week].mean()


def test_it_records_only_instructional_days_up_to_through(
    district: synthetic.SyntheticDistrict, midyear_district: synthetic.SyntheticDistrict
) -> None:
    for generated in (district, midyear_district):
        covered = [day for day in generated.calendar.instructional_days if day <= generated.through]
        dates = set(generated.daily.date.dt.date)
        assert dates == set(covered)
    assert district.through == district.calendar.last_day
    assert midyear_district.through == MIDYEAR


def test_it_truncates_a_year_to_date_export_from_the_full_year(
    district: synthetic.SyntheticDistrict, midyear_district: synthetic.SyntheticDistrict
) -> None:
    key = ["student_id", "date"]
    full = district.daily[district.daily.date <= pd.Timestamp(MIDYEAR)]
    full = full.astype({"student_id": str, "school_code": str, "attendance_code": str})
    partial = midyear_district.daily.astype(
        {"student_id": str, "school_code": str, "attendance_code": str}
    )
    already_enrolled = partial[partial.student_id.isin(set(full.student_id))]

    pd.testing.assert_frame_equal(
        already_enrolled.sort_values(key).reset_index(drop=True),
        full.sort_values(key).reset_index(drop=True),
    )
    # The rest enrolled late in the covered period; later entrants are not in the roster at all.
    late = partial[~partial.student_id.isin(set(full.student_id))]
    first_days = late.groupby("student_id").date.min()
    covered = [day for day in district.calendar.instructional_days if day <= MIDYEAR]
    assert len(first_days) <= STUDENTS * 0.04
    assert (first_days.dt.date >= covered[-30]).all()
    assert set(midyear_district.roster.student_id) == set(partial.student_id)
    assert len(midyear_district.roster) < len(district.roster)


def test_it_makes_low_income_students_chronically_absent_more_often(
    district: synthetic.SyntheticDistrict,
) -> None:
    summary = district.summary.merge(district.roster[["student_id", "low_income"]])
    bands = bands_of(summary)
    rated = bands != Band.NOT_YET_RATED
    chronic = bands[rated].isin(CHRONIC_BANDS)
    by_income = chronic.groupby(summary.low_income[rated]).mean()

    assert by_income[True] > by_income[False] + 0.05


def test_it_fills_the_roster_with_valid_values(district: synthetic.SyntheticDistrict) -> None:
    roster = district.roster

    assert set(roster.gender) == {"F", "M", "X"}
    assert set(roster.race_ethnicity) <= set(synthetic.RACE_ETHNICITIES)
    assert set(roster.grade) == set(synthetic.GRADES)
    assert set(roster.school_code) <= {school.sis_code for school in district.schools}
    assert roster.low_income.mean() == pytest.approx(0.5, abs=0.15)
    kindergarten_age = (pd.Timestamp(district.calendar.first_day) - roster.birth_date).dt.days
    assert kindergarten_age[roster.grade == "K"].between(4 * 365, 7 * 365).all()


def test_it_sizes_one_school_of_each_level_at_least() -> None:
    small = synthetic.generate_district(seed=SEED, students=50)
    chosen = synthetic.generate_district(seed=SEED, students=500, schools=7)

    assert [school.sis_code for school in small.schools] == ["101", "201", "301"]
    assert len(chosen.schools) == 7
    assert {school.name.rsplit(" ", 2)[-2] for school in chosen.schools} == {
        "Elementary",
        "Middle",
        "High",
    }


def test_it_builds_a_us_school_calendar() -> None:
    calendar = synthetic.school_calendar(first_day=date(2025, 8, 18))
    days = set(calendar.instructional_days)

    assert len(calendar.instructional_days) == 180
    assert all(day.weekday() < 5 for day in days)
    assert days.isdisjoint(calendar.holidays)
    assert {
        date(2025, 9, 1),  # Labor Day
        date(2025, 11, 11),  # Veterans Day
        date(2025, 11, 26),  # Thanksgiving Wednesday to Friday
        date(2025, 11, 27),
        date(2025, 11, 28),
        date(2025, 12, 22),  # winter break
        date(2026, 1, 2),
        date(2026, 1, 19),  # Martin Luther King Jr. Day
        date(2026, 2, 16),  # Presidents' Day
        date(2026, 3, 30),  # spring break
        date(2026, 5, 25),  # Memorial Day
    } <= set(calendar.holidays)
    assert date(2026, 1, 5) in days


def test_it_rejects_a_through_date_before_the_first_day() -> None:
    with pytest.raises(ValueError, match="before the first day"):
        synthetic.generate_district(seed=SEED, students=10, through=date(2025, 8, 1))
