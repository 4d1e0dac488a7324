"""Reads for tiering's pages, exports, PDFs and tasks, so they always show the same rows:
which snapshots are "now" and which to compare, the band tables, the tiered list, breakdowns by
grade and subgroup, trends, data freshness, a student's absence calendar, and what an import
makes of a file's headers and codes.

Snapshots never change once written: their students per band (at each school, across the
district, by grade and subgroup) are counted once as they are taken (BandTally), and pages read
those counts, cached under the snapshot's id (and the reader's scope). A snapshot taken before
counts were stored is counted from its standings; as demographics can change with a roster
import, its breakdowns by subgroup are also keyed on the latest import.
"""

from __future__ import annotations

import calendar
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.cache import cache
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    FilteredRelation,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import NullIf

from districts.models import District, Grade, School, User
from districts.tenancy import current_tenant, remembered

from .bands import CHRONIC_BANDS, RATED_BANDS, SCHOOL_YEAR_DAYS, Band
from .headers import Kind, Recognition, recognise
from .models import (
    DEFAULT_ATTENDANCE_CODES,
    PRIMARY_RULE_SET_NAME,
    AttendanceCategory,
    AttendanceCode,
    AttendanceDay,
    AttendanceImport,
    BandTally,
    ImportProfile,
    RuleSet,
    Snapshot,
    Standing,
)
from .readers import ProblemCode

if TYPE_CHECKING:
    from .charts import Sparkline


@dataclass
class BandRow:
    """Students per band at one school, or (school None) across the district."""

    school: School | None
    counts: dict[Band, int] = field(default_factory=dict)
    # For the dashboard's rows: the same row at the same point of last year, and its chronic
    # absence rate at each snapshot of this school year, oldest first (with_history).
    last_year: BandRow | None = None
    trend: tuple[tuple[date, float | None], ...] = ()
    sparkline: Sparkline | None = None  # the trend drawn small (charts.sparkline)

    @property
    def change_since_last_year(self) -> float | None:
        if self.last_year is None or None in (self.chronic_percent, self.last_year.chronic_percent):
            return None
        return round(self.chronic_percent - self.last_year.chronic_percent, 1)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def rated(self) -> int:
        return self.total - self.counts.get(Band.NOT_YET_RATED, 0)

    @property
    def chronic(self) -> int:
        return sum(self.counts.get(band, 0) for band in CHRONIC_BANDS)

    @property
    def chronic_percent(self) -> float | None:
        return round(100 * self.chronic / self.rated, 1) if self.rated else None

    def segments(self) -> list[tuple[Band, int, float, float]]:
        """(band, count, x, width) in percent of the row's students, for a stacked bar."""
        x = 0.0
        out = []
        for band, n in self.cells():
            width = 100 * n / self.total if self.total else 0
            out.append((band, n, round(x, 3), round(width, 3)))
            x += width
        return out

    def cells(self) -> list[tuple[Band, int]]:
        return [(band, self.counts.get(band, 0)) for band in (*RATED_BANDS, Band.NOT_YET_RATED)]


_CACHE_SECONDS = 24 * 60 * 60
_BAND_OF_VALUE = {band.value: band for band in Band}


def _bands(counts: dict[str, int]) -> dict[Band, int]:
    """Stored or cached counts {band value: students} keyed by Band: by a dictionary rather
    than Band(value) (~10 µs a row of six bands, against ~2), for the thousands of rows of a
    cold dashboard."""
    return {_BAND_OF_VALUE[value]: n for value, n in counts.items()}


NOT_CHRONIC = (Band.SATISFACTORY, Band.AT_RISK, Band.NOT_YET_RATED)


def _cached(key: str, compute: Callable[[], object]) -> object:
    """Caches per tenant and per reader scope (a school role's schools), so a figure computed
    for one reader is never served to another who may see less."""
    ctx = current_tenant()
    scope = "all" if ctx.school_ids is None else ",".join(map(str, sorted(ctx.school_ids)))
    return cache.get_or_set(
        f"tiering:report:{ctx.district_id}:{scope}:{key}", compute, _CACHE_SECONDS
    )


# --- Which snapshots to compare -----------------------------------------------------------


def newest_first(snapshots: QuerySet[Snapshot]) -> QuerySet[Snapshot]:
    """Snapshots by the date their attendance runs to, then by when they were taken: a file of
    an earlier date imported later is an older review point, not the district's "now"."""
    return snapshots.select_related("rule_set", "school_year").order_by("-as_of", "-created_at")


def current_snapshots(*, snapshots: QuerySet[Snapshot]) -> list[Snapshot]:
    """The current snapshot of each rule set, primary rule set first: what every page (the
    imports page, the dashboard, the school pages, the home panel, the digest) calls "now".
    Each knows its previous one (``previous_snapshot``), found among the rows read here."""
    newest = list(newest_first(snapshots))
    current: dict[int, Snapshot] = {}
    for snapshot in newest:
        current.setdefault(snapshot.rule_set_id, snapshot)
    for snapshot in current.values():
        snapshot.known_previous = next(
            (
                earlier
                for earlier in newest
                if earlier.rule_set_id == snapshot.rule_set_id
                and earlier.school_year_id == snapshot.school_year_id
                and earlier.as_of < snapshot.as_of
            ),
            None,
        )
    return sorted(current.values(), key=lambda s: (not s.rule_set.is_primary, s.rule_set.name))


