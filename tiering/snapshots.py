"""Placing every student in a band: one snapshot per rule set, taken by an import of daily or
summary attendance, by a recompute, or at a review point."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import connection, transaction
from django.db.models import Max

from districts.models import District, SchoolYear
from districts.tenancy import require_working_for

from . import ingest, selectors
from .headers import Kind
from .models import (
    AttendanceDay,
    AttendanceImport,
    AttendanceSummary,
    BandTally,
    ImportStatus,
    RuleSet,
    Snapshot,
    Standing,
)


@dataclass(frozen=True)
class Facts:
    kind: Kind
    as_of: date


def latest_facts(
    *, district: District, year: SchoolYear, adding: Facts | None = None
) -> Facts | None:
    """The newest attendance of ``year`` on record (with ``adding``, an import about to be
    added): its daily records or its summary totals, whichever runs to the later date (daily
    when both do), or None before any. An import and a recompute of the same facts both
    classify up to it, so they give the same bands."""
    # Imports are the only way attendance arrives, and each records the date its data runs
    # to: reading that is instant where max(date) over the daily table is not.
    latest = dict(
        AttendanceImport.objects.for_district(district)
        .filter(
            status=ImportStatus.SUCCEEDED, school_year=year, kind__in=[Kind.DAILY, Kind.SUMMARY]
        )
        .order_by()
        .values_list("kind")
        .annotate(last=Max("as_of"))
    )
    if adding is not None:
        latest[adding.kind] = max(latest.get(adding.kind) or adding.as_of, adding.as_of)
    daily, summary = latest.get(Kind.DAILY), latest.get(Kind.SUMMARY)
    if daily is not None and (summary is None or daily >= summary):
        return Facts(Kind.DAILY, min(daily, year.last_day))
    if summary is not None:
        return Facts(Kind.SUMMARY, min(summary, year.last_day))
    return None


def take_all(
    *,
    district: District,
    year: SchoolYear,
    as_of: date,
    source: Kind,
    source_import: AttendanceImport | None,
) -> list[Snapshot]:
    """A snapshot under each of the district's rule sets, each student placed by the facts
    rule (ingest.classify) from the attendance on record up to ``as_of``."""
    taken = []
    demographics = selectors.demographics_version_now(importing=source_import, kind=source)
    last_dates = _last_dates_now()
    with connection.cursor() as cursor:
        for rule_set in RuleSet.objects.for_district(district):
            snapshot = Snapshot.objects.create(
                district=district,
                school_year=year,
                reporting_year=year.reporting_year,
                rule_set=rule_set,
                as_of=as_of,
                source_kind=source.value,
                source_import=source_import,
            )
            ingest.classify(
                cursor,
                district_id=district.pk,
                snapshot_id=snapshot.pk,
                reporting_year=snapshot.reporting_year,
                school_year_id=year.pk,
                first_day=year.first_day,
                last_day=as_of,
                rule=_rule(rule_set),
            )
            # The tallies read the standings just written, joined to their students: planned
            # from statistics that predate them (an empty partition, for a year's first
            # snapshot), they probed the students by index once per standing. For 500,000
            # students the breakdowns took 3.6-5.1 s so, 1.5-2.1 s after ANALYZE (0.3 s).
            ingest.analyze(cursor, ingest.partition("tiering_standing", snapshot.reporting_year))
            tallies_store(
                snapshot=snapshot, demographics_version=demographics, last_dates=last_dates
            )
            taken.append(snapshot)
    return taken


@dataclass(frozen=True)
class LastDates:
    """Each school's last date with attendance data, as of an import (selectors.data_freshness)."""

    dates: dict[str, str]  # {school id: ISO date}, as BandTally.last_dates stores them
    as_of_import: str


def _last_dates_now() -> LastDates:
    # Counted once for all the rule sets' snapshots: ~130 ms over 500,000 summaries, which the
    # dashboard's first request after each import read before.
    dates = selectors.live_last_dates(
        days=AttendanceDay.objects.all(), summaries=AttendanceSummary.objects.all()
    )
    return LastDates(
        dates={str(pk): day.isoformat() for pk, day in dates.items()},
        as_of_import=selectors.latest_import_now(),
    )


