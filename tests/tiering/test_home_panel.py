"""The district home page answers "how is attendance?" at a glance for everyone who reads
students' bands (tiering registers the panel: districts/home_panels.py). Figures from the
hand-made district of tests/tiered.py."""

import re

HOME = "/d/riverside/"


def _panel(client) -> str:
    page = client.get(HOME).content.decode()
    found = re.search(
        r'<section class="home-attendance".*?</section>\s*(?=<div class="cards">)', page, re.S
    )
    assert found, "the home page has no attendance panel"
    return found.group(0)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_a_principal_sees_their_schools_rate_its_change_and_bands(client, tiered, principal):
    client.force_login(principal)
    panel = _panel(client)
    text = _text(panel)
    assert "Chronic absence at Adams Elementary School" in text
    # Adams: 4 of 7 rated students chronically absent now, 3 of 7 two weeks ago.
    assert "57.1%" in text and "4 of 7 rated students missed 10% or more" in text
    assert (
        "▲ 14.2 points higher" in text
        and "From 42.9% on Nov 6, 2026, the previous snapshot." in text
    )
    assert f'href="{HOME}attendance/schools/{tiered.pk}/"' in panel
    assert "Banneker" not in panel
    assert "District attendance" not in text  # the district dashboard is not a principal's


def test_a_district_administrator_sees_the_districts_rate_and_every_school(
    client, tiered, district_admin
):
    client.force_login(district_admin)
    text = _text(_panel(client))
    # 5 of 9 rated students chronically absent now (Adams 4, Banneker 1), 3 of 9 before.
    assert "Chronic absence rate 55.6%" in text and "5 of 9 rated students" in text
    assert (
        "▲ 22.3 points higher" in text
        and "From 33.3% on Nov 6, 2026, the previous snapshot." in text
    )
    assert "Adams Elementary School" in text and "Banneker Elementary School" in text
    assert "See the district's trends, grades and student groups" in text


def test_before_any_import_the_panel_says_who_imports(
    client, school_year, principal, district_admin
):
    client.force_login(principal)
    text = _text(_panel(client))
    assert "No attendance has been imported yet" in text
    assert "Your district administrator imports the SIS export." in text
    client.force_login(district_admin)
    assert f'href="{HOME}attendance/imports/"' in _panel(client)


def test_partner_staff_see_no_students_bands_on_their_home(client, tiered, partner_staff):
    client.force_login(partner_staff)
    page = client.get(HOME).content.decode()
    assert "Partner home" in page
    assert "home-attendance" not in page and "Chronic absence" not in page
