"""Issue 15, point 7: the dashboard's comparisons, over the hand-made district of
tests/tiered.py: the rule sets' band counts in adjacent columns school by school, the change
against the same point of last year per school and per subgroup row, and small trend lines."""

from datetime import date

from tests.tiered import import_under_a_second_rule_set
from tiering.bands import Band


def test_a_second_rule_sets_counts_sit_beside_the_primarys_at_every_school(
    client, cabinet_member, district, tiered, tmp_path
):
    import_under_a_second_rule_set(district, tmp_path)
    client.force_login(cabinet_member)
    response = client.get("/d/riverside/attendance/")
    lines = {
        (line.school.name if line.school else "district"): dict(line.cells())
        for line in response.context["rule_set_rows"]
    }
    # Adams' students were enrolled 40 days (S8 five): the state's 41-day minimum rates none.
    assert lines["Adams Elementary School"][Band.NOT_YET_RATED] == [1, 8]
    assert lines["Adams Elementary School"][Band.EXTREME_CHRONIC] == [1, 0]
    assert lines["Banneker Elementary School"][Band.SATISFACTORY] == [1, 1]
    assert lines["district"][Band.NOT_YET_RATED] == [1, 9]
    page = response.content.decode()
    assert '<th scope="colgroup" colspan="2" class="num">Not yet rated</th>' in page
    assert '<td class="num">1</td><td class="num">8</td>' in page


def test_each_school_and_subgroup_row_shows_its_change_against_last_year(
    client, cabinet_member, tiered
):
    client.force_login(cabinet_member)
    response = client.get("/d/riverside/attendance/")
    schools = {
        row.school.name: row.change_since_last_year for row in response.context["school_rows"]
    }
    # Adams: 57.1% now, 14.3% on Nov 21, 2025; Banneker had no students last year.
    assert schools == {"Adams Elementary School": 42.8, "Banneker Elementary School": None}
    groups = {d.key: {r.label: r for r in rows} for d, rows in response.context["breakdowns"]}
    # Last year's grade 3 (S5-S7) missed nothing; this year's grade 3 is 60.0% chronic.
    assert groups["grade"]["Grade 3"].change_since_last_year == 60.0
    assert groups["grade"]["Grade 4"].change_since_last_year is None
    # English learners S2 and S5: none chronic last year, S5 of the two now.
    assert groups["english_learner"]["English learners"].change_since_last_year == 50.0
    page = response.content.decode()
    assert "Against last year <small>(Nov 21, 2025)</small>" in page
    assert "▲ +42.8</span>" in page and "from 14.3%" in page and "▲ +60.0</span>" in page


def test_each_school_and_subgroup_row_draws_its_trend_this_year(client, cabinet_member, tiered):
    client.force_login(cabinet_member)
    response = client.get("/d/riverside/attendance/")
    adams = response.context["school_rows"][0]
    assert adams.trend == ((date(2026, 11, 6), 42.9), (date(2026, 11, 20), 57.1))
    label = "Chronic absence rate this school year: 42.9% on Nov 6; 57.1% on Nov 20"
    assert adams.sparkline.label == label
    page = response.content.decode()
    assert f'role="img" aria-label="{label}"><title>{label}</title><polyline' in page
    groups = {d.key: {r.label: r for r in rows} for d, rows in response.context["breakdowns"]}
    # Grade 3: S4 of S1-S4 and S9 chronic on Nov 6 (20.0%), S3, S4 and S9 now (60.0%).
    assert groups["grade"]["Grade 3"].sparkline.label == (
        "Chronic absence rate this school year: 20.0% on Nov 6; 60.0% on Nov 20"
    )


def test_the_trend_lines_figures_are_in_a_table_and_the_downloads(client, cabinet_member, tiered):
    client.force_login(cabinet_member)
    page = client.get("/d/riverside/attendance/").content.decode()
    assert "The figures behind the trend lines" in page
    assert (
        '<tr><th scope="row">Adams Elementary School</th>'
        '<td class="num">42.9%</td><td class="num">57.1%</td></tr>' in page
    )
    download = client.get("/d/riverside/attendance/?export=schools&format=csv").content.decode()
    header, adams, banneker = download.strip().splitlines()
    assert header.endswith(
        "Rate at the same point of last year (%),Change against last year (points)"
    )
    assert adams.endswith("57.1,14.3,42.8") and banneker.endswith(",,")
