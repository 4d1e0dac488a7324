"""The page frame every district page shares: the navigation's menus by job, the favicon, the
htmx settings the Content-Security-Policy needs, and chart text set at a legible size."""

import json
import re
from html.parser import HTMLParser

import pytest

from selfassessment.charts import distribution_chart, profile_chart
from selfassessment.selectors import IngredientChange


def _navigation(client, user) -> list[tuple[str, list[str]]]:
    client.force_login(user)
    entries = client.get("/d/riverside/").context["nav_items"]
    return [(e["label"], [link["label"] for link in e.get("links", [])]) for e in entries]


def test_the_administrators_pages_are_grouped_into_menus_by_job(client, district_admin):
    assert _navigation(client, district_admin) == [
        ("Home", []),
        (
            "Attendance",
            [
                "District attendance",
                "Schools",
                "My students",
                "Support summary",
                "Attendance imports",
                "Attendance rules",
                "Band recompute",
            ],
        ),
        ("Planning", ["Self-assessment", "PDSA cycles", "Reasons to results", "Workshops"]),
        ("Partners", ["Partners", "Partner coverage"]),
        ("Administration", ["People", "Access record", "Sign-in security"]),
        ("Notifications", []),
    ]


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        (
            "cabinet_member",
            [
                ("Home", []),
                (
                    "Attendance",
                    ["District attendance", "Schools", "Support summary", "Attendance imports"],
                ),
                ("Planning", ["Self-assessment", "PDSA cycles", "Reasons to results"]),
                ("Partners", ["Partners", "Partner coverage"]),
                ("Notifications", []),
            ],
        ),
        (
            "principal",
            [
                ("Home", []),
                ("Attendance", ["Schools", "My students", "Support summary"]),
                ("Planning", ["Self-assessment", "PDSA cycles", "Reasons to results"]),
                ("Partners", ["Partners", "Partner coverage"]),
                ("Notifications", []),
            ],
        ),
        (
            "partner_staff",
            [
                ("Home", []),
                ("PDSA cycles", []),
                ("Partners", ["Partners", "Referrals to us"]),
                ("Notifications", []),
            ],
        ),
    ],
)
def test_each_role_sees_only_its_pages_in_its_menus(client, request, persona, expected):
    assert _navigation(client, request.getfixturevalue(persona)) == expected


class _Menus(HTMLParser):
    """Each <details> menu of the district navigation: its summary and the links inside."""

    def __init__(self):
        super().__init__()
        self.menus, self.in_nav, self.in_menu, self.in_summary = [], False, False, False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "nav" and attrs.get("aria-label") == "District":
            self.in_nav = True
        elif self.in_nav and tag == "details":
            self.in_menu = True
            self.menus.append({"summary": "", "links": []})
        elif self.in_menu and tag == "summary":
            self.in_summary = True
        elif self.in_menu and tag == "a":
            self.menus[-1]["links"].append(attrs["href"])

    def handle_endtag(self, tag):
        if tag == "nav":
            self.in_nav = False
        elif tag == "details":
            self.in_menu = False
        elif tag == "summary":
            self.in_summary = False

    def handle_data(self, data):
        if self.in_summary:
            self.menus[-1]["summary"] += data.strip()


def test_menus_are_details_whose_links_are_in_the_page_without_javascript(client, district_admin):
    client.force_login(district_admin)
    parser = _Menus()
    parser.feed(client.get("/d/riverside/people/").content.decode())
    administration = next(m for m in parser.menus if m["summary"] == "Administration")
    assert administration["links"] == [
        "/d/riverside/people/",
        "/d/riverside/audit/",
        "/d/riverside/sign-in-security/",
    ]
    page = client.get("/d/riverside/people/").content.decode()
    # The menu holding the page one is on is marked, as is the page's own link.
    assert '<summary class="current">Administration</summary>' in page
    assert '<a href="/d/riverside/people/" aria-current="page">People</a>' in page


def test_the_favicon_is_served_at_the_sites_root(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an icon file


def test_htmx_adds_no_style_and_keeps_no_copies_of_pages(client, principal):
    client.force_login(principal)
    page = client.get("/d/riverside/").content.decode()
    config = json.loads(re.search(r'<meta name="htmx-config" content=\'([^\']+)\'', page)[1])
    assert config == {
        "includeIndicatorStyles": False,
        "historyCacheSize": 0,
        "refreshOnHistoryMiss": True,
    }
    assert "style=" not in page


def test_self_assessment_charts_set_no_text_under_12_px():
    charts = profile_chart(
        [IngredientChange("Capacity Building", before=2.0, now=3.5)], previous_label="2025–26"
    ) + distribution_chart([])
    sizes = [int(size) for size in re.findall(r'font-size="(\d+)"', charts)]
    assert sizes and min(sizes) >= 12
