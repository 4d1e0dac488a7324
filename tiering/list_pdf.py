"""The tiered list set for print: fixed-width columns, one line a student, 25 a page; when the
columns other apps register (list_columns.py) do not fit beside them, those go on a line of
their own under the student's name, each with its heading as a label, 16 students a page.

WeasyPrint lays out every table cell as a box of its own: a whole school's list as an HTML
table (nine cells a student) took 13–25 s to print and wrapped band names onto two lines, so
only 12 students fitted a page. Set here in a monospaced font, each student is one run of
text: 500 students take a seventh of the time, well inside the request (bench/list_pdf.py).
The body stays at FONT_PT, readable on paper: a line too long for the page moves the other
apps' columns below rather than making the type smaller. WeasyPrint's time grows with the lines
set, so a second line a student costs about half as much again (0.57 → 0.8 s of CPU for 500).
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from . import list_columns

GAP = "  "
# The width a line may take on a Letter page in landscape less its margins, and the advance of
# a DejaVu Sans Mono character in ems.
LINE_MM = 279.4 - 2 * 12
CHARACTER_EM = 0.602
FONT_PT = 7.5
MM_PER_PT = 25.4 / 72
# The height a page gives its students' lines (below the school's name, the filters and the
# column headings): 25 students of one line at 5.2 mm.
ROWS_MM = 130
ONE_LINE_MM = 5.2
# A student's own lines sit closer (about 1.5 times the type's size) so that the shading, one
# band a student, tells one student's lines from the next.
GROUPED_LINE_MM = 4.0
# The line under the name: indented, "Support: Tier II · Last contact: …".
INDENT = "    "
SEPARATOR = " · "


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


@dataclass(frozen=True)
class Layout:
    on_line: tuple[Column, ...]  # the student's own line: tiering's columns, and others that fit
    # The other apps' columns when they do not fit: lines under the name, each a run of
    # (label, column) set "Label: value", the values padded so the labels line up down the page.
    below: tuple[tuple[tuple[str, Column], ...], ...]

    @property
    def lines_per_student(self) -> int:
        return 1 + len(self.below)

    @property
    def line_mm(self) -> float:
        return ONE_LINE_MM if not self.below else GROUPED_LINE_MM

    @property
    def students_per_page(self) -> int:
        # Rounded first: 130 / 5.2 is 24.999… in binary floating point.
        return math.floor(round(ROWS_MM / (self.lines_per_student * self.line_mm), 6))


def _heading(text: str, width: int) -> tuple[str, str]:
    """Two lines, breaking at the last space that lets the first fit."""
    if len(text) <= width or " " not in text:
        return (text, "")
    first = text[: width + 1].rpartition(" ")[0]
    return (first, text[len(first) + 1 :]) if first else (text, "")


def characters_per_line() -> int:
    """How many characters of FONT_PT a line of the page holds."""
    return int(LINE_MM / MM_PER_PT / (FONT_PT * CHARACTER_EM))


def line_width(shown: tuple[Column, ...]) -> int:
    return sum(c.width for c in shown) + len(GAP) * (len(shown) - 1)


def _labelled_width(label: str, column: Column) -> int:
    return len(f"{label}: ") + column.width


def _below(labelled: list[tuple[str, Column]]) -> tuple[tuple[tuple[str, Column], ...], ...]:
    """The labelled columns packed in order into as few indented lines as hold them."""
    room = characters_per_line() - len(INDENT)
    lines: list[list[tuple[str, Column]]] = []
    used = 0
    for item in labelled:
        width = _labelled_width(*item)
        if lines and used + len(SEPARATOR) + width <= room:
            lines[-1].append(item)
            used += len(SEPARATOR) + width
        else:
            lines.append([item])
            used = width
    return tuple(tuple(line) for line in lines)


def layout() -> Layout:
    """Tiering's columns, then those the apps above it register: on the student's line when
    they all fit there at FONT_PT, otherwise under it."""
    others = [
        (c.heading, Column(_heading(c.heading, c.pdf_width), c.pdf_width))
        for c in list_columns.columns()
    ]
    whole = COLUMNS + tuple(column for _, column in others)
    if line_width(whole) <= characters_per_line():
        return Layout(on_line=whole, below=())
    return Layout(on_line=COLUMNS, below=_below(others))


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


def _line(values: list[str], shown: tuple[Column, ...]) -> str:
    return GAP.join(_fit(v, c) for v, c in zip(values, shown, strict=True)).rstrip()


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
    ]


def _student(row: dict, shown: Layout) -> str:
    printed = [cell.printed for _, cell in row["extra"]]
    if not shown.below:
        return _line(_values(row) + printed, shown.on_line)
    lines = [_line(_values(row), shown.on_line)]
    values = iter(printed)
    for below in shown.below:
        items = [f"{label}: {_fit(next(values), column)}" for label, column in below]
        lines.append((INDENT + SEPARATOR.join(items)).rstrip())
    return "\n".join(lines)


def context(rows: list[dict]) -> dict:
    """What templates/tiering/school_pdf.html sets: the column headings, the students' lines
    a page at a time (whole students, rows as the views' `_list_row` makes them) and the line
    spacing and shading that go with them."""
    shown = layout()
    students = [_student(row, shown) for row in rows]
    per_page = shown.students_per_page
    return {
        "heading": "\n".join(
            _line([c.heading[n] for c in shown.on_line], shown.on_line) for n in (0, 1)
        ),
        "font_pt": FONT_PT,
        "line_mm": shown.line_mm,
        "student_mm": round(shown.lines_per_student * shown.line_mm, 2),
        "two_students_mm": round(2 * shown.lines_per_student * shown.line_mm, 2),
        "pages": [
            "\n".join(students[start : start + per_page])
            for start in range(0, len(students), per_page)
        ],
    }
