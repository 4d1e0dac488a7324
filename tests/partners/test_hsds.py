"""Open Referral HSDS exchange: what a district exports, it (or another copy of the registry)
imports back to the same entries; a file with problems changes nothing and says which record
and field are at fault."""

import json

from django.core.files.uploadedfile import SimpleUploadedFile

from districts.tenancy import system_context
from partners.models import ChangeAction, PartnerChange, PartnerEntry, PartnerOrganization


def _registry(district) -> list[dict]:
    """Every entry as a comparable value, with its organisation and links."""
    with system_context(district, reason="test"):
        return sorted(
            (
                {
                    "organization": (
                        e.organization.name,
                        e.organization.partner_type,
                        e.organization.hsds_id,
                    ),
                    **{
                        f.name: getattr(e, f.name)
                        for f in PartnerEntry._meta.concrete_fields
                        if f.name
                        not in ("id", "organization", "district", "updated_at", "reminded_at")
                    },
                    "schools": sorted(s.name for s in e.schools.all()),
                    "reasons": sorted(r.code for r in e.reasons.all()),
                    "interventions": sorted(i.code for i in e.interventions.all()),
                }
                for e in PartnerEntry.objects.for_district(district).select_related("organization")
            ),
            key=lambda row: row["hsds_id"],
        )


def _wipe(district):
    with system_context(district, reason="test"):
        PartnerChange.objects.for_district(district).delete()
        PartnerEntry.objects.for_district(district).delete()
        PartnerOrganization.objects.for_district(district).delete()


def _import(client, document):
    raw = json.dumps(document).encode() if not isinstance(document, bytes) else document
    upload = SimpleUploadedFile("partners.json", raw, content_type="application/json")
    return client.post("/d/riverside/partners/hsds/import/", {"file": upload})


def test_it_round_trips_the_registry_through_hsds(client, district_admin, club_entry, food_entry):
    before = _registry(club_entry.district)
    client.force_login(district_admin)
    exported = client.get("/d/riverside/partners/hsds/export/")
    assert exported["Content-Disposition"].startswith(
        'attachment; filename="riverside-partners-hsds-'
    )
    document = json.loads(exported.content)
    _wipe(club_entry.district)
    response = _import(client, document)
    assert response.status_code == 302, response.content.decode()
    assert _registry(club_entry.district) == before
    with system_context(club_entry.district, reason="test"):
        assert set(PartnerChange.objects.values_list("action", flat=True)) == {
            ChangeAction.IMPORTED
        }


def test_it_uses_hsds_field_names(client, district_admin, club_entry):
    client.force_login(district_admin)
    document = json.loads(client.get("/d/riverside/partners/hsds/export/").content)
    assert document["hsds_version"] == "3.0"
    org = document["organizations"][0]
    assert {"id", "name", "description", "email", "website"} <= set(org)
    service = document["services"][0]
    assert service["organization_id"] == org["id"]
    assert service["name"] == "After-school STEM club"
    assert service["status"] == "active"
    assert service["assured_date"] == "2026-09-01"
    assert service["eligibility_description"] == "All students"
    assert service["contacts"][0]["email"] == "coach@youthclub.org"
    assert service["contacts"][0]["phones"][0]["number"] == "(555) 010-2000"
    assert [a["name"] for a in service["service_areas"]] == ["Adams Elementary School"]
    codes = {
        (a["taxonomy_term"]["taxonomy"], a["taxonomy_term"]["code"]) for a in service["attributes"]
    }
    assert ("attendanceworks-reason-for-absence", "disengaged") in codes
    assert ("mtss-tier", "II") in codes
    assert {t["code"] for t in document["taxonomy_terms"]} >= {"disengaged", "I", "II"}


def test_it_changes_nothing_when_the_same_file_comes_back(client, district_admin, club_entry):
    client.force_login(district_admin)
    document = json.loads(client.get("/d/riverside/partners/hsds/export/").content)
    with system_context(club_entry.district, reason="test"):
        changes = PartnerChange.objects.count()
    _import(client, document)
    page = client.get("/d/riverside/partners/").content.decode()
    assert "1 already up to date" in page
    with system_context(club_entry.district, reason="test"):
        assert PartnerChange.objects.count() == changes


def test_it_imports_nothing_and_names_every_fault(client, district_admin, club_entry):
    client.force_login(district_admin)
    document = json.loads(client.get("/d/riverside/partners/hsds/export/").content)
    before = _registry(club_entry.district)
    good = document["services"][0]
    good["name"] = "Renamed in the file"
    bad = json.loads(json.dumps(good))
    bad["id"] = "new-service"
    bad["name"] = "Tutoring"
    bad["service_areas"] = [{"name": "Nowhere High School"}]
    bad["assured_date"] = "2026-13-01"
    bad["attributes"][0]["taxonomy_term"]["code"] = "not-a-reason"
    bad["attributes"][0]["taxonomy_term"]["taxonomy"] = "attendanceworks-reason-for-absence"
    document["services"].append(bad)
    page = _import(client, document).content.decode()
    assert "Nothing was changed" in page
    assert "Service 2 (Tutoring), field assured_date: “2026-13-01” is not a date" in page
    assert "Service 2 (Tutoring), field service_areas: Nowhere High School is not a school" in page
    assert "reason for absence not-a-reason is not in the registry" in page
    assert _registry(club_entry.district) == before


def test_it_explains_a_file_that_is_not_hsds(client, district_admin, district):
    client.force_login(district_admin)
    page = _import(client, b"name,email\nx,y\n").content.decode()
    assert "This file is not JSON" in page
    page = _import(client, {"organizations": []}).content.decode()
    assert "no “services” list" in page


def test_it_keeps_hsds_import_for_administrators(
    client, cabinet_member, partner_staff, outsider, district
):
    client.force_login(cabinet_member)
    assert client.get("/d/riverside/partners/hsds/import/").status_code == 403
    assert client.get("/d/riverside/partners/hsds/export/").status_code == 200
    client.force_login(outsider)
    assert client.get("/d/riverside/partners/hsds/import/").status_code == 404
