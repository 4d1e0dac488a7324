"""Every role's pages fit a laptop (1280 × 800) and a phone (390 × 844) without sideways
scrolling; the navigation's menus work from the keyboard; on a phone the tiered list is one
card per student with its filters folded; charts' text stays legible on screen and paper.
(The hand-made district of tests/tiered.py.)"""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from selfassessment.charts import distribution_chart, profile_chart
from selfassessment.selectors import IngredientChange
from workshops import services as workshop_services
from workshops.context import facilitating
from workshops.models import ConsentItem

from ..support import factories as support
from ..workshops.conftest import FIELDS, accept, invite
from .test_sign_in import sign_in

LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
# A Letter page less the browser's default margins, in CSS pixels.
PAPER = {"width": 740, "height": 1000}
# The smallest text we accept in a chart, in CSS pixels at 100% zoom.
LEGIBLE_PX = 12

PERSONAS = ["district_admin", "cabinet_member", "principal", "school_team_member", "pia"]


def _sideways_overflow(page) -> str | None:
    """What sticks out past the right edge of the window, if the page scrolls sideways."""
    return page.evaluate(
        """() => {
          const width = document.documentElement.clientWidth;
          if (document.documentElement.scrollWidth <= width) return null;
          const wide = [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > width + 1)
            .slice(-3).map(e => e.outerHTML.slice(0, 80));
          return `${document.documentElement.scrollWidth}px wide: ${wide.join(' | ')}`;
        }"""
    )


def _label(path: str) -> str:
    return path.strip("/").removeprefix("d/riverside").strip("/").replace("/", "-") or "home"


@pytest.mark.parametrize("size", ["laptop", "phone"])
@pytest.mark.parametrize("persona", PERSONAS)
def test_each_roles_pages_fit_the_window_and_pass_axe(journey, request, tiered, persona, size):
    page = journey.page
    page.set_viewport_size(LAPTOP if size == "laptop" else PHONE)
    sign_in(journey, request.getfixturevalue(persona))
    expect(page.get_by_role("navigation", name="District")).to_be_visible()
    if size == "laptop":
        # The navigation's links and menus keep to one line.
        tops = page.eval_on_selector_all(
            ".site-nav > ul > li", "items => items.map(i => i.getBoundingClientRect().top)"
        )
        assert len(set(tops)) == 1, f"the navigation wraps onto {len(set(tops))} lines"
    paths = page.eval_on_selector_all(
        ".site-nav a[href]", "links => links.map(a => a.getAttribute('href'))"
    )
    for path in paths:
        journey.open(path)
        assert _sideways_overflow(page) is None, f"{path}: {_sideways_overflow(page)}"
        journey.check(_label(path))


def test_navigation_menus_open_and_close_from_the_keyboard(journey, district_admin, tiered):
    page = journey.page
    page.set_viewport_size(LAPTOP)
    sign_in(journey, district_admin)
    navigation = page.get_by_role("navigation", name="District")
    people = navigation.get_by_role("link", name="People")
    expect(people).to_be_hidden()

    administration = navigation.locator("summary", has_text="Administration")
    administration.focus()
    page.keyboard.press("Enter")
    expect(people).to_be_visible()
    journey.check("administration-menu-open")
    page.keyboard.press("Tab")
    expect(people).to_be_focused()

    # Escape closes the menu and returns to its name; opening another closes this one.
    page.keyboard.press("Escape")
    expect(people).to_be_hidden()
    expect(administration).to_be_focused()
    page.keyboard.press("Enter")
    attendance = navigation.locator("summary", has_text="Attendance")
    attendance.click()
    expect(people).to_be_hidden()
    expect(navigation.get_by_role("link", name="Attendance rules")).to_be_visible()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("District attendance")


