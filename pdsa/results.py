"""A cycle's Study assembled from the attendance on record: which students are compared over
which windows (outcomes.py, windows.py), what the comparison says (study.py), and the figures
kept as a StudyResult's fields. Only group figures leave this module — counts, sums, means,
weekly rates — never a student's row, so that the stored result is no student data.

Reads run under the caller's tenant context: the worker's system context for the district,
or a runner's own (who may read every student of the cycle's schools).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date, timedelta
from statistics import mean

from districts.models import School
from tiering import selectors as tiering_selectors
from tiering.models import RuleSet, Snapshot, Standing

from . import outcomes, selectors, study
from .models import Cycle, CycleSchool, Participant, StudySource
from .study import Attendance
from .windows import Window, study_windows

BEFORE, DURING, TWO_WEEKS_AFTER, ONE_MONTH_AFTER = range(4)
# The windows each compared with *before* (the seed's 2x10 example collects exactly these).
COMPARED = (TWO_WEEKS_AFTER, ONE_MONTH_AFTER)
# Calendar days read back for the *before* window: two per school day (weekends, a break) and
# four weeks more for a holiday fortnight.
CALENDAR_DAYS_PER_SCHOOL_DAY = 2
SPARE_CALENDAR_DAYS = 28
SNAPSHOT_WINDOWS = ("year to date at the start", "from the start to now")


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _round(value: float | None, places: int = 1) -> float | None:
    return None if value is None else round(value, places)


def _test_last_day(cycle: Cycle) -> date:
    if cycle.last_day is not None:
        return cycle.last_day
    return selectors.session_days(cycle)[-1]


def overlapping_cycles(cycle: Cycle, last_day: date) -> list[int]:
    """The other cycles whose test dates overlap this one's: their participants are being
    tested too, so none of them is a comparison student."""
    others = Cycle.objects.filter(first_day__isnull=False, first_day__lte=last_day).exclude(
        pk=cycle.pk
    )
    return [other.pk for other in others if _test_last_day(other) >= cycle.first_day]


def compute(*, cycle: Cycle, today: date) -> dict:
    """A StudyResult's fields: everything the Study shows, or a note saying why nothing can
    be measured yet."""
    rows = list(
        Participant.objects.filter(cycle=cycle).values_list(
            "student_id", "student__school_id", "student__grade", "band_at_start"
        )
    )
    if not rows:
        return {"note": "No participants yet: add students to measure the test."}
    if cycle.first_day is None or cycle.first_day > today:
        return {"note": "The test has not started yet."}
    participants = [row[0] for row in rows]
    school_ids = set(CycleSchool.objects.filter(cycle=cycle).values_list("school_id", flat=True))
    school_ids = school_ids or {row[1] for row in rows if row[1] is not None}
    rule_set = RuleSet.objects.get(is_primary=True)
    first_day, last_day = cycle.first_day, _test_last_day(cycle)
    start = outcomes.start_snapshot(rule_set=rule_set, before=first_day)
    now = tiering_selectors.current_snapshot(snapshots=Snapshot.objects.all())
    at_start = _standings(start, participants, school_ids)
    # Each participant's stratum: school, band and grade at the start (as the participant was
    # added, where the review point has no standing of theirs at the cycle's schools).
    strata = {
        at_start.get(student, (school, band, grade))
        for student, school, grade, band in rows
        if student in at_start or school in school_ids
    }
    comparison = []
    if start is not None:
        excluded = set(participants) | set(
            Participant.objects.filter(
                cycle_id__in=overlapping_cycles(cycle, last_day)
            ).values_list("student_id", flat=True)
        )
        comparison = outcomes.comparison_students(
            snapshot=start,
            strata={(school, band, grade) for school, band, grade in strata if band},
            excluded=excluded,
        )
    district = cycle.district
    calendar = outcomes.school_calendar(
        district=district,
        school_ids=school_ids,
        student_ids=participants + comparison,
        since=first_day
        - timedelta(
            days=CALENDAR_DAYS_PER_SCHOOL_DAY * max(cycle.planned_days, 10) + SPARE_CALENDAR_DAYS
        ),
    )
    common = {
        "start_as_of": start.as_of if start else None,
        "participants_n": len(participants),
        "comparison_n": len(comparison),
        "bands": {
            "participants": _band_mix(start, now, participants, school_ids),
            "comparison": _band_mix(start, now, comparison, school_ids),
        },
        "progress": _progress(cycle, start, now, school_ids),
    }
    if calendar:
        values = _from_daily(cycle, rule_set, calendar, participants, comparison, last_day)
    else:
        values = _from_snapshots(start, now, participants, comparison, school_ids)
    values.update(common)
    values["progress"]["difference"] = study.difference_in_words(values["comparisons"])
    return values


def _standings(snapshot, student_ids, school_ids) -> dict[int, outcomes.Stratum]:
    """Each student's (school, band, grade) at the cycle's schools in a snapshot."""
    if snapshot is None:
        return {}
    rows = Standing.objects.filter(
        snapshot=snapshot, student_id__in=student_ids, school_id__in=school_ids
    ).values_list("student_id", "school_id", "band", "grade")
    return {student: (school, band, grade) for student, school, band, grade in rows}


def _band_mix(start, now, student_ids, school_ids) -> dict[str, dict[str, int]]:
    return {
        name: dict(
            Counter(band for _, band, _ in _standings(snap, student_ids, school_ids).values())
        )
        for name, snap in (("start", start), ("now", now))
    }


def _from_daily(cycle, rule_set, calendar, participants, comparison, last_day) -> dict:
    district = cycle.district
    windows = study_windows(
        calendar, first_day=cycle.first_day, last_day=last_day, planned_days=cycle.planned_days
    )
    seen = outcomes.window_attendance(
        district=district,
        rule_set=rule_set,
        student_ids=participants + comparison,
        windows=windows,
    )
    groups = {}
    for name, ids in (("participants", participants), ("comparison", comparison)):
        kinds = outcomes.window_absence_kinds(
            district=district, rule_set=rule_set, student_ids=ids, windows=windows
        )
        groups[name] = [_group([seen[s][i] for s in ids], kinds[i]) for i in range(len(windows))]
    comparisons = [
        _comparison(
            windows[i].name,
            [(seen[s][BEFORE], seen[s][i]) for s in participants],
            [(seen[s][BEFORE], seen[s][i]) for s in comparison],
        )
        for i in COMPARED
        if windows[i].days
    ]
    charted = [w for w in windows if w.days]
    weeks = outcomes.weekly_rates(
        district=district,
        rule_set=rule_set,
        student_ids=participants,
        first=min(w.first for w in charted),
        last=max(w.last for w in charted),
        test_first=cycle.first_day,
        test_last=last_day,
    )
    return {
        "source": StudySource.DAILY,
        "windows": [_window(w) for w in windows],
        "groups": groups,
        "comparisons": comparisons,
        "weeks": [
            {
                "starts": week.starts.isoformat(),
                "rate": round(week.rate, 2),
                "days": week.days,
                "during_test": week.during_test,
            }
            for week in weeks
        ],
        **_baseline([seen[s][BEFORE] for s in participants], [seen[s][BEFORE] for s in comparison]),
    }


def _from_snapshots(start, now, participants, comparison, school_ids) -> dict:
    """Where the school sends only year-to-date summaries: the start snapshot's year to date,
    and what the totals grew by from it to the current snapshot, labelled as such."""
    values = {
        "source": StudySource.SNAPSHOTS,
        "windows": [],
        "groups": {"participants": [], "comparison": []},
        "comparisons": [],
        "weeks": [],
        **_baseline([], []),
    }
    if start is None or now is None or start.pk == now.pk:
        values["note"] = (
            "This school sends only year-to-date summaries, and there is no review point "
            "before the test and another after it to compare yet."
        )
        return values
    ids = participants + comparison
    before = outcomes.snapshot_attendance(snapshot=start, student_ids=ids, school_ids=school_ids)
    later = outcomes.snapshot_attendance(snapshot=now, student_ids=ids, school_ids=school_ids)
    since = {
        s: Attendance(later[s].enrolled - before[s].enrolled, later[s].absent - before[s].absent)
        for s in ids
        if s in before and s in later
    }
    empty = Attendance(0, 0)
    for name, group in (("participants", participants), ("comparison", comparison)):
        values["groups"][name] = [
            _group([before.get(s, empty) for s in group], None),
            _group([since.get(s, empty) for s in group], None),
        ]
    values["windows"] = [
        {
            "name": SNAPSHOT_WINDOWS[0],
            "first": None,
            "last": _iso(start.as_of),
            "days": None,
            "expected": None,
            "progress": f"as of {start.as_of:%b %-d, %Y}",
        },
        {
            "name": SNAPSHOT_WINDOWS[1],
            "first": _iso(start.as_of + timedelta(days=1)),
            "last": _iso(now.as_of),
            "days": None,
            "expected": None,
            "progress": f"{start.as_of:%b %-d} to {now.as_of:%b %-d, %Y}",
        },
    ]
    values["comparisons"] = [
        _comparison(
            SNAPSHOT_WINDOWS[1],
            [(before.get(s, empty), since.get(s, empty)) for s in participants],
            [(before.get(s, empty), since.get(s, empty)) for s in comparison],
        )
    ]
    values.update(
        _baseline(
            [before.get(s, empty) for s in participants],
            [before.get(s, empty) for s in comparison],
        )
    )
    return values


def _window(window: Window) -> dict:
    return {
        "name": window.name,
        "first": _iso(window.first),
        "last": _iso(window.last),
        "days": len(window.days),
        "expected": window.expected,
        "progress": window.progress,
    }


def _group(seen: Sequence[Attendance], kinds: dict[str, float] | None) -> dict:
    """One group over one window: the students enrolled in it, their days, the mean of their
    attendance rates (each student counting once, as the comparison does) and how many missed
    10% or more."""
    enrolled = [a for a in seen if a.enrolled]
    return {
        "n": len(enrolled),
        "enrolled": round(sum(a.enrolled for a in enrolled), 2),
        "absent": round(sum(a.absent for a in enrolled), 2),
        "kinds": {k: round(v, 2) for k, v in kinds.items()} if kinds is not None else None,
        "rate": _round(mean(a.rate for a in enrolled)) if enrolled else None,
        "chronic": sum(1 for a in enrolled if a.chronic),
    }


def _baseline(participants: Sequence[Attendance], comparison: Sequence[Attendance]) -> dict:
    """Baseline equivalence over the *before* window: Hedges' g on the attendance rates and
    the Cox index on chronic absence, and whether the participants were chosen for high
    absence (regression to the mean)."""
    mine = [a for a in participants if a.enrolled]
    theirs = [a for a in comparison if a.enrolled]
    g = study.hedges_g([a.rate for a in mine], [a.rate for a in theirs])
    cox = (
        study.cox_index(
            sum(1 for a in mine if a.chronic),
            len(mine),
            sum(1 for a in theirs if a.chronic),
            len(theirs),
        )
        if mine and theirs
        else None
    )
    return {
        "baseline_g": _round(g, 3),
        "baseline_cox": _round(cox, 3),
        "baseline_reading": study.baseline_reading(g),
        "regression_to_the_mean": bool(mine)
        and mean(a.rate for a in mine) <= 100 * (1 - study.CHRONIC_SHARE),
    }


def _comparison(window: str, participants, comparison) -> dict:
    result = study.compare(participants, comparison)

    def side(group: study.GroupChange) -> dict:
        return {
            "n": group.students,
            "rate_before": _round(group.rate_before),
            "rate_after": _round(group.rate_after),
            "change": _round(group.change),
            "chronic_before": group.chronic_before,
            "chronic_after": group.chronic_after,
        }

    return {
        "window": window,
        "participants": side(result.participants),
        "comparison": side(result.others),
        "difference_in_differences": _round(result.difference_in_differences),
        "descriptive_only": result.descriptive_only,
        "tests": [
            {
                "method": test.method,
                "statistic": _round(test.statistic, 3),
                "p": round(test.p_value, 4),
                "words": study.p_value_in_words(test.p_value),
            }
            for test in result.tests
        ],
        "summary": result.summary,
    }


def _progress(cycle: Cycle, start, now, school_ids) -> dict:
    counts = selectors.Participation.stored(cycle)
    schools = []
    for school in School.objects.filter(pk__in=school_ids).order_by("name"):
        rows = {
            name: tiering_selectors.band_counts(
                standings=Standing.objects.all(), snapshot=snap, school=school
            )
            if snap is not None
            else None
            for name, snap in (("start", start), ("now", now))
        }
        schools.append(
            {
                "name": school.name,
                **{
                    name: None
                    if row is None
                    else {
                        "as_of": _iso((start if name == "start" else now).as_of),
                        "chronic_percent": row.chronic_percent,
                        "rated": row.rated,
                        "bands": {band.value: n for band, n in row.cells()},
                    }
                    for name, row in rows.items()
                },
            }
        )
    return {
        "reached": counts.reached,
        "sessions_held": counts.sessions_held,
        "sessions_planned": counts.sessions_planned,
        "held_percent": counts.held_percent,
        "completed_all": counts.completed_all,
        "completed_percent": counts.completed_percent,
        "schools": schools,
    }
