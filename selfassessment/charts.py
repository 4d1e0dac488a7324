"""Server-rendered SVG charts of an assessment's results. Every bar carries its figure as text
and the ratings are told apart by their labels, so the charts read without colour, print, and
go into the PDF unchanged."""

from __future__ import annotations

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from .models import RATING_SCORES, Rating
from .selectors import RATING_ORDER, IngredientChange, IngredientSection

# Hues that also differ in lightness (they stay apart in greyscale); text colour per fill.
RATING_FILLS: dict[Rating | None, tuple[str, str]] = {
    Rating.STRONGLY_IN_PLACE: ("#1e6b35", "#ffffff"),
    Rating.MEASURABLE_PROGRESS: ("#8cc08a", "#111111"),
    Rating.NEEDS_IMPROVEMENT: ("#f0c35a", "#111111"),
    Rating.URGENT_GAP: ("#a4161a", "#ffffff"),
    Rating.DONT_KNOW: ("#c9d1d9", "#111111"),
    None: ("#ffffff", "#111111"),
}
WIDTH = 760
LABEL_WIDTH = 250
BAR_WIDTH = WIDTH - LABEL_WIDTH - 20
ROW = 30
# Shown at its own width on a laptop and at nearly that on a printed page, so 12 units read as
# 12 px; nothing is set smaller.
TEXT = 12
# About how far a character of TEXT-sized DejaVu Sans moves the pen, for laying out labels.
TEXT_ADVANCE = 7.2


def _n(value: float) -> str:
    return f"{value:.1f}"


def _legend(y: int) -> SafeString:
    x = 0
    parts = []
    for rating in (*RATING_ORDER, None):
        fill, _ink = RATING_FILLS[rating]
        label = rating.label if rating else "Not rated yet"
        parts.append(
            format_html(
                '<rect x="{}" y="{}" width="12" height="12" fill="{}" stroke="#555"/>'
                '<text x="{}" y="{}" font-size="{}">{}</text>',
                x,
                y,
                fill,
                x + 16,
                y + 10,
                TEXT,
                label,
            )
        )
        x += 22 + TEXT_ADVANCE * len(label)
    return mark_safe("".join(parts))  # noqa: S308 — every part is built with format_html


def distribution_chart(sections: list[IngredientSection]) -> SafeString:
    """One stacked bar per ingredient: its items by team consensus rating."""
    top = 28
    height = top + ROW * len(sections) + 8
    rows = []
    for index, section in enumerate(sections):
        y = top + index * ROW
        total = len(section.rows) or 1
        x = LABEL_WIDTH
        segments = []
        for rating, n in section.counts:
            if not n:
                continue
            width = BAR_WIDTH * n / total
            fill, ink = RATING_FILLS[rating]
            label = rating.label if rating else "Not rated yet"
            segments.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="20" fill="{}" stroke="#555">'
                    "<title>{}: {}</title></rect>"
                    '<text x="{}" y="{}" font-size="{}" text-anchor="middle" fill="{}">'
                    "{}</text>",
                    _n(x),
                    y,
                    _n(width),
                    fill,
                    label,
                    n,
                    _n(x + width / 2),
                    y + 14,
                    TEXT,
                    ink,
                    n,
                )
            )
            x += width
        rows.append(
            format_html(
                '<text x="0" y="{}" font-size="{}">{}. {}</text>{}',
                y + 14,
                TEXT,
                section.ingredient.position,
                section.ingredient.name,
                mark_safe("".join(segments)),  # noqa: S308 — built with format_html
            )
        )
    summary = "; ".join(
        f"{s.ingredient.name}: "
        + ", ".join(f"{r.label if r else 'Not rated yet'} {n}" for r, n in s.counts if n)
        for s in sections
    )
    return _chart(
        height=height,
        label=f"Consensus ratings per ingredient. {summary}",
        key=_legend(4),
        rows=rows,
    )


def profile_chart(changes: list[IngredientChange], *, previous_label: str | None) -> SafeString:
    """Each ingredient's average consensus score (1 Urgent Gap … 4 Strongly in Place) as a bar,
    with last assessment's beside it when there is one to compare with."""
    top = 46
    per_row = 40 if previous_label else 28
    height = top + per_row * len(changes) + 10
    scale = BAR_WIDTH / 4

    def bar(
        y: float, score: float | None, *, fill: str, ink: str, caption: str, size: int
    ) -> SafeString:
        if score is None:
            return format_html(
                '<text x="{}" y="{}" font-size="{}">{}: no scored rating</text>',
                LABEL_WIDTH + 4,
                y + size - 3,
                TEXT,
                caption,
            )
        text = f"{caption}: {_n(score)}"
        end = LABEL_WIDTH + scale * score
        # Past the chart's edge the figure goes inside the bar's end instead of after it.
        if end + 4 + TEXT_ADVANCE * len(text) > WIDTH:
            x, anchor, colour = end - 4, "end", ink
        else:
            x, anchor, colour = end + 4, "start", "#111111"
        return format_html(
            '<rect x="{}" y="{}" width="{}" height="{}" fill="{}" stroke="#555"/>'
            '<text x="{}" y="{}" font-size="{}" text-anchor="{}" fill="{}">{}</text>',
            LABEL_WIDTH,
            y,
            _n(scale * score),
            size,
            fill,
            _n(x),
            y + size - 3,
            TEXT,
            anchor,
            colour,
            text,
        )

    # A column's heading ("Measurable Progress (3)") is wider than the gap between columns: it
    # takes two lines, its first word above the rest, so neighbouring headings never touch.
    grid = format_html_join(
        "",
        '<line x1="{0}" y1="{1}" x2="{0}" y2="{2}" stroke="#c9d1d9"/>'
        '<text x="{0}" y="{3}" font-size="{4}" text-anchor="end">{5}'
        '<tspan x="{0}" dy="{4}">{6} ({7})</tspan></text>',
        (
            (
                _n(LABEL_WIDTH + scale * score),
                top - 4,
                height,
                top - 22,
                TEXT,
                *rating.label.split(" ", 1),
                score,
            )
            for rating, score in RATING_SCORES.items()
        ),
    )
    rows = []
    for index, change in enumerate(changes):
        y = top + index * per_row
        rows.append(
            format_html(
                '<text x="0" y="{}" font-size="{}">{}</text>{}{}',
                y + 13,
                TEXT,
                change.name,
                bar(y, change.now, fill="#0b4f71", ink="#ffffff", caption="This year", size=16),
                bar(
                    y + 18,
                    change.before,
                    fill="#c9d1d9",
                    ink="#111111",
                    caption=previous_label,
                    size=12,
                )
                if previous_label
                else "",
            )
        )
    summary = "; ".join(
        f"{c.name}: {c.now if c.now is not None else 'not rated'}"
        + (f" (previously {c.before})" if previous_label and c.before is not None else "")
        for c in changes
    )
    return _chart(
        height=height,
        label=f"Average consensus score per ingredient, 1 to 4. {summary}",
        key=grid,
        rows=rows,
    )


def _chart(*, height: int, label: str, key: SafeString, rows: list[SafeString]) -> SafeString:
    """A chart's frame; ``label`` says all it shows, for those who can't see it."""
    return format_html(
        '<svg class="sa-chart" viewBox="0 0 {} {}" width="{}" role="img" aria-label="{}" '
        'xmlns="http://www.w3.org/2000/svg" font-family="DejaVu Sans, sans-serif">{}{}</svg>',
        WIDTH,
        height,
        WIDTH,
        label,
        key,
        format_html_join("", "{}", ((row,) for row in rows)),
    )