def current_snapshot(*, snapshots: QuerySet[Snapshot], rule_set_id: int | None = None):
    """The current snapshot of a rule set (the primary one unless another is asked for), as
    ``current_snapshots`` picks it for every page."""
    if rule_set_id is None:
        return newest_first(snapshots.filter(rule_set__is_primary=True)).first()
    return newest_first(snapshots.filter(rule_set_id=rule_set_id)).first()


def current_snapshot_among(current: list[Snapshot], *, rule_set_id: int | None = None):
    """``current_snapshot``, picked from what ``current_snapshots`` gave: for a page that shows
    both the snapshot and the rule sets to switch between, with one read."""
    for snapshot in current:
        if snapshot.rule_set_id == rule_set_id or (
            rule_set_id is None and snapshot.rule_set.is_primary
        ):
            return snapshot
    return None


def previous_snapshot(*, snapshots: QuerySet[Snapshot], snapshot: Snapshot) -> Snapshot | None:
    """The last review point before this one in the same school year and rule set (read with
    the snapshot when ``current_snapshots`` gave it: a statement fewer on every list page)."""
    if hasattr(snapshot, "known_previous"):
        return snapshot.known_previous
    return _before(
        snapshots,
        rule_set_id=snapshot.rule_set_id,
        school_year_id=snapshot.school_year_id,
        as_of=snapshot.as_of,
    ).first()


def with_previous_id(snapshots: QuerySet[Snapshot]) -> QuerySet[Snapshot]:
    """Each snapshot with its previous one's id (``previous_snapshot``) as ``previous_id``:
    for a reader needing both, in the statement that reads the snapshot."""
    before = _before(
        snapshots,
        rule_set_id=OuterRef("rule_set_id"),
        school_year_id=OuterRef("school_year_id"),
        as_of=OuterRef("as_of"),
    )
    return snapshots.annotate(previous_id=Subquery(before.values("pk")[:1]))


def _before(snapshots: QuerySet[Snapshot], *, rule_set_id, school_year_id, as_of):
    return newest_first(
        snapshots.filter(rule_set_id=rule_set_id, school_year_id=school_year_id, as_of__lt=as_of)
    )


def last_year_snapshot(*, snapshots: QuerySet[Snapshot], snapshot: Snapshot) -> Snapshot | None:
    """Last school year's snapshot nearest the same point of the year (the same number of days
    after the first day), so "compared to prior years" compares like with like."""
    earlier = newest_first(
        snapshots.filter(
            rule_set_id=snapshot.rule_set_id,
            school_year__first_day__lt=snapshot.school_year.first_day,
        )
    ).order_by("-school_year__first_day", "-as_of")
    newest = earlier.first()
    if newest is None:
        return None
    candidates = list(earlier.filter(school_year_id=newest.school_year_id))
    target = newest.school_year.first_day + (snapshot.as_of - snapshot.school_year.first_day)
    return min(candidates, key=lambda s: (abs((s.as_of - target).days), -s.created_at.timestamp()))


@dataclass
class Comparison:
    """A figure now, at the previous snapshot and at the same point of last year."""

    current: BandRow
    previous: BandRow | None
    last_year: BandRow | None
    # The dates compared, for every figure to name them.
    as_of: date | None = None
    previous_as_of: date | None = None
    last_year_as_of: date | None = None

    @staticmethod
    def _change(now: float | None, then: float | None) -> float | None:
        return None if now is None or then is None else round(now - then, 1)

    @property
    def change_since_previous(self) -> float | None:
        previous = self.previous.chronic_percent if self.previous else None
        return self._change(self.current.chronic_percent, previous)

    @property
    def change_since_last_year(self) -> float | None:
        last_year = self.last_year.chronic_percent if self.last_year else None
        return self._change(self.current.chronic_percent, last_year)


def live_band_counts(
    *, standings: QuerySet[Standing], snapshot: Snapshot, school: School | None
) -> dict[str, int]:
    """``band_counts`` counted from the snapshot's standings: {band: students}."""
    if school:
        rows = standings.filter(snapshot=snapshot, school=school)
    else:
        rows = standings.across_district(snapshot=snapshot)
    return dict(rows.order_by().values_list("band").annotate(n=Count("pk")))


def band_counts(*, standings: QuerySet[Standing], snapshot: Snapshot, school: School | None):
    """Students per band in one snapshot, at one school or (school None) across the district:
    as stored when the snapshot was taken (BandTally), else counted from its standings."""

    def compute() -> dict[str, int]:
        stored = (
            BandTally.objects.visible()
            .filter(snapshot=snapshot, school=school)
            .values_list("counts", flat=True)
            .first()
        )
        if stored is not None:
            return stored
        return live_band_counts(standings=standings, snapshot=snapshot, school=school)

    key = f"counts:{_version(snapshot)}:{school.pk if school else 'district'}"
    counts = _cached(key, compute)
    return BandRow(school=school, counts=_bands(counts))


def comparison(*, standings, snapshots, snapshot: Snapshot, school: School | None) -> Comparison:
    previous = previous_snapshot(snapshots=snapshots, snapshot=snapshot)
    last_year = last_year_snapshot(snapshots=snapshots, snapshot=snapshot)

    def counts(s: Snapshot | None) -> BandRow | None:
        return band_counts(standings=standings, snapshot=s, school=school) if s else None

    return Comparison(
        current=counts(snapshot),
        previous=counts(previous),
        last_year=counts(last_year),
        as_of=snapshot.as_of,
        previous_as_of=previous.as_of if previous else None,
        last_year_as_of=last_year.as_of if last_year else None,
    )


