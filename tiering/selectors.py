from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, QuerySet

from districts.models import School

from .bands import CHRONIC_BANDS, RATED_BANDS, Band
from .models import RuleSet, Snapshot, Standing


@dataclass
class BandRow:
    """Students per band at one school, or (school None) across the district."""

    school: School | None
    counts: dict[Band, int] = field(default_factory=dict)

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


def latest_snapshots(*, snapshots: QuerySet[Snapshot]) -> list[Snapshot]:
    """The newest snapshot of each rule set, primary rule set first."""
    newest: dict[int, Snapshot] = {}
    for snapshot in snapshots.select_related("rule_set", "school_year").order_by("-created_at"):
        newest.setdefault(snapshot.rule_set_id, snapshot)
    return sorted(newest.values(), key=lambda s: (not s.rule_set.is_primary, s.rule_set.name))


def band_table(*, snapshot: Snapshot, standings: QuerySet[Standing]) -> list[BandRow]:
    """District row (when the standings include it) then one row per school, by name."""
    rows: dict[int | None, BandRow] = {}
    counts = (
        standings.filter(snapshot=snapshot)
        .order_by()
        .values_list("school_id", "band")
        .annotate(n=Count("pk"))
    )
    for school_id, band, n in counts:
        rows.setdefault(school_id, BandRow(school=None)).counts[Band(band)] = n
    schools = School.objects.filter(pk__in=[pk for pk in rows if pk is not None])
    for school in schools:
        rows[school.pk].school = school
    district_row = [rows[None]] if None in rows else []
    school_rows = sorted(
        (row for pk, row in rows.items() if pk is not None), key=lambda r: r.school.name
    )
    return district_row + school_rows


def rule_sets(*, queryset: QuerySet[RuleSet]) -> list[RuleSet]:
    return list(queryset.order_by("-is_primary", "name"))
