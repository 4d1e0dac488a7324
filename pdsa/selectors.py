"""Reads the PDSA pages, the services' counts and (later) the exports share."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import connection
from django.db.models import Count, Prefetch, Q, QuerySet

from districts.models import School
from districts.roles import DISTRICT_WIDE_ROLES, SCHOOL_ROLES
from districts.tenancy import CrossTenantAccess, TenantContext, current_tenant
from partners.models import (
    FAMILY_TAGLINES,
    AbsenceReason,
    Intervention,
    PartnerEntry,
    ReasonFamily,
    Tier,
)
from support import selectors as support_selectors
from support.models import ConversationReason, InterventionStatus, StudentIntervention
from tiering import selectors as tiering_selectors
from tiering.bands import RATED_BANDS, Band
from tiering.models import AttendanceDay, Snapshot, Standing
from tiering.selectors import GroupRow

from .charts import RunChart, Week, run_chart
from .models import (
    ChangeIdea,
    Cycle,
    CycleSchool,
    CycleStatus,
    Participant,
    ReasonTally,
    StudyResult,
    StudySource,
)
from .study import difference_in_words


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


# The school's cycles in Plan or Do, each with the schools it names and whether it names others
# (for may_run), written out rather than built with the ORM: every tiered list asks (its "Add
# to a PDSA cycle" action), and composing cycles_for's nested visibility subqueries cost more
# than running them (bench page_latency, profiled: 5 ms of a 61 ms list request). The tenant
# filters are CycleQuerySet.for_user's: the district, and for a school role cycles naming its
# schools; for every role, tests/pdsa/test_open_cycles_match_the_orm.py holds the answer to the
# ORM's and naming_other_schools'.
_OPEN_CYCLES_SQL = """
    SELECT c.*, ARRAY(
        SELECT named.school_id FROM pdsa_cycleschool named
        WHERE named.district_id = %(district)s AND named.cycle_id = c.id
    ) AS school_ids, {names_other_schools} AS names_other_schools
    FROM pdsa_cycle c JOIN pdsa_changeidea idea ON idea.id = c.change_idea_id
    WHERE c.district_id = %(district)s AND c.status = ANY(%(open)s) AND EXISTS (
        SELECT FROM pdsa_cycleschool at_school
        WHERE at_school.district_id = %(district)s AND at_school.cycle_id = c.id
          AND at_school.school_id = %(school)s {own}
    )
    ORDER BY idea.created_at DESC, c.change_idea_id, c.number
"""
# District-wide roles read every school a cycle names.
_OPEN_CYCLES_SQL_DISTRICT_WIDE = _OPEN_CYCLES_SQL.format(own="", names_other_schools="false")
# A school role's walls hide the other schools, so the database answers (as in
# naming_other_schools), asked once in the statement (an uncorrelated subquery) about every
# cycle naming the school.
_OPEN_CYCLES_SQL_OWN_SCHOOLS = _OPEN_CYCLES_SQL.format(
    own="AND at_school.school_id = ANY(%(schools)s)",
    names_other_schools="""c.id IN (SELECT pdsa_cycles_naming_other_schools(ARRAY(
        SELECT of_school.cycle_id FROM pdsa_cycleschool of_school
        WHERE of_school.district_id = %(district)s AND of_school.school_id = %(school)s
    )))""",
)


def open_cycles(*, user, school: School) -> list[Cycle]:
    """The school's cycles the user may add students to: in Plan or Do, and theirs to run."""
    ctx = current_tenant()
    if ctx.user_id != user.pk:
        raise CrossTenantAccess("open_cycles() was called for someone other than the requester.")
    if ctx.role not in DISTRICT_WIDE_ROLES | SCHOOL_ROLES:
        # Who else reads cycles (partner staff) runs none (may_run).
        return []
    cycles = Cycle.objects.raw(
        _OPEN_CYCLES_SQL_DISTRICT_WIDE if ctx.school_ids is None else _OPEN_CYCLES_SQL_OWN_SCHOOLS,
        {
            "district": ctx.district_id,
            "open": [CycleStatus.PLAN.value, CycleStatus.DO.value],
            "school": school.pk,
            "schools": sorted(ctx.school_ids or ()),
        },
    )
    return [
        c
        for c in cycles
        if may_run(ctx=ctx, school_ids=set(c.school_ids), names_other_schools=c.names_other_schools)
    ]


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