# --- The tiered list ------------------------------------------------------------------------


class ListChange:
    NEWLY_CHRONIC = "newly_chronic"
    IMPROVED = "improved"
    WORSENED = "worsened"
    LABELS = {
        NEWLY_CHRONIC: "Newly chronically absent",
        IMPROVED: "Improved",
        WORSENED: "Worsened",
    }


CHRONIC_FILTER = "chronic"


class Enrollment:
    """Whether a listed student is still enrolled at the school. A student who transferred
    out stays on the school's list for the days they attended there: the school's band counts
    include them, so the list does too, marked with the day they left."""

    ENROLLED = "enrolled"
    TRANSFERRED_OUT = "transferred_out"
    LABELS = {ENROLLED: "Still enrolled here", TRANSFERRED_OUT: "Transferred out"}


SORTS = {
    "percent": (F("percent").desc(nulls_last=True), "student__last_name", "student__first_name"),
    "percent_asc": (F("percent").asc(nulls_last=True), "student__last_name", "student__first_name"),
    "days": (F("days_absent").desc(), "student__last_name", "student__first_name"),
    "name": ("student__last_name", "student__first_name", "student__sis_id"),
}


@dataclass(frozen=True)
class ListFilters:
    band: str = ""
    grade: int | None = None
    gender: str = ""
    race_ethnicity: str = ""
    zip_code: str = ""
    disability: bool | None = None
    english_learner: bool | None = None
    low_income: bool | None = None
    q: str = ""
    change: str = ""
    enrollment: str = ""
    sort: str = "percent"


def _rank(expression: str) -> Case:
    return Case(
        *(When(**{expression: band.value}, then=Value(i)) for i, band in enumerate(RATED_BANDS)),
        default=Value(None),
        output_field=IntegerField(),
    )


def _percent() -> ExpressionWrapper:
    return ExpressionWrapper(
        F("days_absent") * Value(Decimal(100)) / NullIf(F("days_enrolled"), Value(0)),
        output_field=DecimalField(max_digits=9, decimal_places=4),
    )


def _in_groups(rows: QuerySet[Standing], filters: ListFilters) -> QuerySet[Standing]:
    """The standings of the filters' grade and subgroups (the dashboard's DIMENSIONS)."""
    if filters.grade is not None:
        rows = rows.filter(grade=filters.grade)
    for name in ("gender", "race_ethnicity", "zip_code"):
        if value := getattr(filters, name):
            rows = rows.filter(**{f"student__{name}": value})
    for name in ("disability", "english_learner", "low_income"):
        if (value := getattr(filters, name)) is not None:
            rows = rows.filter(**{f"student__{name}": value})
    return rows


def tiered_students(
    *,
    standings: QuerySet[Standing],
    snapshot: Snapshot,
    previous: Snapshot | int | None,
    school: School,
    filters: ListFilters,
) -> QuerySet[Standing]:
    """One school's students in a snapshot with their percent missed, their band at the
    previous snapshot (or the snapshot of that id) and whether they have transferred out
    (their latest enrollment is at another school), filtered and sorted as the page asks.
    Every standing of the school is a row: the band counts (``band_counts``) count the same
    rows."""
    rows = (
        standings.filter(snapshot=snapshot, school=school)
        .select_related("student")
        .annotate(
            percent=_percent(),
            transferred_out=Case(
                # A student with no recorded school has not been seen to leave.
                When(
                    Q(student__school_id=school.pk) | Q(student__school_id__isnull=True),
                    then=Value(False),
                ),
                default=Value(True),
                output_field=BooleanField(),
            ),
        )
    )
    if previous is None:
        rows = rows.annotate(previous_band=Value(None, output_field=CharField()))
    else:
        # A join, not a subquery per row: the planner may answer a correlated subquery from
        # the (snapshot, school, band) index, rescanning the school's rows for every student.
        rows = rows.annotate(
            at_previous=FilteredRelation(
                "student__standings",
                # The district too, so the join can use the (district, snapshot, …) indexes.
                condition=Q(
                    student__standings__district_id=snapshot.district_id,
                    student__standings__school=school,
                    **_at_snapshot("student__standings__", previous, snapshot),
                ),
            ),
            previous_band=F("at_previous__band"),
        )
    if filters.band == CHRONIC_FILTER:
        rows = rows.filter(band__in=CHRONIC_BANDS)
    elif filters.band:
        rows = rows.filter(band=filters.band)
    rows = _in_groups(rows, filters)
    for word in filters.q.split():
        rows = rows.filter(
            Q(student__first_name__icontains=word)
            | Q(student__last_name__icontains=word)
            | Q(student__sis_id__iexact=word)
        )
    if filters.enrollment in Enrollment.LABELS:
        rows = rows.filter(transferred_out=filters.enrollment == Enrollment.TRANSFERRED_OUT)
    if filters.change == ListChange.NEWLY_CHRONIC:
        rows = rows.filter(band__in=CHRONIC_BANDS, previous_band__in=NOT_CHRONIC)
    elif filters.change in (ListChange.IMPROVED, ListChange.WORSENED):
        # Only these filters compare the bands' ranks: built (and selected) for them alone,
        # the two CASE expressions were a good part of composing every list's query.
        rows = rows.alias(rank=_rank("band"), previous_rank=_rank("previous_band"))
        if filters.change == ListChange.IMPROVED:
            rows = rows.filter(previous_rank__gt=F("rank"))
        else:
            rows = rows.filter(rank__gt=F("previous_rank"))
    return rows.order_by(*SORTS.get(filters.sort, SORTS["percent"]))


