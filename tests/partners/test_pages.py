"""The registry's pages for district staff: adding and editing entries with their history,
search and filters, exports, and the coverage gap map."""

import csv
import io
import re

import openpyxl
import pytest

from districts.tenancy import system_context
from partners.models import AbsenceReason, PartnerChange


def _entry_post(organization, school, **extra):
    return {
        "organization": organization.pk,
        "provided": "Walking School Bus",
        "served": "Families of K–5",
        "time_period": "SY 2026-2027",
        "contact_name": "Jean Miller",
        "contact_email": "jean@church.org",
        "schools": [school.pk],
        "tiers": ["I"],
        "reasons": [AbsenceReason.objects.get(code="transportation-barriers").pk],
        **extra,
    }


def test_it_records_who_changed_what_and_when(
    client, district_admin, youth_club, school_a, school_b
):
    client.force_login(district_admin)
    response = client.post("/d/riverside/partners/new/", _entry_post(youth_club, school_a))
    entry_url = response["Location"]
    entry_id = int(re.search(r"/partners/(\d+)/", entry_url)[1])
    client.post(
        f"{entry_url}edit/", _entry_post(youth_club, school_b, contact_name="Jean Miller-Ortiz")
    )
    history = client.get(f"{entry_url}history/").content.decode()
    assert "Added" in history and "Edited" in history and "Alice Admin" in history
    assert "Jean Miller-Ortiz" in history and "Banneker Elementary School" in history
    with system_context(youth_club.district, reason="test"):
        edit = PartnerChange.objects.filter(entry_id=entry_id, action="updated").get()
    assert {
        "field": "Contact name",
        "old": "Jean Miller",
        "new": "Jean Miller-Ortiz",
    } in edit.changes
    assert {
        "field": "Schools served",
        "old": "Adams Elementary School",
        "new": "Banneker Elementary School",
    } in edit.changes


def test_it_keeps_the_history_of_a_removed_entry(client, district_admin, club_entry):
    client.force_login(district_admin)
    client.post(f"/d/riverside/partners/{club_entry.pk}/delete/")
    assert client.get(f"/d/riverside/partners/{club_entry.pk}/").status_code == 404
    changes = client.get("/d/riverside/partners/changes/").content.decode()
    assert "Removed: Riverside Youth Club: After-school STEM club" in changes


def test_it_searches_and_filters_by_type_school_reason_and_tier(
    client, principal, club_entry, food_entry, school_a, school_b
):
    client.force_login(principal)
    base = "/d/riverside/partners/"
    assert "STEM" in client.get(f"{base}?q=stem").content.decode()
    assert "STEM" not in client.get(f"{base}?q=food").content.decode()
    found = client.get(f"{base}?partner_type=hunger_relief").content.decode()
    assert "Food Bank" in found and "STEM" not in found
    reason = AbsenceReason.objects.get(code="disengaged")
    found = client.get(f"{base}?reason={reason.pk}").content.decode()
    assert "STEM" in found and "Food Bank" not in found
    found = client.get(f"{base}?tier=II").content.decode()
    assert "STEM" in found and "Food Bank" not in found
    # The food bank names no school, so it serves every school.
    found = client.get(f"{base}?school={school_a.pk}").content.decode()
    assert "STEM" in found and "Food Bank" in found
    fragment = client.get(f"{base}?q=stem", headers={"HX-Request": "true"}).content.decode()
    assert fragment.lstrip().startswith('<section id="results"') and "<html" not in fragment


def test_it_exports_the_filtered_list_as_csv_and_xlsx(
    client, district_admin, club_entry, food_entry
):
    client.force_login(district_admin)
    rows = list(
        csv.reader(
            io.StringIO(
                client.get(
                    "/d/riverside/partners/?partner_type=hunger_relief&format=csv"
                ).content.decode()
            )
        )
    )
    assert rows[0][:3] == ["Name of partner", "Partner type", "Contact name"]
    assert [r[0] for r in rows[1:]] == ["Springfield County Food Bank"]
    assert rows[1][13] == "All schools"
    response = client.get("/d/riverside/partners/?format=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet.title == "List of Partners"
    assert {sheet.cell(row=r, column=1).value for r in (2, 3)} == {
        "Riverside Youth Club",
        "Springfield County Food Bank",
    }


def test_it_maps_coverage_and_gaps_per_school(
    client, principal, cabinet_member, club_entry, food_entry, school_a, school_b
):
    client.force_login(cabinet_member)
    page = client.get("/d/riverside/partners/coverage/").content.decode()
    assert "<strong>No partner</strong>" in page
    assert "Potential: Local pediatricians; Promotoras (community health workers)" in page
    rows = list(
        csv.reader(
            io.StringIO(client.get("/d/riverside/partners/coverage/?format=csv").content.decode())
        )
    )
    assert rows[0] == [
        "Root cause",
        "Reason for absence",
        "Adams Elementary School",
        "Banneker Elementary School",
    ]
    by_reason = {r[1]: r[2:] for r in rows[1:]}
    assert by_reason["Disengaged"] == ["Riverside Youth Club", "No partner"]
    assert by_reason["Housing and food insecurity"] == ["Springfield County Food Bank"] * 2
    assert by_reason["Anxiety"] == ["No partner", "No partner"]
    # A principal sees only their own school's column.
    client.force_login(principal)
    page = client.get("/d/riverside/partners/coverage/?family=disengagement").content.decode()
    assert "Adams Elementary School" in page and "Banneker Elementary School" not in page
    assert "Social anxiety" not in page


@pytest.mark.parametrize("path", ["", "new/", "coverage/", "changes/", "organisations/"])
def test_it_answers_404_to_other_districts(client, outsider, district, path):
    client.force_login(outsider)
    assert client.get(f"/d/riverside/partners/{path}").status_code == 404


@pytest.mark.parametrize(
    ("persona", "path", "status"),
    [
        ("principal", "new/", 403),
        ("cabinet_member", "new/", 403),
        ("school_team_member", "organisations/", 403),
        ("principal", "", 200),
        ("school_team_member", "coverage/", 200),
        ("cabinet_member", "changes/", 200),
    ],
)
def test_it_admits_each_role_to_its_pages(
    client, request, district, school_a, persona, path, status
):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(f"/d/riverside/partners/{path}").status_code == status


ACTIONS = (
    "Add an entry",
    "Organisations and partner staff",
    "Import HSDS",
    "Export HSDS",
    "Edit this entry",
    "Remove this entry",
)


@pytest.mark.parametrize(
    ("persona", "offered"),
    [
        ("district_admin", set(ACTIONS)),
        ("cabinet_member", {"Export HSDS"}),
        ("pia", {"Add an entry", "Edit this entry"}),
    ],
)
def test_it_offers_each_role_only_the_actions_its_role_may_take(
    client, request, club_entry, persona, offered
):
    client.force_login(request.getfixturevalue(persona))
    pages = "".join(
        client.get(path).content.decode()
        for path in ("/d/riverside/partners/", f"/d/riverside/partners/{club_entry.pk}/")
    )
    assert {action for action in ACTIONS if action in pages} == offered


def test_it_offers_partners_in_the_navigation(client, principal, pia):
    client.force_login(principal)
    page = client.get("/d/riverside/").content.decode()
    assert (
        'href="/d/riverside/partners/"' in page and 'href="/d/riverside/partners/coverage/"' in page
    )
    client.force_login(pia)
    page = client.get("/d/riverside/").content.decode()
    assert 'href="/d/riverside/partners/"' in page and "coverage/" not in page
