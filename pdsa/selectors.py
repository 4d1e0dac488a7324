"""Reads the PDSA pages, the services' counts and (later) the exports share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Prefetch, QuerySet

from districts.models import School
from districts.roles import DISTRICT_WIDE_ROLES
from districts.tenancy import TenantContext
from partners.models import AbsenceReason, Intervention, PartnerEntry
from tiering import selectors as tiering_selectors
from tiering.bands import RATED_BANDS, Band
from tiering.models import Snapshot, Standing

from .charts import RunChart, Week, run_chart
from .models import ChangeIdea, Cycle, CycleSchool, Participant, StudyResult, StudySource


@dataclass(frozen=True)
class Participation:
    """ "How much did we do?" and "How well did we do it?", counted from the 2x10 grid."""

    reached: int
    sessions_planned: int
    sessions_held: int
    completed_all: int

    @property
    def held_percent(self) -> float | None:
        if not self.sessions_planned:
            return None
        return round(100 * self.sessions_held / self.sessions_planned, 1)

    @property
    def completed_percent(self) -> float | None:
        if not self.reached:
            return None
        return round(100 * self.completed_all / self.reached, 1)

    @classmethod
    def stored(cls, cycle: Cycle) -> Participation:
        """The counts the services stored on the cycle (for readers without student access)."""
        return cls(
            reached=cycle.reached,
            sessions_planned=cycle.sessions_planned,
            sessions_held=cycle.sessions_held,
            completed_all=cycle.completed_all,
        )


def participation(*, participants: QuerySet[Participant]) -> Participation:
    """Students reached (every participant), sessions held out of those planned, and how many
    participants had every planned session (ticks beyond the plan count as held, not as more
    than complete)."""
    rows = (
        participants.order_by()
        .annotate(held=Count("sessions"))
        .values_list("planned_sessions", "held")
    )
    reached = planned = held = completed = 0
    for planned_sessions, held_sessions in rows:
        reached += 1
        planned += planned_sessions
        held += held_sessions
        completed += held_sessions >= planned_sessions
    return Participation(
        reached=reached, sessions_planned=planned, sessions_held=held, completed_all=completed
    )


def cycles_for(*, user, school: School | None = None) -> QuerySet[Cycle]:
    """The cycles the user may read, newest change idea first, each ramp in order."""
    cycles = Cycle.objects.for_user(user)
    if school is not None:
        cycles = cycles.filter(pk__in=CycleSchool.objects.filter(school=school).values("cycle_id"))
    return (
        cycles.select_related("change_idea")
        .prefetch_related(Prefetch("schools", queryset=School.objects.order_by("name")))
        .order_by("-change_idea__created_at", "change_idea_id", "number")
    )


def cycle_details(*, user) -> QuerySet[Cycle]:
    return (
        Cycle.objects.for_user(user)
        .select_related("change_idea", "template", "previous", "created_by")
        .prefetch_related(
            "questions",
            "steps",
            Prefetch("schools", queryset=School.objects.order_by("name")),
            Prefetch("reasons", queryset=AbsenceReason.objects.order_by("position")),
            Prefetch("interventions", queryset=Intervention.objects.order_by("position")),
            # Partner staff see only their own organisation's entries among those named.
            Prefetch(
                "partner_entries",
                queryset=PartnerEntry.objects.for_user(user).select_related("organization"),
            ),
        )
    )


def ramp(*, user, change_idea: ChangeIdea) -> QuerySet[Cycle]:
    """Every cycle of a change idea the user may read, in order."""
    return Cycle.objects.for_user(user).filter(change_idea=change_idea).order_by("number")


def may_run(*, ctx: TenantContext, school_ids: set[int]) -> bool:
    """District administrators and the cabinet run any cycle; a school role runs a cycle whose
    schools are all its own (a cycle naming no school is district-wide); everyone else reads."""
    if ctx.role in DISTRICT_WIDE_ROLES:
        return True
    if ctx.school_ids is not None and ctx.role is not None:
        return bool(school_ids) and school_ids <= ctx.school_ids
    return ctx.is_system


def session_days(cycle: Cycle) -> list[date]:
    """The columns of the 2x10 grid: the weekdays of the test, from its first day to its last
    (or, before the last day is set, as many weekdays as it plans)."""
    if cycle.first_day is None:
        return []
    days, day = [], cycle.first_day
    while (cycle.last_day is None and len(days) < cycle.planned_days) or (
        cycle.last_day is not None and day <= cycle.last_day
    ):
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def current_bands(*, student_ids: list[int]) -> dict[int, str]:
    """Each student's band at their school in the primary rule set's current snapshot."""
    snapshot = tiering_selectors.current_snapshot(snapshots=Snapshot.objects.all())
    if snapshot is None:
        return {}
    rows = Standing.objects.filter(
        snapshot=snapshot, student_id__in=student_ids, school_id__isnull=False
    ).values_list("student_id", "school_id", "student__school_id", "band")
    return {
        student: band
        for student, school, current, band in rows
        if school == current or current is None
    }


# --- The stored Study, as the worksheet page shows it ---------------------------------------

BAND_ORDER = (*RATED_BANDS, Band.NOT_YET_RATED)


@dataclass(frozen=True)
class StudyView:
    result: StudyResult
    # Each window's dict (dates as dates) with its groups' figures: "groups" [(label, figures)].
    windows: list[dict]
    # Each comparison's dict with "rows" [(label, figures)], participants first.
    comparisons: list[dict]
    chart: RunChart | None
    # (band label, participants at the start, now, comparison at the start, now)
    bands: list[tuple[str, int, int, int, int]]
    # Each school: its name, the start and now figures, and (band label, start, now) rows.
    schools: list[dict]

    @property
    def is_fallback(self) -> bool:
        return self.result.source == StudySource.SNAPSHOTS


def study_view(*, user, cycle: Cycle) -> StudyView | None:
    """The cycle's stored Study if the user may read it (aggregates only: partner staff read
    those of the cycles naming their organisation)."""
    result = StudyResult.objects.for_user(user).filter(cycle=cycle).first()
    if result is None:
        return None
    groups = result.groups or {}
    windows = [
        {
            **window,
            "first": _day(window["first"]),
            "last": _day(window["last"]),
            "groups": [
                (label, figures)
                for label, name in (("Participants", "participants"), ("Comparison", "comparison"))
                if (figures := _at(groups.get(name, []), i))
            ],
        }
        for i, window in enumerate(result.windows)
    ]
    comparisons = [
        {
            **c,
            "rows": [("Participants", c["participants"]), ("Comparison group", c["comparison"])],
        }
        for c in result.comparisons
    ]
    weeks = [
        Week(date.fromisoformat(w["starts"]), w["rate"], w["days"], w["during_test"])
        for w in result.weeks
    ]
    mix = result.bands or {}

    def count(group: str, when: str, band: Band) -> int:
        return mix.get(group, {}).get(when, {}).get(band.value, 0)

    bands = [
        (
            band.label,
            count("participants", "start", band),
            count("participants", "now", band),
            count("comparison", "start", band),
            count("comparison", "now", band),
        )
        for band in BAND_ORDER
    ]
    schools = [
        {
            **school,
            **{
                when: {**school[when], "as_of": _day(school[when]["as_of"])}
                for when in ("start", "now")
                if school[when]
            },
            "rows": [
                (
                    band.label,
                    (school["start"] or {}).get("bands", {}).get(band.value, 0),
                    (school["now"] or {}).get("bands", {}).get(band.value, 0),
                )
                for band in BAND_ORDER
            ],
        }
        for school in (result.progress or {}).get("schools", [])
    ]
    return StudyView(result, windows, comparisons, run_chart(weeks), bands, schools)


def _at(figures: list, index: int) -> dict | None:
    return figures[index] if index < len(figures) else None


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None