def _at_snapshot(prefix: str, previous: Snapshot | int, snapshot: Snapshot) -> dict:
    """The lookup of standings at `previous`, a snapshot or its id. A standing names its
    snapshot with the snapshot's reporting year (its partition): an id alone is given the year
    of `snapshot`, which a previous snapshot shares (the same school year by definition)."""
    if isinstance(previous, Snapshot):
        return {f"{prefix}snapshot": previous}
    return {f"{prefix}snapshot_id": previous, f"{prefix}reporting_year": snapshot.reporting_year}


def snapshot_standings(
    *,
    standings: QuerySet[Standing],
    snapshot: Snapshot,
    previous: Snapshot | int | None,
    school: School | None,
    bands: Sequence[str] = (),
    groups: ListFilters = ListFilters(),
) -> QuerySet[Standing]:
    """The standings of a snapshot a reader may see, with their percent missed and previous
    band (at `previous`, a snapshot or its id; the REST API's standings): one school's as its
    tiered list has them; else, for readers of the whole district, each student's standing
    across the district (previous band likewise), and for a school role its schools' rows
    (previous band at the same school).
    Filtered by bands (``CHRONIC_FILTER`` for the three chronic ones) and by the grade and
    subgroups of ``groups`` (its other filters are the tiered list's); ordered by the caller."""
    wanted = {b for band in bands for b in (CHRONIC_BANDS if band == CHRONIC_FILTER else (band,))}
    if school is not None:
        rows = tiered_students(
            standings=standings,
            snapshot=snapshot,
            previous=previous,
            school=school,
            filters=groups,
        )
        return rows.filter(band__in=wanted) if wanted else rows
    whole_district = current_tenant().school_ids is None
    rows = (
        standings.across_district(snapshot=snapshot)
        if whole_district
        else standings.filter(snapshot=snapshot)
    )
    rows = rows.select_related("student").annotate(percent=_percent())
    if previous is None:
        rows = rows.annotate(previous_band=Value(None, output_field=CharField()))
    else:
        before = standings.filter(
            student_id=OuterRef("student_id"), **_at_snapshot("", previous, snapshot)
        )
        before = (
            # The student's row across the district, as ``across_district`` picks it: their
            # district row if they have one, else their one school's. In one probe of the
            # (district, snapshot, student) index, rather than across_district's second probe
            # for a district row behind each of a page's rows (a quarter of the page's SQL).
            before.order_by(F("school_id").asc(nulls_first=True))
            if whole_district
            else before.filter(school_id=OuterRef("school_id"))
        )
        rows = rows.annotate(previous_band=Subquery(before.values("band")[:1]))
    if wanted:
        rows = rows.filter(band__in=wanted)
    return _in_groups(rows, groups)


def transfer_dates(
    *, days: QuerySet[AttendanceDay], school: School, snapshot: Snapshot, student_ids
) -> dict[int, date]:
    """The last day each of these students attended the school up to the snapshot's date,
    from their daily records; a student known only from summary totals has none."""
    if not student_ids:
        # Most pages list nobody who left: no query to build (it would run none either).
        return {}
    return dict(
        days.filter(
            student_id__in=list(student_ids),
            school=school,
            date__range=(snapshot.school_year.first_day, snapshot.as_of),
        )
        .order_by()
        .values_list("student_id")
        .annotate(last=Max("date"))
    )


def school_year_days(percent: Decimal | None) -> Decimal | None:
    """Days missed in a 180-day school year at this percent, for the list beside the percent."""
    if percent is None:
        return None
    return (percent * SCHOOL_YEAR_DAYS / 100).quantize(Decimal("0.1"))


def is_worse(band: str, previous_band: str | None) -> bool:
    ranks = {b.value: i for i, b in enumerate(RATED_BANDS)}
    return band in ranks and previous_band in ranks and ranks[band] > ranks[previous_band]


@dataclass(frozen=True)
class FilterOptions:
    grades: list[tuple[int, str]]
    genders: list[str]
    races: list[str]
    zip_codes: list[str]


def filter_options(*, standings: QuerySet[Standing], snapshot: Snapshot, school: School):
    """The values the school's students actually have, for the filter menus."""

    def compute() -> FilterOptions:
        rows = standings.filter(snapshot=snapshot, school=school).order_by()

        def distinct(column: str) -> list:
            return sorted(
                v for v in rows.values_list(column, flat=True).distinct() if v not in (None, "")
            )

        return FilterOptions(
            grades=[(g, Grade(g).label) for g in distinct("grade")],
            genders=distinct("student__gender"),
            races=distinct("student__race_ethnicity"),
            zip_codes=distinct("student__zip_code"),
        )

    return _cached(f"options:{_version(snapshot)}:{school.pk}:{_latest_import()}", compute)


def _version(record: Snapshot | AttendanceImport | None) -> str:
    """A record's id and creation time: ids alone could name another record after a database
    is restored or rebuilt while the cache lives on."""
    return "none" if record is None else f"{record.pk}@{record.created_at.timestamp()}"


def _latest_import() -> str:
    return remembered("tiering.latest_import", latest_import_now)


# The files that may carry students' demographics (ingest.DEMOGRAPHICS): daily files do not.
DEMOGRAPHIC_KINDS = (Kind.ROSTER, Kind.SUMMARY)


