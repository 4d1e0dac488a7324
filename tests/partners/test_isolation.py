"""Partner staff see and edit only their own organisation's entries, and reach no student
page: every URL of the student-data apps answers them 403 or 404."""

import pytest
from django.urls import get_resolver, reverse

from districts.tenancy import system_context
from partners.models import PartnerEntry


def _entry_urls(entry):
    kwargs = {"district_slug": "riverside", "entry_id": entry.pk}
    return [
        reverse(f"partners:{name}", kwargs=kwargs) for name in ("entry", "edit", "entry_history")
    ]


def test_it_lists_only_the_partners_own_entries(client, pia, club_entry, food_entry):
    client.force_login(pia)
    page = client.get("/d/riverside/partners/").content.decode()
    assert "After-school STEM club" in page
    assert "Springfield County Food Bank" not in page and ">food<" not in page


def test_it_hides_other_partners_entries_from_partner_staff(client, pia, club_entry, food_entry):
    client.force_login(pia)
    for url in _entry_urls(club_entry):
        assert client.get(url).status_code == 200, url
    for url in _entry_urls(food_entry):
        assert client.get(url).status_code == 404, url
    kwargs = {"district_slug": "riverside", "entry_id": food_entry.pk}
    assert client.post(reverse("partners:edit", kwargs=kwargs), {}).status_code == 404
    assert client.post(reverse("partners:confirm", kwargs=kwargs)).status_code == 404


def test_it_hides_other_partners_from_exports(client, pia, club_entry, food_entry):
    client.force_login(pia)
    csv_text = client.get("/d/riverside/partners/?format=csv").content.decode()
    assert "Riverside Youth Club" in csv_text and "Food Bank" not in csv_text


def test_it_refuses_partner_staff_the_district_wide_pages(client, pia, club_entry):
    client.force_login(pia)
    for path in (
        "/d/riverside/partners/coverage/",
        "/d/riverside/partners/organisations/",
        "/d/riverside/partners/staff/invite/",
        "/d/riverside/partners/hsds/export/",
        "/d/riverside/partners/hsds/import/",
        "/d/riverside/people/",
    ):
        assert client.get(path).status_code == 403, path


def _student_data_urls():
    """Every URL of the apps holding student data, with placeholder ids."""
    resolver = get_resolver()
    urls = []
    for namespace in ("tiering",):
        _prefix, sub = resolver.namespace_dict[namespace]
        for pattern in sub.url_patterns:
            kwargs = {name: 1 for name in pattern.pattern.regex.groupindex}
            kwargs["district_slug"] = "riverside"
            urls.append(reverse(f"{namespace}:{pattern.name}", kwargs=kwargs))
    return urls


def test_it_covers_every_student_data_url():
    assert len(_student_data_urls()) >= 5


@pytest.mark.parametrize("url", _student_data_urls())
def test_it_refuses_partner_staff_every_student_page(client, pia, url):
    client.force_login(pia)
    assert client.get(url).status_code in (403, 404)
    assert client.post(url, {}).status_code in (403, 404)


def test_it_lets_partner_staff_edit_their_own_entry_but_not_move_it(
    client, pia, club_entry, food_bank, school_a
):
    client.force_login(pia)
    url = reverse("partners:edit", kwargs={"district_slug": "riverside", "entry_id": club_entry.pk})
    response = client.post(
        url,
        {
            "organization": food_bank.pk,  # ignored: partner staff have no organisation field
            "provided": "After-school STEM and robotics club",
            "served": "Grades 3–8",
            "time_period": "SY 2026-2027",
            "contact_name": "Pia Partner",
            "contact_email": "pia@youthclub.org",
            "schools": [school_a.pk],
            "tiers": ["I"],
        },
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "After-school STEM and robotics club" in page
    with system_context(club_entry.district, reason="test"):
        entry = PartnerEntry.objects.get(pk=club_entry.pk)
        assert entry.organization.name == "Riverside Youth Club"


def test_it_shows_unlinked_partner_staff_what_to_do(client, partner_staff, food_entry):
    client.force_login(partner_staff)
    page = client.get("/d/riverside/partners/").content.decode()
    assert "not linked to a partner organisation" in page
    assert "Springfield County Food Bank" not in page
    assert client.get("/d/riverside/partners/new/").status_code == 403


def test_it_keeps_other_districts_entries_out(client, district_admin, outsider, lakeview_entry):
    client.force_login(district_admin)
    for url in (
        f"/d/riverside/partners/{lakeview_entry.pk}/",
        f"/d/riverside/partners/{lakeview_entry.pk}/edit/",
    ):
        assert client.get(url).status_code == 404
    assert "Lakeview Mentors" not in client.get("/d/riverside/partners/").content.decode()
    assert (
        "Lakeview Mentors" not in client.get("/d/riverside/partners/hsds/export/").content.decode()
    )
    client.force_login(outsider)
    assert client.get("/d/riverside/partners/").status_code == 404
