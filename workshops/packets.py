"""A district's data packet for one workshop, materialised by the system persona into
PacketTable rows for the items it consented to: the band mix and chronic absence rate now and
at the same point of last year, across the district, and by school, grade and student group;
then its planning (packet_planning.py).

Every figure passes suppression.py with the workshop's minimum n before it is written, so the
facilitator's persona, which reads these rows and no student table, never holds a small count.
A chronic absence rate beside a row's band counts gives away the sum of its chronic bands (and
of the others), so those sums are suppression lines too.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from districts.tenancy import require_working_for
from tiering import selectors
from tiering.bands import RATED_BANDS, Band
from tiering.models import Snapshot, Standing
from tiering.selectors import BandRow

from . import suppression
from .models import (
    CohortTable,
    Consent,
    ConsentItem,
    Invitation,
    InvitationStatus,
    PacketTable,
)
from .packet_planning import PLANNING_ITEMS, planning_tables

# The items whose figures are materialised into the packet.
PACKET_ITEMS = (ConsentItem.BANDS, ConsentItem.BREAKDOWNS, *PLANNING_ITEMS)
# What the other districts' teams see of a district that shows them (ConsentItem.COHORT): the
# same measures side by side, not its planning.
COHORT_ITEMS = (ConsentItem.BANDS, ConsentItem.BREAKDOWNS)
# The items whose giving rewrites the packet and the cohort tables.
REFRESHING_ITEMS = (*PACKET_ITEMS, ConsentItem.NAME, ConsentItem.COHORT)
BAND_COLUMNS = (*RATED_BANDS, Band.NOT_YET_RATED)
# Not chronic (Satisfactory, At-risk) and chronic (Moderate, Severe, Extreme): the rate gives
# away each group's sum.
RATE_GROUPS = ((0, 1), (2, 3, 4))
# ZIP codes are left out: a group that small and that local names neighbours.
GROUP_DIMENSIONS = tuple(d for d in selectors.DIMENSIONS if d.key != "zip_code")
DISTRICT_KEY = "district"
SCHOOLS_KEY = "schools"


def _cell(shown: suppression.Shown) -> dict:
    return {"text": shown.text, "value": shown.value, "hidden": shown.hidden}


NO_FIGURE = {"text": "no figure", "value": None, "hidden": True}


def _rate(row: BandRow | None, minimum_n: int) -> dict:
    if row is None or not row.total:
        return NO_FIGURE
    return _cell(suppression.percent_shown(row.chronic, row.rated, minimum_n=minimum_n))


@dataclass(frozen=True)
class _Line:
    label: str
    now: BandRow
    last_year: BandRow | None


def _rows(lines: list[_Line], minimum_n: int, *, together: bool) -> list[dict]:
    """Suppressed rows: `together` when the rows add up to a published whole (schools, the
    groups of one breakdown), else each row on its own (now and last year)."""
    counts = [[n for _, n in line.now.cells()] for line in lines]
    if together:
        tables = [suppression.table(counts, minimum_n=minimum_n, row_groups=RATE_GROUPS)]
        picked = [(tables[0], i) for i in range(len(lines))]
    else:
        picked = [
            (suppression.table([row], minimum_n=minimum_n, row_groups=RATE_GROUPS), 0)
            for row in counts
        ]
    return [
        {
            "label": line.label,
            "bands": [_cell(c) for c in table.cells[i]],
            "students": _cell(table.row_totals[i]),
            "rate": _rate(line.now, minimum_n),
            "rate_last_year": _rate(line.last_year, minimum_n),
        }
        for line, (table, i) in zip(lines, picked, strict=True)
    ]


def _tables(
    *, standings: QuerySet[Standing], snapshots: QuerySet[Snapshot], items: set, minimum_n: int
) -> list[dict]:
    snapshot = selectors.current_snapshot(snapshots=snapshots)
    if snapshot is None:
        return []
    last = selectors.last_year_snapshot(snapshots=snapshots, snapshot=snapshot)
    dates = {"as_of": snapshot.as_of, "last_year_as_of": last.as_of if last else None}
    out = []
    if ConsentItem.BANDS in items:
        comparison = selectors.comparison(
            standings=standings, snapshots=snapshots, snapshot=snapshot, school=None
        )
        lines = [_Line("Now", comparison.current, None)]
        if comparison.last_year is not None:
            lines.append(_Line("Same point last year", comparison.last_year, None))
        rows = _rows(lines, minimum_n, together=False)
        if len(rows) == 2:
            rows[0]["rate_last_year"] = rows[1]["rate"]
        out.append(
            {
                "item": ConsentItem.BANDS,
                "key": DISTRICT_KEY,
                "title": "Band mix and chronic absence rate across the district",
                "rows": rows,
                **dates,
            }
        )
    if ConsentItem.BREAKDOWNS in items:
        schools_now = selectors.school_rows(standings=standings, snapshot=snapshot)
        schools_then = (
            {r.school.pk: r for r in selectors.school_rows(standings=standings, snapshot=last)}
            if last
            else {}
        )
        out.append(
            {
                "item": ConsentItem.BREAKDOWNS,
                "key": SCHOOLS_KEY,
                "title": "By school",
                "rows": _rows(
                    [_Line(r.school.name, r, schools_then.get(r.school.pk)) for r in schools_now],
                    minimum_n,
                    together=True,
                ),
                **dates,
            }
        )
        groups_now = selectors.breakdowns(standings=standings, snapshot=snapshot)
        groups_then = selectors.breakdowns(standings=standings, snapshot=last) if last else {}
        for dimension in GROUP_DIMENSIONS:
            then = {r.label: r for r in groups_then.get(dimension.key, [])}
            lines = [_Line(r.label, r, then.get(r.label)) for r in groups_now[dimension.key]]
            if lines:
                out.append(
                    {
                        "item": ConsentItem.BREAKDOWNS,
                        "key": dimension.key,
                        "title": f"By {dimension.label[0].lower()}{dimension.label[1:]}"
                        if dimension.key in ("grade", "gender")
                        else dimension.label,
                        "rows": _rows(lines, minimum_n, together=True),
                        **dates,
                    }
                )
    return out


COLUMNS = [*(band.label for band in BAND_COLUMNS), "Students"]
# The band tables' rows: {"label", "bands", "students", "rate", "rate_last_year"}.
BAND_LAYOUT = "bands"


@transaction.atomic
def packet_refresh(*, invitation: Invitation) -> int:
    """Rewrites the invitation's packet from the district's current figures (system persona,
    the district's context): only the consented items, nothing for a pending or declined
    invitation. Returns the number of tables written."""
    district = invitation.district
    require_working_for(district, invitation)
    PacketTable.objects.filter(invitation=invitation).delete()
    CohortTable.objects.filter(invitation=invitation).delete()
    if invitation.status != InvitationStatus.ACCEPTED:
        return 0
    items = set(Consent.objects.filter(invitation=invitation).values_list("item", flat=True))
    minimum_n = invitation.workshop.minimum_n
    tables = _tables(
        standings=Standing.objects.for_district(district),
        snapshots=Snapshot.objects.for_district(district),
        items=items,
        minimum_n=minimum_n,
    ) + planning_tables(district, items, minimum_n)
    now = timezone.now()
    PacketTable.objects.bulk_create(
        PacketTable(
            district_id=district.pk,
            invitation=invitation,
            workshop_id=invitation.workshop_id,
            item=table["item"],
            key=table["key"],
            title=table["title"],
            position=n,
            as_of=table["as_of"],
            last_year_as_of=table["last_year_as_of"],
            figures={
                "columns": table.get("columns", COLUMNS),
                "rows": table["rows"],
                "layout": table.get("layout", BAND_LAYOUT),
                "heading": table.get("heading", ""),
            },
            computed_at=now,
        )
        for n, table in enumerate(tables)
    )
    if ConsentItem.COHORT in items:
        _cohort_tables_write(invitation, tables, named=ConsentItem.NAME in items, now=now)
    return len(tables)


def _cohort_tables_write(invitation: Invitation, tables: list[dict], *, named: bool, now) -> None:
    """The band tables again, for the other districts' teams: under the alias unless the
    district is named, its schools numbered, so that the row names no more than it chose."""
    shown = [copy.deepcopy(t) for t in tables if t["item"] in COHORT_ITEMS]
    for table in shown:
        if table["key"] == SCHOOLS_KEY and not named:
            for n, row in enumerate(table["rows"], start=1):
                row["label"] = f"School {n}"
    CohortTable.objects.bulk_create(
        CohortTable(
            district_id=invitation.district_id,
            invitation=invitation,
            workshop_id=invitation.workshop_id,
            label=invitation.district.name if named else invitation.alias,
            named=named,
            item=table["item"],
            key=table["key"],
            title=table["title"],
            position=n,
            as_of=table["as_of"],
            last_year_as_of=table["last_year_as_of"],
            figures={"columns": COLUMNS, "rows": table["rows"], "layout": BAND_LAYOUT},
            computed_at=now,
        )
        for n, table in enumerate(shown)
    )
