from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from django.db.models import Count, QuerySet

from districts.models import School
from districts.tenancy import current_tenant

from . import ingest
from .bands import CHRONIC_BANDS, RATED_BANDS, Band
from .headers import Kind, Recognition, recognise
from .models import (
    DEFAULT_ATTENDANCE_CODES,
    AttendanceCode,
    AttendanceImport,
    ImportProfile,
    Snapshot,
    Standing,
)

if TYPE_CHECKING:
    from .charts import Sparkline


@dataclass
class BandRow:
    """Students per band at one school, or (school None) across the district."""

    school: School | None
    counts: dict[Band, int] = field(default_factory=dict)
    # For the dashboard's rows: the same row at the same point of last year, and its chronic
    # absence rate at each snapshot of this school year, oldest first (reports.with_history).
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


def newest_first(snapshots: QuerySet[Snapshot]) -> QuerySet[Snapshot]:
    """Snapshots by the date their attendance runs to, then by when they were taken: a file of
    an earlier date imported later is an older review point, not the district's "now"."""
    return snapshots.select_related("rule_set", "school_year").order_by("-as_of", "-created_at")


def current_snapshots(*, snapshots: QuerySet[Snapshot]) -> list[Snapshot]:
    """The current snapshot of each rule set, primary rule set first: what every page (the
    imports page, the dashboard, the school pages, the home panel, the digest) calls "now"."""
    current: dict[int, Snapshot] = {}
    for snapshot in newest_first(snapshots):
        current.setdefault(snapshot.rule_set_id, snapshot)
    return sorted(current.values(), key=lambda s: (not s.rule_set.is_primary, s.rule_set.name))


def band_table(*, snapshot: Snapshot, standings: QuerySet[Standing]) -> list[BandRow]:
    """District row (for readers of the whole district) then one row per school, by name."""
    rows: dict[int, BandRow] = {}
    counts = (
        standings.filter(snapshot=snapshot, school__isnull=False)
        .order_by()
        .values_list("school_id", "band")
        .annotate(n=Count("pk"))
    )
    for school_id, band, n in counts:
        rows.setdefault(school_id, BandRow(school=None)).counts[Band(band)] = n
    for school in School.objects.filter(pk__in=rows):
        rows[school.pk].school = school
    table = sorted(rows.values(), key=lambda r: r.school.name)
    if rows and current_tenant().school_ids is None:
        across = standings.across_district(snapshot=snapshot).order_by().values_list("band")
        table.insert(
            0, BandRow(school=None, counts={Band(b): n for b, n in across.annotate(n=Count("pk"))})
        )
    return table


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
        if error["reason"].startswith(ingest.UNKNOWN_ATTENDANCE_CODE):
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