def demographics_version_now(
    *, importing: AttendanceImport | None = None, kind: Kind | None = None
) -> str:
    """The latest import that may have changed students' demographics, read afresh: what
    breakdowns by subgroup depend on, stored beside them (BandTally.groups_as_of_import).
    ``importing`` is an import of ``kind`` still running, whose kind may not be saved yet."""
    latest = (
        AttendanceImport.objects.filter(kind__in=DEMOGRAPHIC_KINDS)
        .only("pk", "created_at")
        .order_by("-pk")
        .first()
    )
    if (
        importing is not None
        and kind in DEMOGRAPHIC_KINDS
        and (latest is None or importing.pk > latest.pk)
    ):
        latest = importing
    return _version(latest)


def _demographics_version() -> str:
    return remembered("tiering.demographics_version", demographics_version_now)


def figures_version(snapshot: Snapshot | None) -> str:
    """What a page's figures for this snapshot depend on, so a rendered table can be cached
    under it: the snapshot itself and the latest import (demographics, data freshness)."""
    return f"{current_tenant().district_id}:{_version(snapshot)}:{_latest_import()}"


# --- District dashboard --------------------------------------------------------------------


@dataclass(frozen=True)
class Dimension:
    key: str
    label: str
    column: str


DIMENSIONS: tuple[Dimension, ...] = (
    Dimension("grade", "Grade", "grade"),
    Dimension("gender", "Gender", "student__gender"),
    Dimension("race_ethnicity", "Race/ethnicity", "student__race_ethnicity"),
    Dimension("disability", "Students with disabilities", "student__disability"),
    Dimension("english_learner", "English learners", "student__english_learner"),
    Dimension("low_income", "Low income", "student__low_income"),
    Dimension("zip_code", "ZIP code", "student__zip_code"),
)


@dataclass
class GroupRow(BandRow):
    """Students per band in one group of a breakdown (grade 3, English learners, …)."""

    label: str = ""


def _group_label(dimension: Dimension, value: object) -> str:
    if value is None or value == "":
        return "Not recorded"
    if dimension.key == "grade":
        return f"Grade {Grade(value).label}"
    if isinstance(value, bool):
        return {
            "disability": ("Students with disabilities", "Students without disabilities"),
            "english_learner": ("English learners", "Not English learners"),
            "low_income": ("Low income", "Not low income"),
        }[dimension.key][0 if value else 1]
    return str(value)


def _sort_key(dimension: Dimension, value: object) -> tuple:
    if value is None or value == "":
        return (2, "")
    if isinstance(value, bool):
        return (0, not value)
    return (0, value) if dimension.key == "grade" else (1, str(value))


def live_breakdowns(
    *, standings: QuerySet[Standing], snapshot: Snapshot
) -> dict[str, list[tuple[object, dict[str, int]]]]:
    """``breakdowns`` counted from the snapshot's standings, in one pass (GROUPING SETS):
    {dimension key: [(value, {band: students}), …]}."""
    base = standings.across_district(snapshot=snapshot).values_list(
        "band", *(d.column for d in DIMENSIONS)
    )
    sql, params = base.query.sql_with_params()
    names = [d.key for d in DIMENSIONS]
    sets = ", ".join(f"(band, {name})" for name in names)
    with connection.cursor() as cursor:
        # The names are DIMENSIONS' own; the inner query and its parameters are Django's.
        cursor.execute(
            f"""SELECT band, {", ".join(names)}, GROUPING({", ".join(names)}), count(*)
                FROM ({sql}) AS s (band, {", ".join(names)})
                GROUP BY GROUPING SETS ({sets})""",  # noqa: S608
            params,
        )
        fetched = cursor.fetchall()
    grouped: dict[str, dict[object, dict[str, int]]] = {name: {} for name in names}
    for row in fetched:
        band, values, mask, n = row[0], row[1:-2], row[-2], row[-1]
        # GROUPING() has a 0 bit for the one dimension this row is grouped by.
        index = next(i for i in range(len(names)) if not mask >> (len(names) - 1 - i) & 1)
        grouped[names[index]].setdefault(values[index], {})[band] = n
    return {name: list(groups.items()) for name, groups in grouped.items()}


def breakdowns(*, standings: QuerySet[Standing], snapshot: Snapshot) -> dict[str, list[GroupRow]]:
    """District-level students per band by grade and by each subgroup, keyed by dimension: as
    stored when the snapshot was taken (BandTally), else counted from its standings by the
    demographics on record now."""

    def compute() -> dict[str, list[tuple[object, dict[str, int]]]]:
        stored = (
            BandTally.objects.visible()
            .filter(snapshot=snapshot, school=None, groups_as_of_import=_demographics_version())
            .values_list("groups", flat=True)
            .first()
        )
        if stored:
            return stored
        return live_breakdowns(standings=standings, snapshot=snapshot)

    computed = _cached(f"breakdowns:{_version(snapshot)}:{_latest_import()}", compute)
    out = {}
    for dimension in DIMENSIONS:
        groups = sorted(computed[dimension.key], key=lambda g: _sort_key(dimension, g[0]))
        out[dimension.key] = [
            GroupRow(
                school=None,
                counts=_bands(counts),
                label=_group_label(dimension, value),
            )
            for value, counts in groups
        ]
    return out


