"""The run chart's drawing: the median line, the test's weeks, the flagged points, and the
findings in words with every figure in the table behind the chart."""

from datetime import date, timedelta

from django.template.loader import render_to_string

from pdsa.charts import Week, run_chart

MONDAY = date(2026, 9, 7)


def weeks(rates, *, test=range(0)):
    return [Week(MONDAY + timedelta(weeks=i), rate, 40, i in test) for i, rate in enumerate(rates)]


def test_a_step_up_after_the_test_is_found_and_drawn():
    # Six weeks before at 80-82%, two test weeks at 88% and 87%, six weeks after at 90-92%:
    # the six before sit below the median (87.5%), the six after above it: two shifts.
    rates = [80, 82, 81, 80, 82, 81, 88, 87, 90, 92, 91, 90, 92, 91]
    chart = run_chart(weeks(rates, test=range(6, 8)))
    assert chart.median == 87.5
    assert chart.findings == [
        "Shift: 6 weeks in a row on one side of the median, from the week of Sep 7.",
        "Shift: 6 weeks in a row on one side of the median, from the week of Nov 2.",
    ]
    flagged = [p.week.starts for p in chart.points if "part of a shift" in p.signals]
    assert len(flagged) == 12
    # The band behind the test's weeks spans weeks 6 and 7 and lies inside the plot.
    x, width = chart.test_band
    assert (
        chart.plot_left <= x < chart.points[6].x < chart.points[7].x < x + width <= chart.plot_right
    )
    # Higher rates are drawn higher (smaller y); the axis starts at a round ten below 80%.
    assert chart.points[9].y < chart.points[0].y
    assert chart.y_ticks[0][1] == "70%"


def test_an_ordinary_series_says_no_signal():
    chart = run_chart(weeks([88, 90, 91, 87, 89.5, 92, 86, 88, 91, 90, 87, 92]))
    assert chart.findings == ["No signal: the weeks vary as chance alone would."]
    assert all(not p.signals for p in chart.points)
    assert chart.test_band is None


def test_the_template_draws_the_chart_and_its_table():
    rates = [80, 82, 81, 80, 82, 81, 88, 87, 90, 92, 91, 90, 92, 91]
    chart = run_chart(weeks(rates, test=[6, 7]))
    html = render_to_string("pdsa/_run_chart.html", {"chart": chart, "id": "c1"})
    assert html.count("<circle") == 14
    assert 'class="run-chart-test"' in html
    assert "the dashed line the median (87.5%)" in html
    assert "<li>Shift: 6 weeks in a row on one side of the median" in html
    assert "<td>Oct 19, 2026</td><td>yes</td>" in html
    assert render_to_string("pdsa/_run_chart.html", {"chart": run_chart([])}).strip() == ""
