"""A student's standing across the district: a district row is written only for a student
who attended more than one school; for everyone else their school's row stands for the
district too. District figures must be exactly what summing every student's schools gives."""

from collections import Counter
from decimal import Decimal

import pandas as pd
import pytest
from django.db import connection

from districts.models import Grade
from districts.tenancy import system_context
from tests.sis import import_file
from tiering import selectors
from tiering.bands import Band, classify
from tiering.models import ImportStatus, Snapshot, Standing, Student


def _district_bands(summary: pd.DataFrame, minimum_days: int) -> dict[str, Band]:
    """Every student's band over all their schools, as classification did when it wrote a
    district row for every student: days summed over the student's rows, then rated."""
    totals = summary.groupby("student_id")[["days_enrolled", "days_absent"]].sum()
    return {
        student: classify(
            days_absent=Decimal(str(row.days_absent)),
            days_enrolled=Decimal(str(row.days_enrolled)),
            minimum_days_enrolled=minimum_days,
        )
        for student, row in totals.iterrows()
    }


@pytest.fixture
def summary(export) -> pd.DataFrame:
    return pd.read_csv(export.summary, dtype={"student_id": str, "school_code": str, "grade": str})


def _primary(district) -> Snapshot:
    return Snapshot.objects.for_district(district).filter(rule_set__is_primary=True).latest()


@pytest.mark.parametrize("kind", ["summary", "daily"])
def test_district_counts_are_those_of_every_students_schools_summed(
    district, sis_district, export, summary, kind
):
    assert import_file(district, getattr(export, kind)).status == ImportStatus.SUCCEEDED
    expected = _district_bands(summary, district.minimum_days_enrolled)
    transfers = set(summary.student_id[summary.student_id.duplicated()])
    assert transfers and len(transfers) < len(expected)
    with system_context(district, reason="test"):
        snapshot = _primary(district)
        standings = Standing.objects.for_district(district)
        written = standings.filter(snapshot=snapshot, school__isnull=True)
        assert set(written.values_list("student__sis_id", flat=True)) == transfers

        across = dict(
            standings.across_district(snapshot=snapshot).values_list("student__sis_id", "band")
        )
        assert across == {student: band.value for student, band in expected.items()}

        counts = Counter(expected.values())
        district_row = selectors.band_counts(standings=standings, snapshot=snapshot, school=None)
        assert district_row.counts == counts
        table = selectors.band_table(snapshot=snapshot, standings=standings)
        assert table[0].school is None and table[0].counts == counts
        names = [row.school.name for row in table[1:]]
        assert names == sorted(names)
        assert {row.school.sis_code for row in table[1:]} == set(summary.school_code)

        groups = selectors.breakdowns(standings=standings, snapshot=snapshot)
    # A daily file says nothing of grades; a summary gives each student's.
    grade_of = summary.drop_duplicates("student_id").set_index("student_id").grade
    by_grade: dict[str, Counter] = {}
    for student, band in expected.items():
        label = (
            f"Grade {Grade.from_label(grade_of[student]).label}"
            if kind == "summary"
            else "Not recorded"
        )
        by_grade.setdefault(label, Counter())[band] += 1
    assert {row.label: Counter(row.counts) for row in groups["grade"]} == by_grade
    for rows in groups.values():
        assert sum((Counter(row.counts) for row in rows), Counter()) == counts


def test_a_snapshot_written_with_a_district_row_for_everyone_reads_the_same(
    district, sis_district, export, summary
):
    """Snapshots taken before district rows became transfers-only keep theirs for every
    student; the district figures read from them do not change."""
    import_file(district, export.summary)
    with system_context(district, reason="test"):
        snapshot = _primary(district)
        standings = Standing.objects.for_district(district)
        before = dict(
            standings.across_district(snapshot=snapshot).values_list("student_id", "band")
        )
        with connection.cursor() as cursor:
            cursor.execute(
                """INSERT INTO tiering_standing
                     (district_id, reporting_year, snapshot_id, student_id, school_id, grade,
                      days_enrolled, days_absent, excused, unexcused, suspension, tardy, band)
                   SELECT district_id, reporting_year, snapshot_id, student_id, NULL, grade,
                          days_enrolled, days_absent, excused, unexcused, suspension, tardy, band
                   FROM tiering_standing s
                   WHERE snapshot_id = %s AND NOT EXISTS (
                     SELECT FROM tiering_standing d
                     WHERE d.snapshot_id = s.snapshot_id AND d.student_id = s.student_id
                       AND d.school_id IS NULL)""",
                [snapshot.pk],
            )
        after = standings.across_district(snapshot=snapshot)
        assert after.filter(school__isnull=False).count() == 0
        assert dict(after.values_list("student_id", "band")) == before
        counts = selectors.band_counts(standings=standings, snapshot=snapshot, school=None)
    assert counts.counts == Counter(Band(b) for b in before.values())


def test_a_transfers_history_leads_with_the_district_row(district, sis_district, export, summary):
    import_file(district, export.summary)
    rows_per_student = summary.student_id.value_counts()
    transfer = rows_per_student.index[rows_per_student > 1][0]
    stayer = rows_per_student.index[rows_per_student == 1][0]

    def history(sis_id: str) -> list[str | None]:
        student = Student.objects.for_district(district).get(sis_id=sis_id)
        standings = Standing.objects.for_district(district)
        return [
            s.school.sis_code if s.school else None
            for s in selectors.band_history(standings=standings, student_id=student.pk)
        ]

    with system_context(district, reason="test"):
        transfer_history, stayer_history = history(transfer), history(stayer)
    assert transfer_history[0] is None
    assert set(transfer_history[1:]) == set(summary.school_code[summary.student_id == transfer])
    assert stayer_history == list(summary.school_code[summary.student_id == stayer])