def ramp(*, user, change_idea: ChangeIdea) -> list[CycleWithResult]:
    """Every cycle of a change idea the user may read, in order, with its Study's result."""
    cycles = Cycle.objects.for_user(user).filter(change_idea=change_idea).order_by("number")
    return with_results(user=user, cycles=list(cycles))


def with_results(*, user, cycles: list[Cycle]) -> list[CycleWithResult]:
    """Each cycle with its stored Study's one-line result (None while none is stored)."""
    results = StudyResult.objects.for_user(user).filter(cycle__in=cycles)
    by_cycle = {result.cycle_id: result for result in results}
    return [CycleWithResult(c, cycle_result_summary(by_cycle.get(c.pk))) for c in cycles]


def may_run(*, ctx: TenantContext, school_ids: set[int], names_other_schools: bool) -> bool:
    """District administrators and the cabinet run any cycle; a school role runs a cycle whose
    schools are all its own (a cycle naming no school is district-wide); everyone else reads.
    `school_ids` are the schools the cycle names as the requester reads them, and
    `names_other_schools` whether it names any school beyond those: a school role's walls hide
    other schools' rows, so for a stored cycle naming_other_schools says."""
    if ctx.role in DISTRICT_WIDE_ROLES:
        return True
    if ctx.school_ids is not None and ctx.role is not None:
        return bool(school_ids) and school_ids <= ctx.school_ids and not names_other_schools
    return ctx.is_system


@dataclass(frozen=True)
class CycleAccess:
    """What the requester does with a stored cycle they read: whether they run it (may_run),
    and whether it names schools beyond those they read, which is why a school role reads a
    cycle it does not run (the pages and the API say so, never which schools)."""

    may_run: bool
    names_other_schools: bool


def cycles_access(
    *, ctx: TenantContext, school_ids: Mapping[int, set[int]]
) -> dict[int, CycleAccess]:
    """Each stored cycle's CycleAccess by its id, `school_ids` the schools each names as the
    requester reads them: one statement however many cycles (naming_other_schools)."""
    others = naming_other_schools(ctx=ctx, cycle_ids=school_ids.keys())
    return {
        cycle_id: CycleAccess(
            may_run=may_run(ctx=ctx, school_ids=ids, names_other_schools=cycle_id in others),
            names_other_schools=cycle_id in others,
        )
        for cycle_id, ids in school_ids.items()
    }


def schools_read(cycle: Cycle) -> set[int]:
    """The schools the cycle names as the requester reads them: row security shows a school
    role its own only (prefetched by cycle_details)."""
    return {school.pk for school in cycle.schools.all()}


def cycle_access(
    *, ctx: TenantContext, cycle: Cycle, school_ids: set[int] | None = None
) -> CycleAccess:
    """cycles_access of one cycle; `school_ids` by default schools_read(cycle)."""
    named = schools_read(cycle) if school_ids is None else school_ids
    return cycles_access(ctx=ctx, school_ids={cycle.pk: named})[cycle.pk]


def naming_other_schools(*, ctx: TenantContext, cycle_ids: Collection[int]) -> set[int]:
    """Of the cycles, those naming a school outside a school role's own (for may_run), in one
    statement however many: the role's walls show it only its own schools' rows of
    pdsa_cycleschool, so the database answers, with which cycles and nothing of which schools.
    Other roles read every school a cycle names: none, asked of nobody."""
    if ctx.role not in SCHOOL_ROLES or not cycle_ids:
        return set()
    with connection.cursor() as cursor:
        # pdsa migration 0009.
        cursor.execute("SELECT pdsa_cycles_naming_other_schools(%s::bigint[])", [list(cycle_ids)])
        return {cycle_id for (cycle_id,) in cursor.fetchall()}


