"""The arithmetic of a PDSA cycle's Study: run-chart rules and the tests of a change, with no
Django in it (design.md §2, plain modules), so that each rule is checked on hand-written series.

Run-chart rules after Perla, Provost & Murray (2011), "The run chart: a simple analytical tool
for learning from variation in healthcare processes", BMJ Qual Saf 20(1):46–51. Comparison and
baseline equivalence after the What Works Clearinghouse's procedures (Hedges' g for rates, the
Cox index for yes/no outcomes). Every test here is exact or a textbook approximation written out,
so a school team's figures can be recomputed by hand.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from statistics import mean, median, stdev

# Perla et al.: a signal is a pattern with less than a 5% chance of arising by chance.
SIGNAL_CHANCE = 0.05
SHIFT_LENGTH = 6
TREND_LENGTH = 5
# Too few points make every rule meaningless; Perla recommends about ten.
RUNS_MIN_USEFUL_POINTS = 10
# Below this many students per group a result is described, never tested (pdsa-notes: a school's
# cycle of 8 students cannot show a real attendance effect with confidence).
MIN_GROUP_FOR_TESTS = 10
# Counting every order of two groups costs (n1·n2)² steps: exact up to two groups of 20.
EXACT_U_MAX_PAIRS = 400
# The I-chart's limits: 2.66 average moving ranges either side (3 sigma, d2 = 1.128).
XMR_LIMIT_FACTOR = 2.66


@dataclass(frozen=True)
class Span:
    """Consecutive points, by their indexes in the series (first and last, inclusive)."""

    first: int
    last: int


@dataclass(frozen=True)
class RunsCheck:
    useful_points: int
    runs: int
    # The fewest and most runs that are not a signal; None where no count would be one.
    fewest_expected: int | None
    most_expected: int | None

    @property
    def too_few(self) -> bool:
        return self.fewest_expected is not None and self.runs < self.fewest_expected

    @property
    def too_many(self) -> bool:
        return self.most_expected is not None and self.runs > self.most_expected


@dataclass(frozen=True)
class RunChartSignals:
    centre: float
    shifts: list[Span] = field(default_factory=list)
    trends: list[Span] = field(default_factory=list)
    # None when there are too few points off the median to judge the number of runs.
    runs: RunsCheck | None = None
    astronomical: list[int] = field(default_factory=list)

    @property
    def any(self) -> bool:
        runs_signal = self.runs is not None and (self.runs.too_few or self.runs.too_many)
        return bool(self.shifts or self.trends or self.astronomical or runs_signal)


def run_chart_signals(points: Sequence[float], *, centre: float | None = None) -> RunChartSignals:
    """The four rules over a series, against its median (or a centre given, such as the
    baseline's median)."""
    if not points:
        raise ValueError("A run chart needs at least one point.")
    centre = median(points) if centre is None else centre
    return RunChartSignals(
        centre=centre,
        shifts=_shifts(points, centre),
        trends=_trends(points),
        runs=_runs(points, centre),
        astronomical=_astronomical(points),
    )


def _sides(points: Sequence[float], centre: float) -> list[tuple[int, int]]:
    """(index, +1 above / -1 below) for the points off the centre line: points on it neither
    add to nor break a shift, and are not counted as runs."""
    return [(i, 1 if value > centre else -1) for i, value in enumerate(points) if value != centre]


def _shifts(points: Sequence[float], centre: float) -> list[Span]:
    shifts = []
    sides = _sides(points, centre)
    start = 0
    for k in range(1, len(sides) + 1):
        if k == len(sides) or sides[k][1] != sides[start][1]:
            if k - start >= SHIFT_LENGTH:
                shifts.append(Span(sides[start][0], sides[k - 1][0]))
            start = k
    return shifts


def _trends(points: Sequence[float]) -> list[Span]:
    # Equal neighbours count once: keep the first index of each block of repeated values.
    distinct = [i for i, value in enumerate(points) if i == 0 or value != points[i - 1]]
    trends = []
    start = 0
    direction = 0
    for k in range(1, len(distinct)):
        step = 1 if points[distinct[k]] > points[distinct[k - 1]] else -1
        if step != direction:
            if k - start >= TREND_LENGTH and direction:
                trends.append(Span(distinct[start], _last_of_block(points, distinct[k - 1])))
            start = k - 1
            direction = step
    if len(distinct) - start >= TREND_LENGTH and direction:
        trends.append(Span(distinct[start], _last_of_block(points, distinct[-1])))
    return trends


def _last_of_block(points: Sequence[float], index: int) -> int:
    while index + 1 < len(points) and points[index + 1] == points[index]:
        index += 1
    return index


def _runs(points: Sequence[float], centre: float) -> RunsCheck | None:
    sides = [side for _, side in _sides(points, centre)]
    if len(sides) < RUNS_MIN_USEFUL_POINTS:
        return None
    runs = 1 + sum(1 for a, b in itertools.pairwise(sides) if a != b)
    above = sides.count(1)
    fewest, most = runs_limits(above, len(sides) - above)
    return RunsCheck(len(sides), runs, fewest, most)


def runs_distribution(above: int, below: int) -> dict[int, float]:
    """P(R = r) for the number of runs in a random order of `above` and `below` points: the
    distribution Swed and Eisenhart (1943) tabulated, from which Perla's table is read."""
    if above == 0 or below == 0:
        return {1: 1.0}
    total = math.comb(above + below, above)
    probabilities = {}
    for runs in range(2, above + below + 1):
        k, odd = divmod(runs, 2)
        if odd:
            ways = math.comb(above - 1, k) * math.comb(below - 1, k - 1) + math.comb(
                above - 1, k - 1
            ) * math.comb(below - 1, k)
        else:
            ways = 2 * math.comb(above - 1, k - 1) * math.comb(below - 1, k - 1)
        if ways:
            probabilities[runs] = ways / total
    return probabilities


def runs_limits(above: int, below: int) -> tuple[int | None, int | None]:
    """The fewest and the most runs that are not a signal: a count beyond either has less than
    a 5% chance in all (2.5% on each side)."""
    distribution = runs_distribution(above, below)
    tail = SIGNAL_CHANCE / 2
    fewest = None
    cumulative = 0.0
    for runs in sorted(distribution):
        cumulative += distribution[runs]
        if cumulative > tail:
            fewest = runs if runs > min(distribution) else None
            break
    most = None
    cumulative = 0.0
    for runs in sorted(distribution, reverse=True):
        cumulative += distribution[runs]
        if cumulative > tail:
            most = runs if runs < max(distribution) else None
            break
    return fewest, most


def _astronomical(points: Sequence[float]) -> list[int]:
    """Points "obviously different from the rest": further from each neighbour than the
    I-chart's limits allow (2.66 average moving ranges, the ranges next to the point left out).
    Judged against neighbours rather than the whole series' centre, so that the two levels of
    a change that worked are a shift, not two astronomical ends."""
    if len(points) < 5:
        return []
    ranges = [abs(b - a) for a, b in itertools.pairwise(points)]
    flagged = []
    for i in range(len(points)):
        beside = [k for k in (i - 1, i) if 0 <= k < len(ranges)]
        limit = XMR_LIMIT_FACTOR * mean(r for k, r in enumerate(ranges) if k not in beside)
        if all(ranges[k] > limit for k in beside):
            flagged.append(i)
    return flagged


# --- Comparing participants with the comparison group


def difference_in_differences(
    *,
    participants_before: float,
    participants_after: float,
    others_before: float,
    others_after: float,
) -> float:
    """The participants' change minus the comparison group's change (in the rates' own unit)."""
    return (participants_after - participants_before) - (others_after - others_before)


def hedges_g(first: Sequence[float], second: Sequence[float]) -> float | None:
    """The standardised mean difference with the small-sample correction, as the What Works
    Clearinghouse computes baseline equivalence for continuous outcomes."""
    n1, n2 = len(first), len(second)
    if n1 < 2 or n2 < 2:
        return None
    pooled = math.sqrt(
        ((n1 - 1) * stdev(first) ** 2 + (n2 - 1) * stdev(second) ** 2) / (n1 + n2 - 2)
    )
    if pooled == 0:
        return 0.0 if mean(first) == mean(second) else None
    correction = 1 - 3 / (4 * (n1 + n2) - 9)
    return correction * (mean(first) - mean(second)) / pooled


def cox_index(first_yes: int, first_n: int, second_yes: int, second_n: int) -> float | None:
    """The WWC's effect size for a yes/no outcome (such as chronic absence): the difference of
    log odds divided by 1.65. A group where all or none say yes has infinite log odds; half a
    student is added to each cell so that the index stays finite (the usual correction)."""
    if not first_n or not second_n:
        return None

    def log_odds(yes: int, n: int) -> float:
        if yes in (0, n):
            return math.log((yes + 0.5) / (n - yes + 0.5))
        return math.log(yes / (n - yes))

    return (log_odds(first_yes, first_n) - log_odds(second_yes, second_n)) / 1.65


def baseline_reading(effect_size: float | None) -> str:
    """The What Works Clearinghouse's reading of a baseline difference, in words."""
    if effect_size is None:
        return "cannot be judged (too few students or no variation)"
    size = abs(effect_size)
    if size <= 0.05:
        return "comparable"
    if size <= 0.25:
        return "comparable only after adjusting for the difference"
    return "not comparable"


@dataclass(frozen=True)
class TestResult:
    statistic: float
    p_value: float
    method: str


def mann_whitney(first: Sequence[float], second: Sequence[float]) -> TestResult:
    """Two-sided Mann–Whitney U test: exact where there are no ties and both groups are small
    enough to count every order, else the normal approximation with the tie and continuity
    corrections."""
    n1, n2 = len(first), len(second)
    if not n1 or not n2:
        raise ValueError("Both groups need at least one student.")
    ranks = _ranks([*first, *second])
    u1 = sum(ranks[:n1]) - n1 * (n1 + 1) / 2
    u = min(u1, n1 * n2 - u1)
    tied = len(set(ranks)) < len(ranks)
    if not tied and n1 * n2 <= EXACT_U_MAX_PAIRS:
        counts = _u_counts(n1, n2)
        at_most = sum(counts[: int(u) + 1])
        p = min(1.0, 2 * at_most / math.comb(n1 + n2, n1))
        return TestResult(u1, p, "Mann–Whitney U, exact")
    n = n1 + n2
    tie_term = sum(t**3 - t for t in _tie_sizes(ranks))
    variance = n1 * n2 / 12 * ((n + 1) - tie_term / (n * (n - 1)))
    if variance == 0:
        return TestResult(u1, 1.0, "Mann–Whitney U, normal approximation")
    z = (abs(u1 - n1 * n2 / 2) - 0.5) / math.sqrt(variance)
    p = min(1.0, math.erfc(max(z, 0) / math.sqrt(2)))
    return TestResult(u1, p, "Mann–Whitney U, normal approximation")


def _ranks(values: Sequence[float]) -> list[float]:
    """Ranks from 1, ties sharing their average rank."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def _tie_sizes(ranks: Sequence[float]) -> list[int]:
    sizes: dict[float, int] = {}
    for rank in ranks:
        sizes[rank] = sizes.get(rank, 0) + 1
    return [size for size in sizes.values() if size > 1]


def _u_counts(n1: int, n2: int) -> list[int]:
    """How many orders of n1 + n2 distinct values give each U, by the recurrence
    c(m, n, u) = c(m − 1, n, u − n) + c(m, n − 1, u)."""
    table = [[[1] for _ in range(n2 + 1)] for _ in range(n1 + 1)]
    for m in range(1, n1 + 1):
        for n in range(1, n2 + 1):
            counts = [0] * (m * n + 1)
            for u, ways in enumerate(table[m - 1][n]):
                counts[u + n] += ways
            for u, ways in enumerate(table[m][n - 1]):
                counts[u] += ways
            table[m][n] = counts
    return table[n1][n2]


def fisher_exact(a: int, b: int, c: int, d: int) -> TestResult:
    """Two-sided Fisher's exact test on the table [[a, b], [c, d]] (for instance participants
    and comparison students, chronically absent or not): the chance of a table at most as
    likely as the one seen, with the row and column totals fixed."""
    row1, col1, n = a + b, a + c, a + b + c + d
    if n == 0:
        raise ValueError("The table is empty.")

    def probability(x: int) -> float:
        return math.comb(col1, x) * math.comb(n - col1, row1 - x) / math.comb(n, row1)

    seen = probability(a)
    low, high = max(0, row1 + col1 - n), min(row1, col1)
    # A relative tolerance, so that tables exactly as likely as the one seen are not lost to
    # rounding.
    p = sum(p_x for x in range(low, high + 1) if (p_x := probability(x)) <= seen * (1 + 1e-7))
    odds = (a * d / (b * c)) if b * c else math.inf
    return TestResult(odds, min(1.0, p), "Fisher's exact test")


def p_value_in_words(p: float) -> str:
    """What a p-value says, for a principal: how often chance alone would give a difference
    at least this large if the change made no difference."""
    if p < 0.001:
        chance = "less than 1 time in 1,000"
    elif p < 0.01:
        chance = f"about {round(p * 1000)} times in 1,000"
    else:
        chance = f"about {round(p * 100)} times in 100"
    verdict = (
        "unlikely to be chance alone"
        if p < SIGNAL_CHANCE
        else "could well be chance alone: the test cannot tell an effect from chance"
    )
    return f"p = {p:.3f}: chance alone would give a difference this large {chance}; {verdict}."


# --- A cycle's result: participants against the comparison group, over two windows

CHRONIC_SHARE = 0.10  # missing 10% or more of the days enrolled


@dataclass(frozen=True)
class Attendance:
    """One student's attendance over one window, in days (partial days as fractions)."""

    enrolled: float
    absent: float

    @property
    def rate(self) -> float | None:
        """The share of enrolled days attended, in percent."""
        return None if not self.enrolled else 100 * (self.enrolled - self.absent) / self.enrolled

    @property
    def chronic(self) -> bool | None:
        return None if not self.enrolled else self.absent / self.enrolled >= CHRONIC_SHARE


