"""What the attendance on record says about a PDSA cycle's students: the school's calendar, each
student's attendance in each Study window, the participants' weekly rate for the run chart,
and the comparison group. Reads the daily facts under the caller's tenant context and walls;
absence is counted by the same rule as the standings (tiering.ingest.day_absence_sql)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, timedelta

from django.db import connection
from django.db.models import Q

from districts.models import District
from tiering.ingest import day_absence_sql
from tiering.models import AttendanceCategory, RuleSet, Snapshot, Standing

from .charts import Week
from .study import Attendance
from .windows import Window


def _absence(rule_set: RuleSet) -> str:
    return day_absence_sql(
        in_school_suspension="1" if rule_set.count_in_school_suspension else "0",
        partial_day="%(partial)s",
    )


def school_calendar(
    *, district: District, school_ids: Collection[int], student_ids: Collection[int], since: date
) -> list[date]:
    """The days the schools recorded attendance since a date, as the students' own records show
    them: read by student, along the daily table's key, not by scanning whole schools."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT date FROM tiering_attendanceday WHERE district_id = %s"
            " AND student_id = ANY(%s) AND school_id = ANY(%s) AND date >= %s ORDER BY date",
            [district.pk, list(student_ids), list(school_ids), since],
        )
        return [row[0] for row in cursor.fetchall()]


def window_attendance(
    *,
    district: District,
    rule_set: RuleSet,
    student_ids: Collection[int],
    windows: Sequence[Window],
) -> dict[int, list[Attendance]]:
    """Each student's days enrolled and absent in each window (in the windows' order); a
    student with no record in a window is enrolled there for no day."""
    sums = []
    params: dict[str, object] = {
        "district": district.pk,
        "students": list(student_ids),
        "partial": rule_set.partial_day_fraction,
    }
    # Only windows holding days are summed; the others stay at no day enrolled.
    spans = [(i, w) for i, w in enumerate(windows) if w.days]
    for k, (_, window) in enumerate(spans):
        params[f"first{k}"], params[f"last{k}"] = window.first, window.last
        inside = f"date BETWEEN %(first{k})s AND %(last{k})s"
        sums.append(f"count(*) FILTER (WHERE {inside})")
        sums.append(f"coalesce(sum({_absence(rule_set)}) FILTER (WHERE {inside}), 0)")
    result = {student: [Attendance(0, 0) for _ in windows] for student in student_ids}
    if not spans:
        return result
    params.update(first=min(w.first for _, w in spans), last=max(w.last for _, w in spans))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT student_id, {', '.join(sums)} FROM tiering_attendanceday"  # noqa: S608 — constants
            " WHERE district_id = %(district)s AND student_id = ANY(%(students)s)"
            " AND date BETWEEN %(first)s AND %(last)s GROUP BY student_id",
            params,
        )
        for student, *figures in cursor.fetchall():
            for k, (i, _) in enumerate(spans):
                result[student][i] = Attendance(float(figures[2 * k]), float(figures[2 * k + 1]))
    return result


# The kinds of absence a group's days are told apart by; a partial day's share is its own kind.
ABSENCE_KINDS = ("excused", "unexcused", "suspension", "partial")