def participants_of(*, user, cycle: Cycle) -> list[Participant]:
    """The cycle's participants the user may read, by name, with their school, who added them
    and their sessions: the participants page, its spreadsheet and the staff copy of the PDF."""
    return list(
        Participant.objects.for_user(user)
        .filter(cycle=cycle)
        .select_related("student", "student__school", "added_by")
        .prefetch_related("sessions")
        .order_by("student__last_name", "student__first_name")
    )


def session_days(cycle: Cycle, *, school_ids: set[int] | None = None) -> list[date]:
    """The columns of the 2x10 grid: the instructional days of the test, from its first day to
    its last (or, before the last day is set, as many school days as it plans). A school's
    calendar is the days it recorded attendance (as the Study's windows count them), so a
    weekday it recorded none for, with later days on record, was no school day (a holiday, a
    break) and holds no session; days past the last on record are planned on weekdays. The
    calendar is that of `school_ids` (a participant's school), else of the cycle's schools."""
    if cycle.first_day is None:
        return []
    recorded, through = _recorded_days(cycle, school_ids)
    days, day = [], cycle.first_day
    while (cycle.last_day is None and len(days) < cycle.planned_days) or (
        cycle.last_day is not None and day <= cycle.last_day
    ):
        if day.weekday() < 5 and (through is None or day > through or day in recorded):
            days.append(day)
        day += timedelta(days=1)
    return days


def _recorded_days(cycle: Cycle, school_ids: set[int] | None) -> tuple[set[date], date | None]:
    """The days since the test's first day that the schools recorded attendance for the
    cycle's participants (read by student, along the daily table's key), and the last of them."""
    if school_ids is None:
        school_ids = set(
            CycleSchool.objects.filter(cycle=cycle).values_list("school_id", flat=True)
        ) or set(
            Participant.objects.filter(cycle=cycle).values_list("student__school_id", flat=True)
        )
    student_ids = list(Participant.objects.filter(cycle=cycle).values_list("student_id", flat=True))
    if not student_ids or not school_ids:
        return set(), None
    days = set(
        AttendanceDay.objects.filter(
            student_id__in=student_ids, school_id__in=school_ids, date__gte=cycle.first_day
        )
        .order_by()
        .values_list("date", flat=True)
        .distinct()
    )
    return days, max(days, default=None)


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


# --- The chain: reason for absence → partners → interventions → cycles → result ---------------


def cycle_result_summary(result: StudyResult | None) -> str | None:
    """The cycle's Study in one line, as its worksheet's "What difference did we make?" says
    it; None while no Study is stored. The chain page shows it beside each cycle."""
    if result is None:
        return None
    return difference_in_words(result.comparisons) if result.comparisons else result.note or None


@dataclass(frozen=True)
class TriedIntervention:
    """An intervention tried for a reason: with how many of its students (support records that
    are active, completed or stopped) and in how many of the cycles listed with it."""

    intervention: Intervention
    tier: str  # the tier's label, "" where neither the record nor the taxonomy gives one
    students: int
    cycles: int


@dataclass(frozen=True)
class CycleWithResult:
    cycle: Cycle
    result: str | None


@dataclass
class ChainLink:
    """One reason for absence and what stands behind it here."""

    reason: AbsenceReason
    bands: GroupRow
    partners: list[PartnerEntry]
    tried: list[TriedIntervention]
    cycles: list[CycleWithResult]

    @property
    def untested(self) -> bool:
        """Partners are aligned to the reason, but no cycle has tested an intervention for it."""
        return bool(self.partners) and not self.cycles


@dataclass
class ChainFamily:
    family: str
    tagline: str
    links: list[ChainLink]

    @property
    def rows(self) -> list[GroupRow]:
        """The links whose reason is recorded for a student, for the students-per-band bars."""
        return [link.bands for link in self.links if link.bands.total]