def live_school_counts(
    *, standings: QuerySet[Standing], snapshot: Snapshot
) -> dict[int, dict[str, int]]:
    """``school_rows`` counted from the snapshot's standings: {school id: {band: students}}."""
    counts: dict[int, dict[str, int]] = {}
    rows = (
        standings.filter(snapshot=snapshot, school__isnull=False)
        .order_by()
        .values_list("school_id", "band")
        .annotate(n=Count("pk"))
    )
    for school_id, band, n in rows:
        counts.setdefault(school_id, {})[band] = n
    return counts


def school_counts(
    *, standings: QuerySet[Standing], snapshot: Snapshot
) -> dict[int, dict[str, int]]:
    """Students per band at each school, {school id: {band: students}}: as stored when the
    snapshot was taken (BandTally), else counted from its standings."""

    def compute() -> list[tuple[int, dict[str, int]]]:
        stored = list(
            BandTally.objects.visible()
            .filter(snapshot=snapshot, school__isnull=False)
            .values_list("school_id", "counts")
        )
        return stored or list(live_school_counts(standings=standings, snapshot=snapshot).items())

    return dict(_cached(f"schools:{_version(snapshot)}", compute))


def school_rows(*, standings: QuerySet[Standing], snapshot: Snapshot) -> list[BandRow]:
    """Students per band at each school (``school_counts``), by school name."""
    computed = school_counts(standings=standings, snapshot=snapshot)
    schools = School.objects.filter(pk__in=computed).order_by("name")
    return [BandRow(school=school, counts=_bands(computed[school.pk])) for school in schools]


def band_table(*, snapshot: Snapshot, standings: QuerySet[Standing]) -> list[BandRow]:
    """District row (for readers of the whole district) then `school_rows`."""
    table = school_rows(standings=standings, snapshot=snapshot)
    if table and current_tenant().school_ids is None:
        table.insert(0, band_counts(standings=standings, snapshot=snapshot, school=None))
    return table


def review_points(
    snapshots: QuerySet[Snapshot], snapshot: Snapshot, *, whole_year: bool = False
) -> list[Snapshot]:
    """The review points of ``snapshot``'s school year under its rule set, up to it (or the
    whole year), oldest first: the current snapshot of each review date (newest_first)."""
    year = snapshots.filter(
        rule_set_id=snapshot.rule_set_id, school_year_id=snapshot.school_year_id
    )
    if not whole_year:
        year = year.filter(as_of__lte=snapshot.as_of)
    newest_per_day: dict[date, Snapshot] = {}
    for s in newest_first(year):
        newest_per_day.setdefault(s.as_of, s)
    return sorted(newest_per_day.values(), key=lambda s: s.as_of)


def with_history(
    *,
    standings: QuerySet[Standing],
    snapshots: QuerySet[Snapshot],
    snapshot: Snapshot,
    school_rows_now: list[BandRow],
    groups_now: dict[str, list[GroupRow]],
) -> None:
    """Gives each school row and subgroup row of the dashboard the same row at the same point
    of last year (``last_year_snapshot``) and its chronic absence rate at each review point of
    this school year. Rows are matched by school and by group label; every snapshot's figures
    come from the same cached reads as the rows themselves; the other snapshots' schools are
    matched by id, without reading the schools again for each (3 reads of 960 schools took
    ~70 ms of a cold dashboard)."""
    points = review_points(snapshots, snapshot)
    schools_at = {s.pk: school_counts(standings=standings, snapshot=s) for s in points}
    groups_at = {s.pk: breakdowns(standings=standings, snapshot=s) for s in points}
    last_year = last_year_snapshot(snapshots=snapshots, snapshot=snapshot)
    last_year_schools = school_counts(standings=standings, snapshot=last_year) if last_year else {}
    last_year_groups = breakdowns(standings=standings, snapshot=last_year) if last_year else {}

    def rate(row: BandRow | None) -> float | None:
        return row.chronic_percent if row else None

    def school_row(school: School, counts: dict[str, int] | None) -> BandRow | None:
        if counts is None:
            return None
        return BandRow(school=school, counts=_bands(counts))

    for row in school_rows_now:
        school = row.school
        row.last_year = school_row(school, last_year_schools.get(school.pk))
        row.trend = tuple(
            (s.as_of, rate(school_row(school, schools_at[s.pk].get(school.pk)))) for s in points
        )
    for key, rows in groups_now.items():
        by_label = {r.label: r for r in last_year_groups.get(key, [])}
        # By label rather than a search of each point's rows for each row (hundreds of ZIP
        # codes: quadratic).
        rates_at = {
            s.pk: {g.label: rate(g) for g in reversed(groups_at[s.pk][key])} for s in points
        }
        for row in rows:
            row.last_year = by_label.get(row.label)
            row.trend = tuple((s.as_of, rates_at[s.pk].get(row.label)) for s in points)


@dataclass(frozen=True)
class RuleSetsRow:
    """One school (or, school None, the district) under each current rule set, in the order of
    ``selectors.current_snapshots``: the rule sets' band counts read side by side."""

    school: School | None
    rows: list[BandRow]

    def cells(self) -> list[tuple[Band, list[int]]]:
        return [
            (band, [row.counts.get(band, 0) for row in self.rows])
            for band in (*RATED_BANDS, Band.NOT_YET_RATED)
        ]


