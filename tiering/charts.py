"""Coordinates for the server-rendered SVG charts, so templates only draw what is computed
here. Every chart also carries its figures as text (labels and a table), so it reads without
colour and on paper."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from .selectors import Trend, TrendPoint

# Drawn close to the size it is shown at (a phone's width, a column, half a printed page), so
# its text, sized in these units by app.css, reads at 12 px or more rather than shrinking with
# a wide drawing squeezed into a column.
WIDTH, HEIGHT = 360, 200
LEFT, RIGHT, TOP, BOTTOM = 40, 14, 14, 26
# A school year runs about 300 calendar days from its first day to its last.
YEAR_SPAN_DAYS = 300


@dataclass(frozen=True)
class ChartPoint:
    x: float
    y: float
    label: str
    point: TrendPoint


@dataclass(frozen=True)
class Series:
    name: str
    css: str
    points: list[ChartPoint]

    @property
    def path(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


@dataclass(frozen=True)
class TrendChart:
    series: list[Series]
    y_ticks: list[tuple[float, str]]
    x_ticks: list[tuple[float, str]]
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def plot_bottom(self) -> int:
        return HEIGHT - BOTTOM

    @property
    def plot_left(self) -> int:
        return LEFT

    @property
    def plot_right(self) -> int:
        return WIDTH - RIGHT


def trend_chart(trend: Trend) -> TrendChart | None:
    """Chronic absence rate by day of the school year: this year against last year."""
    rated = [p for p in (*trend.this_year, *trend.last_year) if p.row.chronic_percent is not None]
    if not rated:
        return None
    top = max(10.0, *(p.row.chronic_percent for p in rated))
    top = float(int(top / 10) + 1) * 10
    span = max(YEAR_SPAN_DAYS, *(p.day_of_year for p in rated))

    def x(day: int) -> float:
        return LEFT + (WIDTH - LEFT - RIGHT) * day / span

    def y(percent: float) -> float:
        return TOP + (HEIGHT - TOP - BOTTOM) * (1 - percent / top)

    def series(name: str, css: str, points: list[TrendPoint]) -> Series:
        return Series(
            name,
            css,
            [
                ChartPoint(
                    x(p.day_of_year),
                    y(p.row.chronic_percent),
                    f"{p.row.chronic_percent}%",
                    p,
                )
                for p in points
                if p.row.chronic_percent is not None
            ],
        )

    lines = [series("This school year", "this-year", trend.this_year)]
    if trend.last_year:
        lines.append(series("Last school year", "last-year", trend.last_year))
    first = (trend.this_year or trend.last_year)[0].snapshot.school_year.first_day
    return TrendChart(
        series=lines,
        y_ticks=[(y(v), f"{v:g}%") for v in _steps(top)],
        x_ticks=[
            (x(offset), (first + timedelta(days=offset)).strftime("%b"))
            for offset in range(0, span + 1, 30)
        ],
    )


def _steps(top: float) -> list[float]:
    step = 10.0 if top <= 50 else 20.0
    values, v = [], 0.0
    while v <= top:
        values.append(v)
        v += step
    return values


SPARK_WIDTH, SPARK_HEIGHT, SPARK_PAD = 72, 24, 3


@dataclass(frozen=True)
class Sparkline:
    """A row's chronic absence rate over this school year, drawn small beside its figures;
    ``label`` says every point in words (the SVG's accessible name and its tooltip)."""

    path: str
    last_x: float
    last_y: float
    label: str
    width: int = SPARK_WIDTH
    height: int = SPARK_HEIGHT


def sparkline(trend: tuple[tuple[date, float | None], ...]) -> Sparkline | None:
    """From (date, rate) pairs, oldest first; None with fewer than two rated points."""
    rated = [(day, rate) for day, rate in trend if rate is not None]
    if len(rated) < 2:
        return None
    low, high = min(r for _, r in rated), max(r for _, r in rated)
    first, span = rated[0][0], max(1, (rated[-1][0] - rated[0][0]).days)

    def x(day: date) -> float:
        return SPARK_PAD + (SPARK_WIDTH - 2 * SPARK_PAD) * (day - first).days / span

    def y(rate: float) -> float:
        share = (rate - low) / (high - low) if high > low else 0.5
        return SPARK_HEIGHT - SPARK_PAD - (SPARK_HEIGHT - 2 * SPARK_PAD) * share

    coordinates = [(x(day), y(rate)) for day, rate in rated]
    return Sparkline(
        path=" ".join(f"{cx:.1f},{cy:.1f}" for cx, cy in coordinates),
        last_x=round(coordinates[-1][0], 1),
        last_y=round(coordinates[-1][1], 1),
        label="Chronic absence rate this school year: "
        + "; ".join(f"{rate}% on {day:%b %-d}" for day, rate in rated),
    )
