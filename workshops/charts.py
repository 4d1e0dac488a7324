"""Coordinates for the cohort PDF's chart (drawn as SVG by templates/workshops/pdf/): each
district's chronic absence rate now and at the same point of last year, as published. The
figures are written beside each bar, so the chart reads without colour and on paper."""

from __future__ import annotations

from dataclasses import dataclass

from .selectors import RateBar

WIDTH = 640
LABEL_WIDTH = 170
FIGURES_WIDTH = 150
ROW_HEIGHT = 30
BAR_HEIGHT = 10
TOP = 24


@dataclass(frozen=True)
class ChartRow:
    label: str
    y: float
    now_width: float
    last_year_width: float
    now: str
    last_year: str


@dataclass(frozen=True)
class RateChart:
    width: int
    height: int
    bar_x: int
    figures_x: int
    rows: list[ChartRow]


def rate_chart(bars: list[RateBar]) -> RateChart:
    span = WIDTH - LABEL_WIDTH - FIGURES_WIDTH - 10
    rows = [
        ChartRow(
            label=bar.label,
            y=TOP + n * ROW_HEIGHT,
            now_width=round(span * bar.now_width / 100, 1),
            last_year_width=round(span * bar.last_year_width / 100, 1),
            now=bar.now["text"],
            last_year=bar.last_year["text"],
        )
        for n, bar in enumerate(bars)
    ]
    return RateChart(
        width=WIDTH,
        height=TOP + len(rows) * ROW_HEIGHT + 4,
        bar_x=LABEL_WIDTH,
        figures_x=WIDTH - FIGURES_WIDTH,
        rows=rows,
    )