def rule_sets_side_by_side(
    *, standings: QuerySet[Standing], snapshots: list[Snapshot]
) -> list[RuleSetsRow]:
    """The district, then each school by name, under each of these snapshots (one per rule
    set). A school with no student under one rule set shows an empty row there."""
    district = RuleSetsRow(
        school=None,
        rows=[band_counts(standings=standings, snapshot=s, school=None) for s in snapshots],
    )
    per_rule_set = [
        {row.school.pk: row for row in school_rows(standings=standings, snapshot=s)}
        for s in snapshots
    ]
    schools = {row.school.pk: row.school for rows in per_rule_set for row in rows.values()}
    return [
        district,
        *(
            RuleSetsRow(
                school=school,
                rows=[rows.get(school.pk, BandRow(school=school)) for rows in per_rule_set],
            )
            for school in sorted(schools.values(), key=lambda s: s.name)
        ),
    ]


@dataclass(frozen=True)
class TrendPoint:
    snapshot: Snapshot
    row: BandRow

    @property
    def day_of_year(self) -> int:
        return (self.snapshot.as_of - self.snapshot.school_year.first_day).days


@dataclass(frozen=True)
class Trend:
    this_year: list[TrendPoint]
    last_year: list[TrendPoint]


def trend(*, standings, snapshots, snapshot: Snapshot, school: School | None) -> Trend:
    """Students per band at every snapshot of this school year (up to this one) and of the
    last, for one rule set; one point per review date, oldest first."""

    def points(year_snapshots: list[Snapshot]) -> list[TrendPoint]:
        return [
            TrendPoint(s, band_counts(standings=standings, snapshot=s, school=school))
            for s in year_snapshots
        ]

    last_year = last_year_snapshot(snapshots=snapshots, snapshot=snapshot)
    return Trend(
        this_year=points(review_points(snapshots, snapshot)),
        last_year=points(review_points(snapshots, last_year, whole_year=True)) if last_year else [],
    )


@dataclass(frozen=True)
class Freshness:
    school: School
    last_date: date | None
    stale: bool


def live_last_dates(*, days: QuerySet[AttendanceDay], summaries) -> dict[int, date]:
    """Each school's last date with attendance data, over every year, counted from the daily
    records and the summaries on record: {school id: date}."""
    latest: dict[int, date] = {}
    for source in (
        days.order_by().values_list("school_id").annotate(last=Max("date")),
        summaries.order_by().values_list("school_id").annotate(last=Max("as_of")),
    ):
        for school_id, last in source:
            latest[school_id] = max(last, latest.get(school_id, last))
    return latest


def latest_import_now() -> str:
    """The latest import, read afresh (``_latest_import`` remembers it for a request): what
    stored last dates are valid for (BandTally.last_dates_as_of_import). Read without the
    import's preview, mapping and errors (JSON a file's import fills, its preview ~27 KB):
    with them, the read took 4.7 ms of every tiered list's request, without them 1.4 (bench
    page_latency's database, 493,407 students, at load 3.3)."""
    return _version(AttendanceImport.objects.only("pk", "created_at").order_by("-pk").first())


def data_freshness(
    *, schools, days, summaries, today: date, cycle_days: int = 14, snapshot: Snapshot | None = None
):
    """Each school's last date with attendance data; older than the biweekly cycle is stale.
    With ``snapshot``, the dates stored with it (BandTally.last_dates) while no import has
    come since: one small read where the counts over every daily record and summary took
    ~130 ms of a cold dashboard at 500,000 students (seconds with daily records)."""

    def compute() -> dict[int, date]:
        stored = (
            BandTally.objects.visible()
            .filter(snapshot=snapshot, school=None, last_dates_as_of_import=_latest_import())
            .values_list("last_dates", flat=True)
            .first()
            if snapshot is not None
            else None
        )
        if stored is not None:
            return {int(pk): date.fromisoformat(day) for pk, day in stored.items()}
        return live_last_dates(days=days, summaries=summaries)

    latest = _cached(f"freshness:{_latest_import()}", compute)
    oldest_fresh = today - timedelta(days=cycle_days)
    return [
        Freshness(
            school=school,
            last_date=latest.get(school.pk),
            stale=latest.get(school.pk) is None or latest[school.pk] < oldest_fresh,
        )
        for school in schools.order_by("name")
    ]


# --- A student's absences ------------------------------------------------------------------

ABSENCE_CATEGORIES = frozenset(
    {
        AttendanceCategory.EXCUSED,
        AttendanceCategory.UNEXCUSED,
        AttendanceCategory.SUSPENSION_OUT,
        AttendanceCategory.SUSPENSION_IN,
        AttendanceCategory.PARTIAL,
    }
)


@dataclass(frozen=True)
class CalendarDay:
    day: date
    category: AttendanceCategory | None  # None: no record (weekend, holiday, not enrolled)

    @property
    def is_absence(self) -> bool:
        return self.category in ABSENCE_CATEGORIES


@dataclass
class CalendarMonth:
    label: str
    weeks: list[list[CalendarDay | None]]
    absences: int


@dataclass(frozen=True)
class Streak:
    first: date
    last: date
    days: int


@dataclass
class AbsencePatterns:
    by_weekday: list[tuple[str, int, int]]  # weekday, absences, school days on record
    next_to_breaks: list[date]
    streaks: list[Streak]
    absences: int
    school_days: int
    by_category: list[tuple[str, int]] = field(default_factory=list)


WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")