@dataclass(frozen=True)
class GroupChange:
    students: int  # enrolled in both windows
    rate_before: float | None
    rate_after: float | None
    chronic_before: int
    chronic_after: int

    @property
    def change(self) -> float | None:
        if self.rate_before is None or self.rate_after is None:
            return None
        return self.rate_after - self.rate_before


@dataclass(frozen=True)
class Comparison:
    participants: GroupChange
    others: GroupChange
    # Percentage points: the participants' change in attendance rate minus the others'.
    difference_in_differences: float | None
    baseline_g: float | None
    baseline_cox: float | None
    baseline_reading: str
    # Empty when either group is too small to test: the result is then descriptive only.
    tests: list[TestResult]
    descriptive_only: bool
    regression_to_the_mean: bool

    @property
    def summary(self) -> str:
        if self.difference_in_differences is None:
            return "No student was enrolled in both windows yet."
        points = self.difference_in_differences
        direction = "more" if points > 0 else "less"
        said = (
            f"Participants' attendance changed by {abs(points):.1f} percentage points {direction}"
            " than comparable students'"
            if points
            else "Participants' attendance changed exactly as comparable students' did"
        )
        if self.descriptive_only:
            return f"{said}; too few students to tell an effect from chance."
        return f"{said}; {p_value_in_words(self.tests[0].p_value)}"