def tallies_store(
    *, snapshot: Snapshot, demographics_version: str, last_dates: LastDates
) -> list[BandTally]:
    """The snapshot's students per band, counted once from its standings as it is taken: across
    the district (with the breakdowns by grade and subgroup, and each school's last date with
    attendance data) and at each school, as the pages would count them (selectors' live
    counts). The dashboard opens on these rather than on every standing of the district."""
    standings = Standing.objects.all()
    groups = selectors.live_breakdowns(standings=standings, snapshot=snapshot)
    # Each of the district's students is in one group of every dimension: the district's
    # counts are the grade groups' summed rather than counted again from every standing
    # (0.2 s of a 500,000-student snapshot).
    counts: dict[str, int] = {}
    for _grade, bands in groups[selectors.DIMENSIONS[0].key]:
        for band, students in bands.items():
            counts[band] = counts.get(band, 0) + students
    tallies = [
        BandTally(
            district_id=snapshot.district_id,
            snapshot=snapshot,
            school=None,
            counts=counts,
            groups=groups,
            groups_as_of_import=demographics_version,
            last_dates=last_dates.dates,
            last_dates_as_of_import=last_dates.as_of_import,
        ),
        *(
            BandTally(
                district_id=snapshot.district_id,
                snapshot=snapshot,
                school_id=school_id,
                counts=counts,
            )
            for school_id, counts in selectors.live_school_counts(
                standings=standings, snapshot=snapshot
            ).items()
        ),
    ]
    return BandTally.objects.bulk_create(tallies)


def _rule(rule_set: RuleSet) -> ingest.Rule:
    return ingest.Rule(
        minimum_days_enrolled=rule_set.minimum_days_enrolled,
        count_in_school_suspension=rule_set.count_in_school_suspension,
        partial_day_fraction=rule_set.partial_day_fraction,
    )


@transaction.atomic
def snapshots_take(*, district: District, as_of: date, source: Kind = Kind.DAILY) -> list[Snapshot]:
    """Places every student in a band under each rule set from the attendance on record up to
    ``as_of`` (a review point between imports, or one in the past: a district loading last
    year's daily file gets last year's biweekly review points too). ``source`` is the kind of
    attendance the snapshot is said to come from, and must be on record: daily records up to
    ``as_of``, or the year's summary totals (``as_of`` is then the date those totals run to)."""
    require_working_for(district)
    year = (
        SchoolYear.objects.for_district(district)
        .filter(first_day__lte=as_of, last_day__gte=as_of)
        .first()
    )
    if year is None:
        raise ValueError(f"No school year of {district.name} includes {as_of:%b %-d, %Y}.")
    if source == Kind.DAILY:
        facts = AttendanceDay.objects.for_district(district).filter(
            date__range=(year.first_day, as_of)
        )
        missing = (
            f"No daily attendance is on record for {year.label} up to {as_of:%b %-d, %Y}; "
            "a review point needs daily records (a summary file's totals have one date only)."
        )
    elif source == Kind.SUMMARY:
        facts = AttendanceSummary.objects.for_district(district).filter(school_year=year)
        missing = f"No summary attendance is on record for {year.label}; import a summary file."
    else:
        raise ValueError(f"Bands come from daily or summary attendance, not from a {source}.")
    if not facts.exists():
        raise ValueError(missing)
    source_import = (
        AttendanceImport.objects.for_district(district)
        .filter(status=ImportStatus.SUCCEEDED, kind=source, school_year=year)
        .order_by("-created_at")
        .first()
    )
    return take_all(
        district=district, year=year, as_of=as_of, source=source, source_import=source_import
    )


def tallies_refresh(*, district: District, snapshot: Snapshot) -> int:
    """Counts again the breakdowns by subgroup of the snapshots the dashboard reads beside
    ``snapshot`` (its school year's review points up to it, and the same point of last year)
    that a roster or summary import since has made out of date: it may have changed students'
    demographics. Run by the worker after each import, so that the dashboard's first request
    reads them stored. Returns the tallies counted again."""
    require_working_for(district, snapshot)
    version = selectors.demographics_version_now()
    snapshots = Snapshot.objects.all()
    compared = [
        *selectors.review_points(snapshots, snapshot),
        selectors.last_year_snapshot(snapshots=snapshots, snapshot=snapshot),
    ]
    stale = (
        BandTally.objects.filter(school=None, snapshot__in=[s for s in compared if s])
        .exclude(groups_as_of_import=version)
        .select_related("snapshot")
    )
    standings = Standing.objects.all()
    refreshed = 0
    for tally in stale:
        tally.groups = selectors.live_breakdowns(standings=standings, snapshot=tally.snapshot)
        tally.groups_as_of_import = version
        tally.save(update_fields=["groups", "groups_as_of_import"])
        refreshed += 1
    return refreshed