def absence_calendar(*, days: QuerySet[AttendanceDay], first_day: date, last_day: date):
    """Month grids (Sunday first, as the Caring Conversations calendar) with each school day's
    record, from the first day of school to the last day on record."""
    records = dict(
        days.filter(date__range=(first_day, last_day))
        .order_by("date")
        .values_list("date", "category")
    )
    if not records:
        return [], None
    through = max(records)
    months = []
    year, month = first_day.year, first_day.month
    while date(year, month, 1) <= through:
        weeks = calendar.Calendar(firstweekday=6).monthdatescalendar(year, month)
        grid = [
            [CalendarDay(d, _category(records.get(d))) if d.month == month else None for d in week]
            for week in weeks
        ]
        absences = sum(
            1
            for d, c in records.items()
            if (d.year, d.month) == (year, month) and c in ABSENCE_CATEGORIES
        )
        months.append(CalendarMonth(f"{calendar.month_name[month]} {year}", grid, absences))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months, _patterns(records)


def _category(value: int | None) -> AttendanceCategory | None:
    return None if value is None else AttendanceCategory(value)


def _patterns(records: dict[date, int]) -> AbsencePatterns:
    """Patterns over the student's own school days: the days they have a record for are the
    days school was in session for them, so a gap of more than one calendar day between two
    records is a weekend, a holiday or a break."""
    school_days = sorted(records)
    absent = [d for d in school_days if records[d] in ABSENCE_CATEGORIES]
    weekday_absences = Counter(d.weekday() for d in absent)
    weekday_days = Counter(d.weekday() for d in school_days)
    next_to_breaks = []
    streaks = []
    run: list[date] = []
    for i, day in enumerate(school_days):
        before = school_days[i - 1] if i else None
        after = school_days[i + 1] if i + 1 < len(school_days) else None
        is_absent = records[day] in ABSENCE_CATEGORIES
        if is_absent and (
            (before is not None and (day - before).days > 1)
            or (after is not None and (after - day).days > 1)
        ):
            next_to_breaks.append(day)
        if is_absent:
            run.append(day)
        if (not is_absent or after is None) and run:
            if len(run) >= 2:
                streaks.append(Streak(run[0], run[-1], len(run)))
            run = []
    by_category = Counter(AttendanceCategory(records[d]).label for d in absent)
    return AbsencePatterns(
        by_weekday=[
            (name, weekday_absences.get(i, 0), weekday_days.get(i, 0))
            for i, name in enumerate(WEEKDAYS)
        ],
        next_to_breaks=next_to_breaks,
        streaks=sorted(streaks, key=lambda s: (-s.days, s.first)),
        absences=len(absent),
        school_days=len(school_days),
        by_category=sorted(by_category.items(), key=lambda item: -item[1]),
    )


def band_history(*, standings: QuerySet[Standing], student_id: int) -> list[Standing]:
    """The student's standings at every snapshot, newest first: per school and, for
    district-wide readers of a student who attended more than one school, across the district,
    listed first: for those readers a snapshot's first row is the student's standing across
    the district, as ``across_district`` picks it (the district row, else the one school's)."""
    return list(
        standings.filter(student_id=student_id)
        .select_related("snapshot__rule_set", "snapshot__school_year", "school")
        .order_by(
            "-snapshot__as_of", "-snapshot__created_at", F("school__name").asc(nulls_first=True)
        )
    )


# --- What an import makes of a file -------------------------------------------------------


def rule_sets(*, user: User, district: District) -> list[RuleSet]:
    """The district's rule sets, its own first. Before its first import or save, its own is
    shown as it will be created (unsaved: reading the rules changes nothing)."""
    saved = list(RuleSet.objects.for_user(user))
    if any(rule_set.is_primary for rule_set in saved):
        return saved
    primary = RuleSet(
        district=district,
        is_primary=True,
        name=PRIMARY_RULE_SET_NAME,
        minimum_days_enrolled=district.minimum_days_enrolled,
    )
    return [primary, *saved]


def import_recognition(
    *, profiles: QuerySet[ImportProfile], headers: Sequence[str], kind: Kind | None
) -> Recognition:
    """How an import reads a file's headers: ``recognise`` with the district's saved column
    matching. A file whose headers don't tell its kind is of the kind whose saved matching
    explains them, so that a district's oddly named export is matched once, not every time."""
    saved = dict(profiles.values_list("kind", "column_mapping"))
    if kind is None:
        kind = recognise(headers).kind or next(
            (k for k in Kind if k in saved and recognise(headers, saved=saved[k]).kind == k), None
        )
    return recognise(headers, kind=kind, saved=saved.get(kind) if kind else None)


def unknown_attendance_codes(*, attendance_import: AttendanceImport) -> list[str]:
    """The codes an import failed on because the district has not said what they mean, in the
    order the file first uses them; one spelling of each, as codes match ignoring case."""
    codes: dict[str, str] = {}
    for error in attendance_import.errors:
        if error["code"] == ProblemCode.UNKNOWN_ATTENDANCE_CODE:
            codes.setdefault(error["value"].casefold(), error["value"])
    return list(codes.values())


def attendance_code_meanings(*, codes: QuerySet[AttendanceCode]) -> list[AttendanceCode]:
    """What each code will mean at the next import: the district's own codes, and the common
    defaults an import adds for codes the district has not defined (unsaved until then; a
    failed first import leaves none saved)."""
    own = list(codes)
    defined = {code.code.casefold() for code in own}
    defaults = [
        AttendanceCode(code=code, category=category)
        for code, category in DEFAULT_ATTENDANCE_CODES
        if code.casefold() not in defined
    ]
    return sorted([*own, *defaults], key=lambda code: (code.category, code.code.casefold()))