def test_on_a_phone_the_tiered_list_is_cards_with_its_filters_folded(journey, principal, tiered):
    page = journey.page
    page.set_viewport_size(PHONE)
    sign_in(journey, principal)
    journey.open(f"/d/riverside/attendance/schools/{tiered.pk}/")
    filters = page.get_by_role("button", name="Filters")
    form = page.get_by_role("search", name="Filter the tiered list")
    expect(filters).to_have_attribute("aria-expanded", "false")
    expect(form).to_be_hidden()

    first = page.locator("#tiered-list tbody tr").first
    expect(first).to_contain_text("Egan, Ed")
    card = first.bounding_box()
    assert card["x"] >= 0 and card["x"] + card["width"] <= PHONE["width"]
    # Each figure sits under its column's name, the table's header row being hidden.
    expect(page.locator("table.tiered thead")).to_be_hidden()
    labels = first.locator("td").evaluate_all(
        "cells => cells.map(c => getComputedStyle(c, '::before').content)"
    )
    assert labels[:2] == ['"Grade"', '"Days enrolled"']
    journey.check("phone-cards")

    filters.click()
    expect(filters).to_have_attribute("aria-expanded", "true")
    expect(form).to_be_visible()
    page.get_by_label("Band").select_option("chronic")
    expect(page.locator("#tiered-list tbody tr")).to_have_count(4)
    assert _sideways_overflow(page) is None
    journey.check("phone-filters-open")


def _chart_text_px(page) -> list[tuple[str, float]]:
    return page.eval_on_selector_all(
        ".trend-chart svg text",
        """texts => texts.map(t => [t.textContent,
            parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a])""",
    )


def _assert_charts_and_changes_read_in_full(page) -> None:
    sizes = _chart_text_px(page)
    assert sizes, "the trend chart has no text"
    small = [(text, round(px, 1)) for text, px in sizes if px < LEGIBLE_PX]
    assert not small, f"{page.url}: chart text under {LEGIBLE_PX}px: {small}"
    # "▲ 22.3 points higher" keeps to one line of its card.
    changes = page.locator(".figure:has(.worse), .figure:has(.better)")
    expect(changes.first).to_be_visible()
    for change in changes.all():
        height, line = change.evaluate(
            "e => [e.getBoundingClientRect().height, parseFloat(getComputedStyle(e).lineHeight)]"
        )
        assert height < 1.5 * line, f"{page.url}: {change.text_content()!r} wraps"


@pytest.mark.parametrize("size", ["laptop", "phone", "paper"])
def test_charts_changes_and_sort_choices_read_in_full(journey, cabinet_member, tiered, size):
    page = journey.page
    page.set_viewport_size({"laptop": LAPTOP, "phone": PHONE, "paper": PAPER}[size])
    sign_in(journey, cabinet_member)
    if size == "paper":
        page.emulate_media(media="print")
    journey.open("/d/riverside/attendance/")
    expect(page.get_by_text("▲ 22.3 points higher")).to_be_visible()
    _assert_charts_and_changes_read_in_full(page)
    journey.screenshot("dashboard")
    journey.open(f"/d/riverside/attendance/schools/{tiered.pk}/")
    _assert_charts_and_changes_read_in_full(page)

    if size != "paper":
        if size == "phone":
            page.get_by_role("button", name="Filters").click()
        # A dropdown shows each choice in full ("Percent missed, most first"): on a phone the
        # Sort by, on a laptop every filter's.
        selects = page.locator("#id_sort" if size == "phone" else "#tiered-list-filters select")
        cut = selects.evaluate_all(
            """selects => selects.flatMap(select => {
              const style = getComputedStyle(select);
              const context = document.createElement('canvas').getContext('2d');
              context.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
              const room = select.clientWidth - parseFloat(style.paddingLeft)
                - parseFloat(style.paddingRight) - 20;  // the arrow
              return [...select.options].map(o => o.text)
                .filter(text => context.measureText(text).width > room);
            })"""
        )
        assert not cut, f"cut off in the dropdowns: {cut}"
    journey.screenshot("school")


def _boxes(page, selector: str) -> list[dict]:
    return page.eval_on_selector_all(
        selector,
        """texts => texts.map(t => { const b = t.getBoundingClientRect();
          return {text: t.textContent, left: b.left, right: b.right, top: b.top,
                  bottom: b.bottom, px: parseFloat(getComputedStyle(t).fontSize)
                  * t.getScreenCTM().a}; })""",
    )


def _crowded(boxes: list[dict], gap: float = 8) -> list[tuple[str, str]]:
    """Pairs of texts on the same line less than `gap` pixels apart (or overlapping): they read
    as one ("Needs Improvement (2)Measurable Progress (3)")."""
    return [
        (a["text"], b["text"])
        for i, a in enumerate(boxes)
        for b in boxes[i + 1 :]
        if a["left"] < b["right"] + gap
        and b["left"] < a["right"] + gap
        and a["top"] < b["bottom"]
        and b["top"] < a["bottom"]
    ]