def _group_change(students: Sequence[tuple[Attendance, Attendance]]) -> GroupChange:
    both = [(before, after) for before, after in students if before.enrolled and after.enrolled]
    return GroupChange(
        students=len(both),
        rate_before=mean(b.rate for b, _ in both) if both else None,
        rate_after=mean(a.rate for _, a in both) if both else None,
        chronic_before=sum(1 for b, _ in both if b.chronic),
        chronic_after=sum(1 for _, a in both if a.chronic),
    )


def compare(
    participants: Sequence[tuple[Attendance, Attendance]],
    others: Sequence[tuple[Attendance, Attendance]],
) -> Comparison:
    """Each student's (before, after) attendance in both groups: the difference in
    differences, baseline equivalence, and — with at least ten students in each group — a
    Mann–Whitney test on the change in rate and Fisher's exact test on chronic absence after."""
    mine, theirs = _group_change(participants), _group_change(others)
    changes = [
        [a.rate - b.rate for b, a in group if b.enrolled and a.enrolled]
        for group in (participants, others)
    ]
    befores = [
        [b.rate for b, a in group if b.enrolled and a.enrolled] for group in (participants, others)
    ]
    did = (
        None
        if mine.change is None or theirs.change is None
        else difference_in_differences(
            participants_before=mine.rate_before,
            participants_after=mine.rate_after,
            others_before=theirs.rate_before,
            others_after=theirs.rate_after,
        )
    )
    g = hedges_g(*befores)
    cox = (
        cox_index(mine.chronic_before, mine.students, theirs.chronic_before, theirs.students)
        if mine.students and theirs.students
        else None
    )
    descriptive = min(mine.students, theirs.students) < MIN_GROUP_FOR_TESTS
    tests = []
    if not descriptive:
        tests = [
            mann_whitney(*changes),
            fisher_exact(
                mine.chronic_after,
                mine.students - mine.chronic_after,
                theirs.chronic_after,
                theirs.students - theirs.chronic_after,
            ),
        ]
    # Students chosen for high absence tend to improve anyway; only the comparison group
    # guards against reading that as the test's effect.
    chosen_for_absence = mine.rate_before is not None and mine.rate_before <= 100 * (
        1 - CHRONIC_SHARE
    )
    return Comparison(
        participants=mine,
        others=theirs,
        difference_in_differences=did,
        baseline_g=g,
        baseline_cox=cox,
        baseline_reading=baseline_reading(g),
        tests=tests,
        descriptive_only=descriptive,
        regression_to_the_mean=chosen_for_absence,
    )


def difference_in_words(comparisons: list[dict]) -> str:
    """ "What difference did we make?": the latest window compared, in words."""
    if not comparisons:
        return "Not measured yet: no school day after the test is on record."
    latest = comparisons[-1]
    return f"{latest['window'].capitalize()}: {latest['summary']}"