def window_absence_kinds(
    *,
    district: District,
    rule_set: RuleSet,
    student_ids: Collection[int],
    windows: Sequence[Window],
) -> list[dict[str, float]]:
    """A group's days absent in each window (in the windows' order) by kind: excused,
    unexcused, suspension (in-school only where the rule set counts it) and the missed share
    of partial days; together they make the days absent the standings' rule counts."""
    c = AttendanceCategory
    suspension = [c.SUSPENSION_OUT]
    if rule_set.count_in_school_suspension:
        suspension.append(c.SUSPENSION_IN)
    totals = [dict.fromkeys(ABSENCE_KINDS, 0.0) for _ in windows]
    spans = [(i, w) for i, w in enumerate(windows) if w.days]
    if not spans or not student_ids:
        return totals
    params: dict[str, object] = {
        "district": district.pk,
        "students": list(student_ids),
        "partial": rule_set.partial_day_fraction,
        "excused": c.EXCUSED,
        "unexcused": c.UNEXCUSED,
        "suspension": suspension,
        "partial_day": c.PARTIAL,
    }
    for i, window in spans:
        params[f"first{i}"], params[f"last{i}"] = window.first, window.last
    # Windows overlap (two weeks after lies inside one month after): one pass per window.
    with connection.cursor() as cursor:
        for i, _ in spans:
            cursor.execute(
                "SELECT count(*) FILTER (WHERE category = %(excused)s),"  # noqa: S608 — constants
                " count(*) FILTER (WHERE category = %(unexcused)s),"
                " count(*) FILTER (WHERE category = ANY(%(suspension)s)),"
                " coalesce(sum(coalesce(absent_fraction, %(partial)s))"
                " FILTER (WHERE category = %(partial_day)s), 0)"
                " FROM tiering_attendanceday WHERE district_id = %(district)s"
                " AND student_id = ANY(%(students)s)"
                f" AND date BETWEEN %(first{i})s AND %(last{i})s",
                params,
            )
            totals[i] = dict(zip(ABSENCE_KINDS, map(float, cursor.fetchone()), strict=True))
    return totals


def weekly_rates(
    *,
    district: District,
    rule_set: RuleSet,
    student_ids: Collection[int],
    first: date,
    last: date,
    test_first: date,
    test_last: date,
) -> list[Week]:
    """The students' attendance rate week by week (Monday to Sunday), over every student-day
    enrolled that week: the run chart's points."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT date_trunc('week', date)::date AS week, count(*),"  # noqa: S608 — constants
            f" sum({_absence(rule_set)}) FROM tiering_attendanceday"
            " WHERE district_id = %(district)s AND student_id = ANY(%(students)s)"
            " AND date BETWEEN %(first)s AND %(last)s GROUP BY week ORDER BY week",
            {
                "district": district.pk,
                "students": list(student_ids),
                "first": first,
                "last": last,
                "partial": rule_set.partial_day_fraction,
            },
        )
        rows = cursor.fetchall()
    return [
        Week(
            starts=week,
            rate=100 * (float(days) - float(absent)) / float(days),
            days=float(days),
            during_test=week <= test_last and week + timedelta(days=6) >= test_first,
        )
        for week, days, absent in rows
    ]


def start_snapshot(*, rule_set: RuleSet, before: date) -> Snapshot | None:
    """The last review point before a test starts: the students' band "at the start"."""
    return (
        Snapshot.objects.filter(rule_set=rule_set, as_of__lt=before)
        .order_by("-as_of", "-created_at")
        .first()
    )


# A comparison stratum: a school, a band at the start and a grade (None: no grade on record).
Stratum = tuple[int, str, int | None]


def comparison_students(
    *, snapshot: Snapshot, strata: Collection[Stratum], excluded: Collection[int]
) -> list[int]:
    """Students in a participant's stratum at the start (the review point `snapshot`): the
    same school, the same band and the same grade as one participant, so that a Severe
    third-grader is compared with Severe third-graders of that school and never with a
    Severe fourth-grader only because another participant is in grade 4. None of the
    excluded students (the cycle's and any overlapping cycle's)."""
    if not strata:
        return []
    same_stratum = Q()
    for school_id, band, grade in sorted(set(strata), key=str):
        grade_match = Q(grade=grade) if grade is not None else Q(grade__isnull=True)
        same_stratum |= Q(school_id=school_id, band=band) & grade_match
    return list(
        Standing.objects.filter(same_stratum, snapshot=snapshot)
        .exclude(student_id__in=excluded)
        .order_by("student_id")
        .values_list("student_id", flat=True)
    )


def snapshot_attendance(
    *, snapshot: Snapshot, student_ids: Collection[int], school_ids: Collection[int]
) -> dict[int, Attendance]:
    """Each student's year-to-date days enrolled and absent at the schools in one snapshot:
    the Study's fallback where a school sends only summaries (no daily facts to window)."""
    rows = Standing.objects.filter(
        snapshot=snapshot, student_id__in=student_ids, school_id__in=school_ids
    ).values_list("student_id", "days_enrolled", "days_absent")
    return {student: Attendance(float(days), float(absent)) for student, days, absent in rows}