@dataclass
class Chain:
    school: School | None
    snapshot: Snapshot
    mix: GroupRow  # every student of the school (or district) per band
    families: list[ChainFamily]
    quiet: list[AbsenceReason]  # reasons nothing here names yet
    students: int  # students with a recorded reason, each once
    counted_at: datetime | None  # when the stored counts were taken; None: as the page opened

    @property
    def mix_rows(self) -> list[GroupRow]:
        return [self.mix]

    @property
    def links(self) -> list[ChainLink]:
        return [link for family in self.families for link in family.links]

    @property
    def untested(self) -> list[ChainLink]:
        return [link for link in self.links if link.untested]


# A student's support record counts as an intervention tried once it has started.
TRIED_STATUSES = (
    InterventionStatus.ACTIVE,
    InterventionStatus.COMPLETED,
    InterventionStatus.STOPPED,
)


def _scope_sql(scoped: QuerySet[Standing], by_school: bool) -> tuple[str, list, str]:
    """The scope's standings as SQL (student_id, school_id, band), its parameters, and the
    school each count is kept under: the standing's school, or (one count) none."""
    sql, params = scoped.values_list("student_id", "school_id", "band").query.sql_with_params()
    return sql, list(params), "s.school_id" if by_school else "NULL::bigint"


def _reason_bands(
    reasons: QuerySet[ConversationReason], scoped: QuerySet[Standing], *, by_school: bool
) -> dict[int | None, tuple[dict[int, dict[str, int]], int]]:
    """Students with each recorded reason per band, and how many students have any reason:
    for the whole scope (key None), or for each school of its standings. One query: the
    recorded reasons joined to the scope's standings in SQL, as a correlated band lookup per
    reason costs a scan of the standings each across a district; the grouping set without
    the reason counts each student once."""
    reasons_sql, reasons_params = reasons.values_list(
        "student_id", "reason_id"
    ).query.sql_with_params()
    bands_sql, bands_params, school = _scope_sql(scoped, by_school)
    with connection.cursor() as cursor:
        # Both inner queries and their parameters are Django's, read under the caller's
        # tenant context (row-level security applies to them as to any read).
        cursor.execute(
            f"""SELECT {school}, cr.reason_id, s.band, count(DISTINCT cr.student_id),
                       GROUPING(cr.reason_id)
                FROM ({reasons_sql}) AS cr (student_id, reason_id)
                JOIN ({bands_sql}) AS s (student_id, school_id, band)
                  ON s.student_id = cr.student_id
                GROUP BY GROUPING SETS (({school}, cr.reason_id, s.band), ({school}))""",  # noqa: S608
            [*reasons_params, *bands_params],
        )
        rows = cursor.fetchall()
    counts: dict[int | None, tuple[dict[int, dict[str, int]], int]] = {}
    for school_id, reason_id, band, n, total in rows:
        bands, students = counts.get(school_id, ({}, 0))
        if total:
            students = n
        else:
            bands.setdefault(reason_id, {})[band] = n
        counts[school_id] = (bands, students)
    return counts


