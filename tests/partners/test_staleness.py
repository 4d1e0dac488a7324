"""“Update the information for each partner at least annually”: an entry last updated exactly
twelve calendar months ago is still current; one day more and it is stale."""

from datetime import date

import pytest
from dateutil.relativedelta import relativedelta

from districts.tenancy import system_context
from partners.models import PartnerEntry, is_stale, stale_cutoff

from .fixtures import make_entry


@pytest.mark.parametrize(
    ("last_updated", "today", "stale"),
    [
        (date(2025, 3, 15), date(2026, 3, 15), False),  # exactly 12 months: still current
        (date(2025, 3, 15), date(2026, 3, 16), True),  # one day past: stale
        (date(2025, 3, 16), date(2026, 3, 16), False),
        (date(2024, 2, 29), date(2025, 2, 28), False),  # a leap day looks back to Feb 28
        (date(2024, 2, 29), date(2025, 3, 1), True),
        (date(2025, 12, 31), date(2026, 1, 1), False),
    ],
)
def test_it_flags_entries_after_twelve_calendar_months(last_updated, today, stale):
    assert is_stale(last_updated, today) is stale


def test_it_applies_the_same_boundary_in_the_database(district, youth_club):
    today = date(2026, 3, 16)
    on_time = make_entry(district, youth_club, provided="on time", last_updated=date(2025, 3, 16))
    late = make_entry(district, youth_club, provided="late", last_updated=date(2025, 3, 15))
    with system_context(district, reason="test"):
        stale = set(PartnerEntry.objects.for_district(district).stale(today))
    assert stale == {late} and on_time not in stale
    assert stale_cutoff(today) == date(2025, 3, 16)


def test_it_flags_and_counts_stale_entries_on_the_district_pages(
    client, district_admin, youth_club, school_a
):
    today = youth_club.district.today()
    make_entry(
        youth_club.district,
        youth_club,
        provided="Fresh",
        last_updated=today - relativedelta(months=12),
    )
    make_entry(
        youth_club.district,
        youth_club,
        provided="Old",
        last_updated=today - relativedelta(months=12, days=1),
    )
    client.force_login(district_admin)
    page = client.get("/d/riverside/partners/").content.decode()
    assert page.count('class="is-stale"') == 1
    assert 'id="count-stale">Not updated in 12 months</h2>\n    <p class="figure">1</p>' in page
    stale_only = client.get("/d/riverside/partners/?status=stale").content.decode()
    assert "Old" in stale_only and "Fresh" not in stale_only
    coverage = client.get("/d/riverside/partners/coverage/").content.decode()
    assert 'id="stale-count">Not updated in 12 months</h2><p class="figure">1</p>' in coverage


def test_it_marks_an_entry_current_when_partner_staff_confirm_it(client, pia, youth_club):
    entry = make_entry(
        youth_club.district, youth_club, provided="Mentors", last_updated=date(2020, 1, 1)
    )
    client.force_login(pia)
    assert (
        "Not updated in 12 months"
        in client.get(f"/d/riverside/partners/{entry.pk}/").content.decode()
    )
    client.post(f"/d/riverside/partners/{entry.pk}/confirm/")
    with system_context(youth_club.district, reason="test"):
        entry.refresh_from_db()
    assert entry.last_updated == youth_club.district.today()
    history = client.get(f"/d/riverside/partners/{entry.pk}/history/").content.decode()
    assert "Confirmed still current" in history and "2020-01-01" in history
