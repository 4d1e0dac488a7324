"""Disclosure avoidance for every number that leaves a district (a workshop's packets, cohort
views and PDFs): no Django in it, so that each rule is shown on hand-made tables.

- **Small counts**: a count from 1 to the minimum n less one is shown as "< 10" (the minimum is
  set per workshop; 10 is the most common state rule, NCES SLDS Technical Brief 3, NCES
  2011-603). Zero is shown: it names nobody.
- **Complementary suppression**: a table shown with its totals must never leave exactly one
  hidden value in a row or column, or subtraction recovers it; the next smallest value of that
  row or column is hidden too, until no line has exactly one.
- **Percentages** are top- and bottom-coded by the size of their group, as districts practise:
  ≥ 99 / ≤ 1 for 300 students or more, ≥ 98 / ≤ 2 for 100–299, ≥ 95 / ≤ 5 for 40–99. Groups
  from the minimum to 39 students, which that practice does not list, are coded one step wider
  (≥ 90 / ≤ 10), and a group under the minimum shows no percentage at all.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

DEFAULT_MINIMUM_N = 10
# A value hidden only to protect a small count: it may be large, so it is not shown as "< 10".
HIDDEN_TEXT = "hidden"

# (smallest group, bottom code, top code), largest groups first.
PERCENT_CODING = ((300, 1, 99), (100, 2, 98), (40, 5, 95), (0, 10, 90))


@dataclass(frozen=True)
class Shown:
    """One published value: its text, and whether it was hidden (and why)."""

    value: int | None  # None when hidden
    text: str
    # "small" (a count under the minimum), "complementary" (hidden to protect another), or "".
    hidden_because: str = ""

    @property
    def hidden(self) -> bool:
        return self.value is None


def small_count_text(minimum_n: int) -> str:
    return f"< {minimum_n}"


def count(value: int, *, minimum_n: int = DEFAULT_MINIMUM_N) -> Shown:
    """A count on its own (no total beside it to subtract from)."""
    if 0 < value < minimum_n:
        return Shown(None, small_count_text(minimum_n), "small")
    return Shown(value, f"{value:,}")


def percent(numerator: int, group: int, *, minimum_n: int = DEFAULT_MINIMUM_N) -> str:
    """A share of a group, in whole percent, coded by the group's size."""
    return percent_shown(numerator, group, minimum_n=minimum_n).text


def percent_shown(numerator: int, group: int, *, minimum_n: int = DEFAULT_MINIMUM_N) -> Shown:
    """`percent` with the value a chart draws: the whole percent, or the code's bound (a bar
    of "≤ 5%" is drawn to 5, and labelled "≤ 5%"); None for a group under the minimum."""
    if group < minimum_n:
        return Shown(None, f"group under {minimum_n}", "small")
    share = 100 * numerator / group
    for smallest, bottom, top in PERCENT_CODING:
        if group >= smallest:
            if share <= bottom:
                return Shown(bottom, f"≤ {bottom}%")
            if share >= top:
                return Shown(top, f"≥ {top}%")
            return Shown(_round_half_up(share), f"{_round_half_up(share)}%")
    raise AssertionError("PERCENT_CODING ends with a band for every group")


def _round_half_up(share: float) -> int:
    return math.floor(share + 0.5)


@dataclass(frozen=True)
class SuppressedTable:
    """A table of counts with its row totals, column totals and grand total, as published."""

    cells: list[list[Shown]]
    row_totals: list[Shown]
    column_totals: list[Shown]
    total: Shown


def table(
    counts: Sequence[Sequence[int]],
    *,
    minimum_n: int = DEFAULT_MINIMUM_N,
    row_groups: Sequence[Sequence[int]] = (),
) -> SuppressedTable:
    """Suppress a table of counts shown with all its totals: small counts first, then, line by
    line, the next smallest value wherever a line (a row with its total, a column with its
    total, the totals with the grand total) holds exactly one hidden value.

    `row_groups` names groups of columns whose sum each row also gives away (a chronic absence
    rate beside the band counts gives away the sum of the chronic bands): each row's cells of
    each group are one more line."""
    rows, columns = len(counts), len(counts[0]) if counts else 0
    if any(len(row) != columns for row in counts):
        raise ValueError("Every row of the table needs the same number of columns.")
    # The table with its margins: cell (i, j); row total (i, columns); column total (rows, j);
    # grand total (rows, columns).
    grid = [[*row, sum(row)] for row in counts]
    grid.append([sum(counts[i][j] for i in range(rows)) for j in range(columns)])
    grid[rows].append(sum(grid[rows]))
    reasons = {
        (i, j): "small"
        for i in range(rows + 1)
        for j in range(columns + 1)
        if 0 < grid[i][j] < minimum_n
    }
    lines = [[(i, j) for j in range(columns + 1)] for i in range(rows + 1)]
    lines += [[(i, j) for i in range(rows + 1)] for j in range(columns + 1)]
    lines += [[(i, j) for j in group] for i in range(rows + 1) for group in row_groups]
    changed = True
    while changed:
        changed = False
        for line in lines:
            hidden = [cell for cell in line if cell in reasons]
            if len(hidden) != 1:
                continue
            # The next smallest value of the line; among equals, an inner cell before a total,
            # so that totals stay shown where they can.
            candidates = [cell for cell in line if cell not in reasons]
            chosen = min(
                candidates, key=lambda c: (grid[c[0]][c[1]], c[0] == rows or c[1] == columns)
            )
            reasons[chosen] = "complementary"
            changed = True

    def shown(i: int, j: int) -> Shown:
        if (i, j) in reasons:
            reason = reasons[i, j]
            text = small_count_text(minimum_n) if reason == "small" else HIDDEN_TEXT
            return Shown(None, text, reason)
        return Shown(grid[i][j], f"{grid[i][j]:,}")

    return SuppressedTable(
        cells=[[shown(i, j) for j in range(columns)] for i in range(rows)],
        row_totals=[shown(i, columns) for i in range(rows)],
        column_totals=[shown(rows, j) for j in range(columns)],
        total=shown(rows, columns),
    )
