"""Issue 15, point 7, in the browser: a cabinet member reads both rule sets side by side school
by school, and each row's change against last year and trend line (tests/tiered.py)."""

import re
from datetime import date

from playwright.sync_api import expect

from tests.factories import RuleSetFactory
from tests.sis import import_file
from tests.tiered import CURRENT, write

from .test_sign_in import sign_in


def test_cabinet_member_compares_rule_sets_and_last_year_school_by_school(
    journey, cabinet_member, district, tiered, tmp_path
):
    RuleSetFactory(district=district, minimum_days_enrolled=41)
    later = CURRENT.replace("S10,102,5,40,0", "S10,102,5,41,0")
    import_file(district, write(tmp_path, "later.csv", later), as_of=date(2026, 11, 20))
    page = journey.page
    sign_in(journey, cabinet_member)
    journey.open("/d/riverside/attendance/")
    both = page.get_by_role("group", name="The rule sets side by side")
    adams = both.get_by_role("row", name=re.compile("Adams Elementary School"))
    expect(adams).to_contain_text("57.1%")
    schools = page.get_by_role("group", name="Students per band by school")
    adams = schools.get_by_role("row", name=re.compile("Adams Elementary School"))
    expect(adams).to_contain_text("▲ +42.8")
    expect(
        adams.get_by_role("img", name=re.compile("42.9% on Nov 6; 57.1% on Nov 20"))
    ).to_be_visible()
    journey.check("dashboard-comparisons")