def _tried(
    records: QuerySet[StudentIntervention],
    reasons: QuerySet[ConversationReason],
    scoped: QuerySet[Standing],
    *,
    by_school: bool,
) -> dict[int | None, dict[int, list[tuple[int, str, int]]]]:
    """(intervention id, tier, students) tried for each reason by the scope's students (key
    None), or by each school's: the reason a record names, or, for a record naming none,
    every reason recorded for its student. One query: the scoped reads joined in SQL."""
    records = records.filter(status__in=TRIED_STATUSES).values_list(
        "student_id", "intervention_id", "tier", "reason_id"
    )
    records_sql, records_params = records.query.sql_with_params()
    reasons_sql, reasons_params = reasons.values_list(
        "student_id", "reason_id"
    ).query.sql_with_params()
    scope_sql, scope_params, school = _scope_sql(scoped, by_school)
    with connection.cursor() as cursor:
        # The inner queries and their parameters are Django's, read under the caller's
        # tenant context (row-level security applies to them as to any read).
        cursor.execute(
            f"""SELECT school, reason, intervention_id, tier, count(DISTINCT student_id)
                FROM (
                    SELECT {school} AS school, si.student_id, si.intervention_id, si.tier,
                           COALESCE(si.reason_id, cr.reason_id) AS reason
                    FROM ({records_sql}) AS si (student_id, intervention_id, tier, reason_id)
                    JOIN ({scope_sql}) AS s (student_id, school_id, band)
                      ON s.student_id = si.student_id
                    LEFT JOIN ({reasons_sql}) AS cr (student_id, reason_id)
                      ON si.reason_id IS NULL AND cr.student_id = si.student_id
                ) AS tried
                WHERE reason IS NOT NULL
                GROUP BY school, reason, intervention_id, tier""",  # noqa: S608
            [*records_params, *scope_params, *reasons_params],
        )
        rows = cursor.fetchall()
    out: dict[int | None, dict[int, list[tuple[int, str, int]]]] = {}
    for school_id, reason_id, intervention_id, tier, n in rows:
        out.setdefault(school_id, defaultdict(list))[reason_id].append((intervention_id, tier, n))
    return out


def _partners(user, school: School | None) -> dict[int, list[PartnerEntry]]:
    """The registry's entries naming each reason: serving the school (an entry naming no
    school serves all), or for the district every entry."""
    entries = PartnerEntry.objects.for_user(user)
    if school is not None:
        entries = entries.filter(Q(schools=school) | Q(schools__isnull=True))
    entries = entries.distinct().select_related("organization").prefetch_related("reasons")
    out: dict[int, list[PartnerEntry]] = defaultdict(list)
    for entry in entries.order_by("organization__name", "provided"):
        for reason in entry.reasons.all():
            out[reason.pk].append(entry)
    return out


def _chain_cycles(user, school: School | None) -> list[Cycle]:
    cycles = Cycle.objects.for_user(user)
    if school is not None:
        cycles = cycles.filter(pk__in=CycleSchool.objects.filter(school=school).values("cycle_id"))
    return list(
        cycles.select_related("change_idea")
        .prefetch_related("reasons", "interventions")
        .order_by("change_idea__title", "number")
    )


ReasonCounts = tuple[dict[int, dict[str, int]], int, dict[int, list[tuple[int, str, int]]]]


def reason_counts(
    *,
    reasons: QuerySet[ConversationReason],
    records: QuerySet[StudentIntervention],
    scoped: QuerySet[Standing],
    by_school: bool = False,
) -> dict[int | None, ReasonCounts]:
    """The chain's counts over the scope's standings: students per reason and band, students
    with any reason, and the interventions tried per reason; for the whole scope (key None),
    or with `by_school` for each school of its standings (those with any count)."""
    bands = _reason_bands(reasons, scoped, by_school=by_school)
    tried = _tried(records, reasons, scoped, by_school=by_school)
    keys = set(bands) | set(tried) | (set() if by_school else {None})
    return {key: (*bands.get(key, ({}, 0)), tried.get(key, defaultdict(list))) for key in keys}


def stored_counts(tally: ReasonTally) -> ReasonCounts:
    """The same counts as the worker stored them (JSON keys are strings)."""
    tried: dict[int, list[tuple[int, str, int]]] = defaultdict(list)
    for reason_id, intervention_id, tier, n in tally.tried:
        tried[reason_id].append((intervention_id, tier, n))
    bands = {int(reason_id): counts for reason_id, counts in tally.bands.items()}
    return bands, tally.students, tried


