"""Tiering II: the principal's school page, the tiered list, the student calendar and the
district dashboard, over the hand-made district of tests/tiered.py."""

import csv
import io
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from districts.models import School
from districts.tenancy import system_context
from tests.sis import import_file
from tests.tiered import DAILY, import_under_a_second_rule_set, write
from tiering import selectors
from tiering.models import (
    AttendanceCategory,
    AttendanceDay,
    AttendanceSummary,
    Student,
)


def _school_url(school, query=""):
    return f"/d/riverside/attendance/schools/{school.pk}/{query}"


def _listed(response):
    return [row["student"].sis_id for row in response.context["rows"]]


def test_it_shows_the_principal_their_schools_figures(client, principal, tiered):
    client.force_login(principal)
    response = client.get(_school_url(tiered))
    assert response.status_code == 200
    comparison = response.context["comparison"]
    assert comparison.current.chronic_percent == 57.1
    assert comparison.previous.chronic_percent == 42.9
    assert comparison.change_since_previous == 14.2
    assert comparison.last_year.chronic_percent == 14.3
    assert comparison.change_since_last_year == 42.8
    assert response.context["change_counts"] == {"newly_chronic": 2, "improved": 1}
    # Sorted by percent missed, most first; the not-yet-rated student last but listed.
    assert _listed(response) == ["S5", "S4", "S8", "S3", "S6", "S2", "S1", "S7"]
    assert "14.2 points higher" in response.content.decode()


def test_it_filters_the_list_to_chronic_absence_in_one_grade(client, principal, tiered):
    client.force_login(principal)
    response = client.get(_school_url(tiered, "?band=chronic&grade=3"))
    assert sorted(_listed(response)) == ["S3", "S4"]
    assert response.context["page"].paginator.count == 2


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?band=severe_chronic", ["S4"]),
        ("?band=not_yet_rated", ["S8"]),
        ("?english_learner=yes", ["S2", "S5"]),
        ("?disability=no&low_income=yes", ["S1", "S2", "S8"]),
        ("?race_ethnicity=Asian", ["S2", "S7"]),
        ("?gender=F&zip_code=94110", ["S1", "S5"]),
        ("?q=dunn", ["S4"]),
        ("?q=S7", ["S7"]),
        ("?change=newly_chronic", ["S3", "S6"]),
        ("?change=improved", ["S7"]),
        ("?change=worsened", ["S2", "S3", "S5", "S6"]),
        ("?band=no-such-band", ["S1", "S2", "S3", "S4", "S5", "S6", "S7", "S8"]),
    ],
)
def test_each_filter_lists_the_hand_computed_students(client, principal, tiered, query, expected):
    client.force_login(principal)
    assert sorted(_listed(client.get(_school_url(tiered, query)))) == expected


def test_it_marks_a_band_that_worsened_since_the_previous_snapshot(client, principal, tiered):
    client.force_login(principal)
    rows = {r["student"].sis_id: r for r in client.get(_school_url(tiered)).context["rows"]}
    assert rows["S5"]["previous_band"] == "severe_chronic" and rows["S5"]["worse"]
    assert rows["S7"]["previous_band"] == "severe_chronic" and not rows["S7"]["worse"]
    assert rows["S8"]["previous_band"] is None
    assert rows["S6"]["percent"] == selectors.Decimal("10.0")
    assert rows["S6"]["year_days"] == selectors.Decimal("18.0")


def test_it_sorts_by_days_absent_and_by_name(client, principal, tiered):
    client.force_login(principal)
    by_days = _listed(client.get(_school_url(tiered, "?sort=days")))
    assert by_days[:3] == ["S5", "S4", "S3"]
    assert _listed(client.get(_school_url(tiered, "?sort=name"))) == [
        "S1",
        "S2",
        "S3",
        "S4",
        "S5",
        "S6",
        "S7",
        "S8",
    ]


