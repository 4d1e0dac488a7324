"""The Study's run chart, drawn server-side as tiering/charts.py draws its charts: coordinates
here, the SVG and the table behind it in templates/pdsa/_run_chart.html. The participants'
weekly attendance rate from before the test to after it, the median line, the test's weeks
marked, and the points the run-chart rules flag."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .study import RunChartSignals, run_chart_signals

WIDTH, HEIGHT = 360, 200
LEFT, RIGHT, TOP, BOTTOM = 40, 14, 14, 26


@dataclass(frozen=True)
class Week:
    starts: date
    # The participants' attendance rate that week, in percent, over the days they were enrolled.
    rate: float
    days: float  # student-days enrolled behind the rate
    during_test: bool


@dataclass(frozen=True)
class RunChartPoint:
    x: float
    y: float
    week: Week
    # What the rules say of this point, for its tooltip and the table ("part of a shift", …).
    signals: tuple[str, ...]


@dataclass(frozen=True)
class RunChart:
    points: list[RunChartPoint]
    median: float
    median_y: float
    # The test's weeks, as a band behind the points: (x, width), or None if none charted.
    test_band: tuple[float, float] | None
    y_ticks: list[tuple[float, str]]
    signals: RunChartSignals
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def path(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)

    @property
    def plot_left(self) -> int:
        return LEFT

    @property
    def plot_right(self) -> int:
        return WIDTH - RIGHT

    @property
    def plot_bottom(self) -> int:
        return HEIGHT - BOTTOM

    @property
    def findings(self) -> list[str]:
        """The rules that fired, in words, or that none did."""
        found = []
        signals = self.signals
        for span in signals.shifts:
            found.append(
                f"Shift: {span.last - span.first + 1} weeks in a row on one side of the median,"
                f" from the week of {self._week(span.first)}."
            )
        for span in signals.trends:
            found.append(
                f"Trend: steadily {self._direction(span.first, span.last)} from the week of"
                f" {self._week(span.first)} to the week of {self._week(span.last)}."
            )
        if signals.runs is not None and signals.runs.too_few:
            found.append(
                f"Too few runs: {signals.runs.runs} where at least"
                f" {signals.runs.fewest_expected} are expected by chance."
            )
        if signals.runs is not None and signals.runs.too_many:
            found.append(
                f"Too many runs: {signals.runs.runs} where at most"
                f" {signals.runs.most_expected} are expected by chance."
            )
        for index in signals.astronomical:
            found.append(f"Astronomical point: the week of {self._week(index)}.")
        return found or ["No signal: the weeks vary as chance alone would."]

    def _week(self, index: int) -> str:
        return f"{self.points[index].week.starts:%b %-d}"

    def _direction(self, first: int, last: int) -> str:
        return "rising" if self.points[last].week.rate > self.points[first].week.rate else "falling"


def run_chart(weeks: list[Week]) -> RunChart | None:
    if not weeks:
        return None
    signals = run_chart_signals([week.rate for week in weeks])
    bottom = min(week.rate for week in weeks)
    # The axis starts at a round ten below the lowest week, so that changes of a few points
    # stay visible, and says so with its first tick.
    floor = max(0.0, float(int(bottom // 10) * 10 - 10))
    span = max(len(weeks) - 1, 1)

    def x(index: float) -> float:
        return LEFT + (WIDTH - LEFT - RIGHT) * index / span

    def y(rate: float) -> float:
        return TOP + (HEIGHT - TOP - BOTTOM) * (1 - (rate - floor) / (100 - floor))

    notes: dict[int, list[str]] = {}
    for span_ in signals.shifts:
        for i in range(span_.first, span_.last + 1):
            notes.setdefault(i, []).append("part of a shift")
    for span_ in signals.trends:
        for i in range(span_.first, span_.last + 1):
            notes.setdefault(i, []).append("part of a trend")
    for i in signals.astronomical:
        notes.setdefault(i, []).append("astronomical point")
    points = [
        RunChartPoint(x(i), y(week.rate), week, tuple(notes.get(i, ())))
        for i, week in enumerate(weeks)
    ]
    during = [i for i, week in enumerate(weeks) if week.during_test]
    band = None
    if during:
        start, end = max(x(during[0] - 0.5), LEFT), min(x(during[-1] + 0.5), WIDTH - RIGHT)
        band = (start, end - start)
    step = 10 if 100 - floor > 30 else 5
    ticks = [(y(v), f"{v:.0f}%") for v in range(int(floor), 101, step)]
    return RunChart(points, signals.centre, y(signals.centre), band, ticks, signals)
