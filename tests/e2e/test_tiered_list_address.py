"""The tiered list's filters live in the address, each once, and Back and Forward bring back
the list and the filter form together (the hand-made district of tests/tiered.py)."""

import re
from collections import Counter
from urllib.parse import parse_qsl, urlsplit

from playwright.sync_api import expect

from .test_sign_in import sign_in


def _query(url: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(url).query, keep_blank_values=True)


def _assert_each_filter_once(url: str, **expected: str) -> None:
    pairs = _query(url)
    repeated = [name for name, n in Counter(name for name, _ in pairs).items() if n > 1]
    assert not repeated, f"{url} repeats {repeated}"
    values = dict(pairs)
    for name, value in expected.items():
        assert values.get(name, "") == value, f"{url}: {name} should be {value!r}"


def test_three_filter_changes_then_back_twice_and_forward_keep_address_form_and_rows_agreed(
    journey, principal, tiered
):
    page = journey.page
    sign_in(journey, principal)
    journey.open(f"/d/riverside/attendance/schools/{tiered.pk}/")
    band, grade, sort = (
        page.get_by_label("Band"),
        page.get_by_label("Grade", exact=True),
        page.get_by_label("Sort by"),
    )
    names = page.locator("#tiered-list tbody th")

    band.select_option("chronic")
    expect(names).to_have_count(4)
    grade.select_option("3")
    expect(names).to_have_count(2)
    expect(names).to_have_text([re.compile("Dunn, Di"), re.compile("Cole, Cy")])
    sort.select_option("name")
    expect(names).to_have_text([re.compile("Cole, Cy"), re.compile("Dunn, Di")])
    _assert_each_filter_once(page.url, band="chronic", grade="3", sort="name")
    journey.check("three-filters")

    # Back to band and grade, sorted by percent missed: the form says so, not just the list.
    page.go_back()
    expect(sort).to_have_value("percent")
    expect(names).to_have_text([re.compile("Dunn, Di"), re.compile("Cole, Cy")])
    expect(band).to_have_value("chronic")
    expect(grade).to_have_value("3")
    _assert_each_filter_once(page.url, band="chronic", grade="3", sort="percent")
    journey.screenshot("back-once")

    # Back again: the band alone, every grade.
    page.go_back()
    expect(grade).to_have_value("")
    expect(names).to_have_count(4)
    expect(band).to_have_value("chronic")
    expect(sort).to_have_value("percent")
    _assert_each_filter_once(page.url, band="chronic", grade="", sort="percent")
    journey.check("back-twice")

    page.go_forward()
    expect(grade).to_have_value("3")
    expect(names).to_have_count(2)
    expect(band).to_have_value("chronic")
    _assert_each_filter_once(page.url, band="chronic", grade="3")