def test_htmx_filtering_returns_only_the_list(client, principal, tiered):
    client.force_login(principal)
    response = client.get(
        _school_url(tiered, "?band=chronic"), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="tiered-list"
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="tiered-list"')
    assert "<html" not in body


def test_exports_hold_exactly_the_rows_the_page_shows(client, principal, tiered):
    client.force_login(principal)
    shown = _listed(client.get(_school_url(tiered, "?band=chronic")))
    as_csv = client.get(_school_url(tiered, "?band=chronic&format=csv"))
    rows = list(csv.reader(io.StringIO(as_csv.content.decode())))
    assert rows[0][:3] == ["Student", "Student ID", "Grade"]
    assert [r[1] for r in rows[1:]] == shown
    dunn = next(r for r in rows if r[1] == "S4")
    assert dunn[3:5] == ["40.00", "10.00"] and dunn[8:11] == [
        "25.0",
        "45.0",
        "Severe Chronic Absence",
    ]
    as_xlsx = client.get(_school_url(tiered, "?band=chronic&format=xlsx"))
    sheet = load_workbook(io.BytesIO(as_xlsx.content)).active
    assert [r[1] for r in sheet.iter_rows(min_row=2, values_only=True)] == shown


def test_the_tiered_list_prints_as_a_pdf(client, principal, tiered):
    client.force_login(principal)
    response = client.get(_school_url(tiered, "?band=chronic&grade=3&format=pdf"))
    assert response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Dunn, Di" in text and "Cole, Cy" in text
    assert "Ames" not in text
    assert "Band: Chronically absent" in text and "Grade: 3" in text


def test_a_principal_sees_only_their_own_school(client, principal, tiered, school_b):
    client.force_login(principal)
    assert client.get(_school_url(school_b)).status_code == 404
    assert client.get(_school_url(school_b, "?format=csv")).status_code == 404
    # The schools page goes straight to a principal's one school.
    response = client.get("/d/riverside/attendance/schools/")
    assert response.status_code == 302 and response["Location"] == _school_url(tiered)
    with system_context(tiered.district, reason="test"):
        ives = Student.objects.get(sis_id="S9")
        ames = Student.objects.get(sis_id="S1")
    assert client.get(f"/d/riverside/attendance/students/{ives.pk}/").status_code == 404
    assert client.get(f"/d/riverside/attendance/students/{ames.pk}/").status_code == 200


def test_other_districts_and_partners_cannot_open_the_pages(
    client, tiered, outsider, partner_staff
):
    client.force_login(outsider)
    assert client.get(_school_url(tiered)).status_code == 404
    assert client.get("/d/riverside/attendance/").status_code == 404
    client.force_login(partner_staff)
    assert client.get(_school_url(tiered)).status_code == 403
    assert client.get("/d/riverside/attendance/schools/").status_code == 403


def test_the_dashboard_is_for_district_wide_roles(client, tiered, principal, cabinet_member):
    client.force_login(principal)
    assert client.get("/d/riverside/attendance/").status_code == 403
    client.force_login(cabinet_member)
    assert client.get("/d/riverside/attendance/").status_code == 200


def test_the_dashboard_breaks_the_district_down_by_grade_and_subgroup(
    client, cabinet_member, tiered
):
    client.force_login(cabinet_member)
    response = client.get("/d/riverside/attendance/")
    breakdowns = dict((d.key, rows) for d, rows in response.context["breakdowns"])
    by_grade = {
        row.label: (row.chronic, row.rated, row.chronic_percent) for row in breakdowns["grade"]
    }
    # Grade 3: S3, S4 and S9 chronic of S1-S4 and S9; grade 4: S5 and S6 of S5-S7 (S8 unrated).
    assert by_grade == {"Grade 3": (3, 5, 60.0), "Grade 4": (2, 3, 66.7), "Grade 5": (0, 1, 0.0)}
    learners = {row.label: row.total for row in breakdowns["english_learner"]}
    assert learners == {"English learners": 2, "Not English learners": 8}
    schools = {row.school.name: row.chronic for row in response.context["school_rows"]}
    assert schools == {"Adams Elementary School": 4, "Banneker Elementary School": 1}
    district = response.context["comparison"].current
    assert (district.chronic, district.rated) == (5, 9)


def test_the_dashboard_links_each_school_to_its_tiered_list(client, cabinet_member, tiered):
    client.force_login(cabinet_member)
    response = client.get("/d/riverside/attendance/")
    for row in response.context["school_rows"]:
        link = reverse(
            "tiering:school", kwargs={"district_slug": "riverside", "school_id": row.school.pk}
        )
        assert f'<a href="{link}">{row.school.name}</a>' in response.content.decode()


def test_the_dashboard_tables_export(client, cabinet_member, tiered):
    client.force_login(cabinet_member)
    response = client.get("/d/riverside/attendance/?export=grade&format=csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][0] == "Grade" and rows[0][-3] == "Chronic absence rate (%)"
    # Grade 3 now, then last year's grade 3 (S5-S7, none chronic) and the change.
    assert rows[1][0] == "Grade 3" and rows[1][-5:] == ["5", "3", "60.0", "0.0", "60.0"]
    xlsx = client.get("/d/riverside/attendance/?export=schools&format=xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)] == [
        "Adams Elementary School",
        "Banneker Elementary School",
    ]


def test_a_school_whose_data_is_older_than_the_biweekly_cycle_is_flagged(tiered, school_b):
    with system_context(tiered.district, reason="test"):
        sources = {
            "schools": School.objects.all(),
            "days": AttendanceDay.objects.all(),
            "summaries": AttendanceSummary.objects.all(),
        }
        # The summaries run to Nov 20 at both schools: current for 14 days, stale after.
        on_time = selectors.data_freshness(**sources, today=date(2026, 12, 4))
        late = selectors.data_freshness(**sources, today=date(2026, 12, 5))
    assert [(f.school.sis_code, f.last_date, f.stale) for f in on_time] == [
        ("101", date(2026, 11, 20), False),
        ("102", date(2026, 11, 20), False),
    ]
    assert [f.stale for f in late] == [True, True]


def test_a_students_calendar_marks_each_absence_and_its_patterns(
    client, principal, district, school_year, school_a, tmp_path
):
    record = import_file(district, write(tmp_path, "daily.csv", DAILY))
    assert record.status == "succeeded", record.errors
    with system_context(district, reason="test"):
        dunn = Student.objects.get(sis_id="S4")
    client.force_login(principal)
    response = client.get(f"/d/riverside/attendance/students/{dunn.pk}/")
    patterns = response.context["patterns"]
    assert patterns.absences == 3 and patterns.school_days == 9
    # Friday the 23rd and Monday the 26th frame a weekend; Thursday the 29th follows a holiday.
    assert patterns.next_to_breaks == [date(2026, 10, 23), date(2026, 10, 26), date(2026, 10, 29)]
    assert patterns.streaks == [selectors.Streak(date(2026, 10, 23), date(2026, 10, 26), 2)]
    assert patterns.by_weekday == [
        ("Monday", 1, 2),
        ("Tuesday", 0, 2),
        ("Wednesday", 0, 1),
        ("Thursday", 1, 2),
        ("Friday", 1, 2),
    ]
    months = response.context["months"]
    assert [m.label for m in months] == [
        "August 2026",
        "September 2026",
        "October 2026",
    ]
    october = {d.day: d for week in months[-1].weeks for d in week if d}
    assert october[date(2026, 10, 23)].category == AttendanceCategory.UNEXCUSED
    assert october[date(2026, 10, 28)].category is None
    assert months[-1].absences == 3
    assert "Unexcused absence" in response.content.decode()


def test_the_dashboard_puts_a_second_rule_set_beside_the_districts(
    client, cabinet_member, district, tiered, tmp_path
):
    import_under_a_second_rule_set(district, tmp_path)
    client.force_login(cabinet_member)
    response = client.get("/d/riverside/attendance/")
    side_by_side = [
        (s.rule_set.name, row.rated, row.chronic) for s, row in response.context["side_by_side"]
    ]
    assert side_by_side == [("District definition", 9, 5), ("State accountability", 1, 0)]
    state = response.context["side_by_side"][1][0]
    chosen = client.get(f"/d/riverside/attendance/?rule_set={state.rule_set_id}")
    assert chosen.context["snapshot"] == state