def chain(*, user, snapshot: Snapshot, school: School | None) -> Chain:
    """For each reason for absence (by root cause): its students per band, the partners
    aligned to it here, the interventions tried for it and the cycles that tested them (those
    naming the reason, or an intervention aligned to it or tried for it), with their results.
    At a school, or (school None) across the district for district-wide readers."""
    tally = ReasonTally.objects.for_user(user).filter(snapshot=snapshot, school=school).first()
    if tally is not None:
        bands, students, tried = stored_counts(tally)
    else:  # not counted yet for this snapshot (the worker's count is queued): count now
        bands, students, tried = reason_counts(
            reasons=ConversationReason.objects.for_user(user),
            records=StudentIntervention.objects.for_user(user),
            scoped=support_selectors.scope_standings(
                standings=Standing.objects.for_user(user), snapshot=snapshot, school=school
            ),
        )[None]
    partners = _partners(user, school)
    cycles = _chain_cycles(user, school)
    interventions = {
        i.pk: i
        for i in Intervention.objects.filter(
            pk__in={row[0] for rows in tried.values() for row in rows}
            | {i.pk for c in cycles for i in c.interventions.all()}
        )
    }
    aligned: dict[int, set[int]] = defaultdict(set)
    for intervention_id, reason_id in Intervention.objects.filter(reason__isnull=False).values_list(
        "pk", "reason_id"
    ):
        aligned[reason_id].add(intervention_id)
    mix = tiering_selectors.band_counts(
        standings=Standing.objects.for_user(user), snapshot=snapshot, school=school
    )
    summaries = {
        result.cycle_id: cycle_result_summary(result)
        for result in StudyResult.objects.for_user(user).filter(cycle__in=cycles)
    }
    where = school.name if school else "the district"
    families, quiet = [], []
    reasons = list(AbsenceReason.objects.order_by("position"))
    for family in ReasonFamily:
        links = []
        for reason in (r for r in reasons if r.family == family):
            tried_here = tried.get(reason.pk, [])
            tried_ids = {row[0] for row in tried_here}
            testing = [
                c
                for c in cycles
                if reason in c.reasons.all()
                or {i.pk for i in c.interventions.all()} & (aligned[reason.pk] | tried_ids)
            ]
            row = GroupRow(
                school=None,
                label=reason.name,
                counts={Band(b): n for b, n in bands.get(reason.pk, {}).items()},
            )
            if not (row.total or partners.get(reason.pk) or tried_here or testing):
                quiet.append(reason)
                continue
            links.append(
                ChainLink(
                    reason=reason,
                    bands=row,
                    partners=partners.get(reason.pk, []),
                    tried=_tried_list(tried_here, testing, interventions),
                    cycles=[CycleWithResult(c, summaries.get(c.pk)) for c in testing],
                )
            )
        if links:
            families.append(ChainFamily(family.label, FAMILY_TAGLINES[family], links))
    return Chain(
        school=school,
        snapshot=snapshot,
        mix=GroupRow(school=None, counts=mix.counts, label=f"Every student of {where}"),
        families=families,
        quiet=quiet,
        students=students,
        counted_at=tally.computed_at if tally is not None else None,
    )


def _tried_list(
    tried: list[tuple[int, str, int]], cycles: list[Cycle], interventions: dict[int, Intervention]
) -> list[TriedIntervention]:
    """The support records' interventions (most students first), then those only the cycles
    name."""
    in_cycles: dict[int, int] = defaultdict(int)
    for cycle in cycles:
        for intervention in cycle.interventions.all():
            in_cycles[intervention.pk] += 1
    out = [
        TriedIntervention(
            intervention=interventions[intervention_id],
            tier=Tier(tier).label if tier else "",
            students=n,
            cycles=in_cycles.get(intervention_id, 0),
        )
        for intervention_id, tier, n in sorted(tried, key=lambda row: (-row[2], row[0], row[1]))
    ]
    recorded = {row[0] for row in tried}
    for intervention_id, n in in_cycles.items():
        if intervention_id not in recorded:
            intervention = interventions[intervention_id]
            out.append(
                TriedIntervention(
                    intervention=intervention,
                    tier=intervention.get_tier_display() if intervention.tier else "",
                    students=0,
                    cycles=n,
                )
            )
    return out


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
