"""The worksheet's computed Study (the hand-made school of tests/pdsa/handmade.py) fits a
laptop and a phone without sideways scrolling, passes axe, and prints without its buttons:
the windows, the run chart before the results table, the comparison and the four progress
questions."""

from datetime import date

import pytest
from playwright.sync_api import expect

from districts.tenancy import system_context
from pdsa import services

from ..pdsa.handmade import import_days, two_by_ten
from .test_layouts import LAPTOP, PHONE, _sideways_overflow
from .test_sign_in import sign_in


@pytest.mark.parametrize("size", ["laptop", "phone"])
def test_the_study_fits_the_window_passes_axe_and_prints(
    journey, district, school_year, school_a, school_b, principal, tmp_path, size
):
    import_days(district, tmp_path, date(2026, 10, 16), date(2026, 11, 13))
    cycle = two_by_ten(district, school_a, principal)
    with system_context(district, reason="test"):
        services.cycle_study_refresh(cycle=cycle)
    page = journey.page
    page.set_viewport_size(LAPTOP if size == "laptop" else PHONE)
    sign_in(journey, principal)
    journey.open(f"/d/riverside/pdsa/{cycle.pk}/")
    results = page.locator("#study-comparison")
    expect(results).to_be_visible()
    expect(page.get_by_text("in progress, 10 of 20 days")).to_be_visible()
    expect(page.locator(".run-chart svg")).to_be_visible()
    assert _sideways_overflow(page) is None, _sideways_overflow(page)
    journey.check(f"pdsa-study-{size}")
    page.emulate_media(media="print")
    expect(page.get_by_role("button", name="Recompute the Study now")).to_be_hidden()
    expect(page.get_by_text("What was the impact on the school as a whole?")).to_be_visible()