def test_self_assessment_charts_headings_stay_apart_and_legible(page, live_server):
    changes = [
        IngredientChange("Capacity Building", before=2.3, now=2.2),
        IngredientChange("Positive Engagement", before=3.0, now=4.0),
        IngredientChange("Strategic Partnerships", before=2.2, now=None),
    ]
    page.set_viewport_size(LAPTOP)
    page.set_content(
        f'<link rel="stylesheet" href="{live_server.url}/static/css/app.css">'
        f'<main><figure class="sa-figure" id="profile">'
        f"{profile_chart(changes, previous_label='2025–26')}</figure>"
        f'<figure class="sa-figure" id="ratings">{distribution_chart([])}</figure></main>'
    )
    # The column headings, "Urgent Gap (1)" to "Strongly in Place (4)", each by its grid line.
    headings = _boxes(page, "#profile svg > line + text")
    assert len(headings) == 4
    assert not _crowded(headings)
    legend = _boxes(page, "#ratings svg > text")
    assert not _crowded(legend)
    every_text = _boxes(page, "svg text")
    small = [(t["text"], round(t["px"], 1)) for t in every_text if t["px"] < LEGIBLE_PX]
    assert not small, f"chart text under {LEGIBLE_PX}px: {small}"
    # Every figure stays inside its chart ("This year: 4.0" goes inside a full bar's end).
    for svg in page.locator("svg").all():
        edge = svg.bounding_box()
        for text in svg.locator("text").all():
            box = text.bounding_box()
            assert box["x"] + box["width"] <= edge["x"] + edge["width"] + 0.5, text.text_content()


@pytest.mark.parametrize("size", ["laptop", "phone"])
def test_the_support_pages_fit_with_students_on_them(
    journey, taxonomy, tiered, school_b, principal, district_admin, size
):
    """My students, the support summary and the tiered list's support columns, holding
    students (the pages of every role above are opened with none)."""
    today = tiered.district.today()
    for n, sis_id in enumerate(("S3", "S4", "S5", "S9")):
        student = support.student(tiered.district, sis_id)
        support.conversation(
            student,
            staff=principal,
            held_on=today - timedelta(days=10 + 20 * n),
            reasons=["housing-food-insecurity", "peer-challenges"],
        )
        support.plan(
            student,
            updated_by=principal,
            next_check_in=today + timedelta(days=3 * n - 4),
            check_in_by=principal,
        )
        support.intervention(student, owner=principal, tier=("I", "II", "III")[n % 3])
    page = journey.page
    page.set_viewport_size(LAPTOP if size == "laptop" else PHONE)
    sign_in(journey, principal)
    for path in (
        "/d/riverside/support/my-students/",
        "/d/riverside/support/summary/",
        f"/d/riverside/attendance/schools/{tiered.pk}/?check_in=overdue",
    ):
        journey.open(path)
        assert _sideways_overflow(page) is None, f"{path}: {_sideways_overflow(page)}"
        journey.check(f"support-{_label(path.split('?')[0])}")
    expect(page.locator("#tiered-list tbody tr").first).to_contain_text("overdue")


def test_the_workshop_packet_and_cohort_pages_fit_a_phone_and_pass_axe(
    journey, tiered, district, district_admin, facilitator, taxonomy
):
    with facilitating(facilitator):
        workshop = workshop_services.workshop_create(created_by=facilitator, fields=FIELDS)
    invitation = invite(workshop, district, facilitator)
    shared = [
        ConsentItem.BANDS,
        ConsentItem.BREAKDOWNS,
        ConsentItem.PARTNER_COVERAGE,
        ConsentItem.COHORT,
    ]
    accept(invitation, district, district_admin, shared)
    page = journey.page
    page.set_viewport_size(PHONE)
    for user, paths in (
        (
            district_admin,
            [
                f"/d/riverside/workshops/{invitation.pk}/packet/",
                f"/d/riverside/workshops/{invitation.pk}/cohort/",
            ],
        ),
        (
            facilitator,
            [
                f"/workshops/{workshop.pk}/packets/{invitation.pk}/",
                f"/workshops/{workshop.pk}/cohort/",
            ],
        ),
    ):
        page.context.clear_cookies()
        sign_in(journey, user)
        for path in paths:
            journey.open(path)
            assert _sideways_overflow(page) is None, f"{path}: {_sideways_overflow(page)}"
            journey.check(path.strip("/").replace("/", "-"))
