"""The tiered list set for print: one line of fixed-width columns per student, 25 a page.

WeasyPrint lays out every table cell as a box of its own: a whole school's list as an HTML
table (nine cells a student) took 13–25 s to print and wrapped band names onto two lines, so
only 12 students fitted a page. Set here in a monospaced font, each student is one run of
text: 500 students take a seventh of the time, well inside the request (bench/list_pdf.py).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from . import list_columns

ROWS_PER_PAGE = 25
GAP = "  "
# The width a line may take on a Letter page in landscape less its margins, and the advance of
# a DejaVu Sans Mono character in ems: a line too long for the page at FONT_PT (other apps'
# columns, list_columns.py) is set smaller rather than cut or wrapped.
LINE_MM = 279.4 - 2 * 12
CHARACTER_EM = 0.602
FONT_PT = 7.5
MM_PER_PT = 25.4 / 72


@dataclass(frozen=True)
class Column:
    heading: tuple[str, str]  # two lines, so a narrow column keeps a readable heading
    width: int  # in characters
    numeric: bool = False  # right-aligned


COLUMNS = (
    Column(("Student", ""), 30),
    Column(("ID", ""), 12),
    Column(("Grade", ""), 5),
    Column(("Days", "enrolled"), 8, numeric=True),
    Column(("Days", "absent"), 8, numeric=True),
    Column(("Percent", "missed"), 8, numeric=True),
    Column(("In a 180-", "day year"), 9, numeric=True),
    Column(("Band", ""), 24),
    # The longest band name and its mark fit: "Moderate Chronic Absence (worse now)".
    Column(("Previous band", ""), 36),
)


def _heading(text: str, width: int) -> tuple[str, str]:
    """Two lines, breaking at the last space that lets the first fit."""
    if len(text) <= width or " " not in text:
        return (text, "")
    first = text[: width + 1].rpartition(" ")[0]
    return (first, text[len(first) + 1 :]) if first else (text, "")


def columns() -> tuple[Column, ...]:
    """Tiering's columns, then those the apps above it register."""
    return COLUMNS + tuple(
        Column(_heading(c.heading, c.pdf_width), c.pdf_width) for c in list_columns.columns()
    )


def line_width() -> int:
    shown = columns()
    return sum(c.width for c in shown) + len(GAP) * (len(shown) - 1)


def font_size() -> float:
    """Points: FONT_PT, or less for a line that would not fit the page at it."""
    fits = LINE_MM / MM_PER_PT / (line_width() * CHARACTER_EM)
    return min(FONT_PT, int(fits * 10) / 10)


def _width(text: str) -> int:
    """Columns the text takes: wide East Asian characters two, combining marks none."""
    return sum(
        0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1
        for c in text
    )


def _fit(text: str, column: Column) -> str:
    text = unicodedata.normalize("NFC", " ".join(str(text).split()))
    if _width(text) > column.width:
        while _width(text) > column.width - 1:
            text = text[:-1]
        text = text.rstrip() + "…"
    padding = " " * (column.width - _width(text))
    return padding + text if column.numeric else text + padding


def _line(values: list[str]) -> str:
    return GAP.join(_fit(v, c) for v, c in zip(values, columns(), strict=True)).rstrip()


def _days(value: Decimal | None) -> str:
    """As the page shows them: whole days plainly, part days to two places."""
    if value is None:
        return "—"
    return str(int(value)) if value == value.to_integral_value() else f"{value:.2f}"


def _values(row: dict) -> list[str]:
    standing, student = row["standing"], row["student"]
    previous = row["previous_band"]
    return [
        f"{student.last_name}, {student.first_name}".strip(", "),
        student.sis_id,
        standing.get_grade_display() if standing.grade is not None else "—",
        _days(standing.days_enrolled),
        _days(standing.days_absent),
        "—" if row["percent"] is None else f"{row['percent']}%",
        "—" if row["year_days"] is None else str(row["year_days"]),
        row["band"].label,
        (previous.label + (" (worse now)" if row["worse"] else "")) if previous else "—",
        *(cell.printed for _, cell in row["extra"]),
    ]


def heading() -> str:
    return "\n".join(_line([c.heading[n] for c in columns()]) for n in (0, 1))


def pages(rows: list[dict]) -> list[str]:
    """The list's lines, ROWS_PER_PAGE to a page (rows as the views' `_list_row` makes them)."""
    lines = [_line(_values(row)) for row in rows]
    return [
        "\n".join(lines[start : start + ROWS_PER_PAGE])
        for start in range(0, len(lines), ROWS_PER_PAGE)
    ]
