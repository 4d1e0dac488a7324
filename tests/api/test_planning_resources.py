"""The partner registry, student support, PDSA cycles and self-assessments over the API:
written through the pages' own forms and services (so refused for the same reasons, with the
same words), read behind the same walls, student rows in the access record."""

from __future__ import annotations

from django.utils import timezone

from districts.models import AuditEvent
from districts.tenancy import (
    context_for_membership,
    membership_for,
    system_context,
    tenant_context,
)
from partners import selectors as partner_selectors
from partners import services as partner_services
from partners.models import PartnerEntry
from pdsa.models import Cycle
from selfassessment import services as assessment_services
from support.models import CaringConversation
from tiering.models import Student

from .tokens import personal_token, token_client

API = "/api/v1/districts/riverside"


def test_partner_staff_add_and_keep_their_own_entries(
    district, pia, cabinet_member, youth_club, club_entry, food_entry, school_a
):
    api = token_client(personal_token(pia, district))
    listed = api.get(f"{API}/partners/").json()
    assert [e["id"] for e in listed] == [club_entry.pk]
    entry = {
        "contact_name": "Coach Kim",
        "contact_email": "kim@youthclub.org",
        "provided": "Walking school bus",
        "served": "Adams students living within a mile",
        "schools": [school_a.pk],
        "tiers": ["II"],
    }
    made = api.post(f"{API}/partners/", entry, content_type="application/json")
    assert made.status_code == 201, made.content
    assert made.json()["organization"]["name"] == "Riverside Youth Club"
    assert made.json()["schools"] == [school_a.pk]
    changed = api.put(
        f"{API}/partners/{made.json()['id']}/",
        {**entry, "served": "Every Adams student"},
        content_type="application/json",
    )
    assert changed.status_code == 200 and changed.json()["served"] == "Every Adams student"
    with system_context(district, reason="test"):
        saved = PartnerEntry.objects.get(pk=made.json()["id"])
    assert saved.organization_id == youth_club.pk and saved.last_updated == district.today()
    # The form's own words, by field; another partner's entry is not found.
    wrong = api.post(
        f"{API}/partners/",
        {**entry, "contact_email": "kim at club"},
        content_type="application/json",
    )
    assert wrong.status_code == 400
    assert wrong.json() == {"contact_email": ["Enter a valid email address."]}
    other = api.put(f"{API}/partners/{food_entry.pk}/", entry, content_type="application/json")
    assert other.status_code == 404
    carol = token_client(personal_token(cabinet_member, district))
    assert carol.get(f"{API}/partners/{food_entry.pk}/").status_code == 200
    refused = carol.put(f"{API}/partners/{club_entry.pk}/", entry, content_type="application/json")
    assert refused.status_code == 403


def test_the_registry_as_hsds_is_the_pages_export(
    district, cabinet_member, club_entry, food_entry, pia
):
    api = token_client(personal_token(cabinet_member, district))
    document = api.get(f"{API}/partners/hsds/").json()
    carol = context_for_membership(membership_for(cabinet_member, "riverside"))
    with tenant_context(carol):
        entries = list(partner_selectors.entry_details(user=cabinet_member))
        expected = partner_services.partner_registry_export_hsds(
            district=district, entries=entries, exported_at=timezone.now()
        )
    assert sorted(s["id"] for s in document["services"]) == sorted(
        s["id"] for s in expected["services"]
    )
    assert document["organizations"] == expected["organizations"]
    pia_api = token_client(personal_token(pia, district))
    assert pia_api.get(f"{API}/partners/hsds/").status_code == 403


def _s1(district) -> Student:
    with system_context(district, reason="test"):
        return Student.objects.get(sis_id="S1")


def test_support_records_are_written_as_the_page_writes_them(
    district, principal, cabinet_member, other_school_principal, pia, tiered
):
    s1 = _s1(district)
    api = token_client(personal_token(principal, district))
    url = f"{API}/students/{s1.pk}/support/"
    conversation = {
        "held_on": "2026-11-23",
        "staff": principal.pk,
        "with_whom": "family",
        "learn": "Mornings are hard since the bus route changed.",
    }
    made = api.post(f"{url}conversations/", conversation, content_type="application/json")
    assert made.status_code == 201, made.content
    with system_context(district, reason="test"):
        saved = CaringConversation.objects.get(pk=made.json()["id"])
    assert saved.recorded_by == principal and saved.learn.startswith("Mornings")
    # Only the student's school team and the district's administrators hold a conversation.
    stranger = {**conversation, "staff": other_school_principal.pk}
    wrong = api.post(f"{url}conversations/", stranger, content_type="application/json")
    assert wrong.status_code == 400 and list(wrong.json()) == ["staff"]
    records = api.get(url).json()
    assert [c["id"] for c in records["conversations"]] == [saved.pk]
    assert records["plan"] is None and records["interventions"] == []
    with system_context(district, reason="test"):
        event = AuditEvent.objects.filter(path=url).get()
    assert event.object_ids == [s1.pk] and event.api_token
    carol = token_client(personal_token(cabinet_member, district))
    assert carol.get(url).status_code == 200
    assert carol.post(f"{url}conversations/", conversation).status_code == 403
    bob = token_client(personal_token(other_school_principal, district))
    assert bob.get(url).status_code == 404
    assert token_client(personal_token(pia, district)).get(url).status_code == 403


def test_pdsa_cycles_are_run_by_the_pages_rules(
    district, school_team_member, pia, other_school_principal, school_a, template
):
    api = token_client(personal_token(school_team_member, district))
    made = api.post(
        f"{API}/pdsa-cycles/",
        {"start_from": f"template-{template.pk}", "schools": [school_a.pk]},
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    cycle = made.json()
    assert cycle["title"] == template.title and cycle["status"] == "plan"
    assert cycle["schools"] == [school_a.pk] and cycle["questions"]
    # A school role starts no district-wide cycle.
    refused = api.post(
        f"{API}/pdsa-cycles/",
        {"start_from": "blank", "title": "Everywhere"},
        content_type="application/json",
    )
    assert refused.status_code == 400
    saved = api.put(
        f"{API}/pdsa-cycles/{cycle['id']}/",
        {"title": "2x10 at Adams", "planned_days": 10, "schools": [school_a.pk]},
        content_type="application/json",
    )
    assert saved.status_code == 200 and saved.json()["title"] == "2x10 at Adams"
    advance = f"{API}/pdsa-cycles/{cycle['id']}/advance/"
    skipped = api.post(advance, {"to": "study"}, content_type="application/json")
    assert skipped.status_code == 400
    assert skipped.json() == {"non_field_errors": ["A cycle moves from Plan to Do, not to Study."]}
    started = api.post(advance, {"to": "do"}, content_type="application/json")
    assert started.status_code == 200 and started.json()["status"] == "do"
    with system_context(district, reason="test"):
        assert Cycle.objects.get(pk=cycle["id"]).status == "do"
    # Banneker's principal does not see an Adams cycle; partner staff see none naming others.
    bob = token_client(personal_token(other_school_principal, district))
    assert bob.get(f"{API}/pdsa-cycles/{cycle['id']}/").status_code == 404
    assert token_client(personal_token(pia, district)).get(f"{API}/pdsa-cycles/").json() == []


def test_self_assessments_are_read_by_the_staff(district, cabinet_member, principal, pia):
    with system_context(district, reason="test"):
        assessment = assessment_services.assessment_create(
            district=district, created_by=cabinet_member, school_year="2026–27", title="Ours"
        )
    api = token_client(personal_token(principal, district))
    assert [a["title"] for a in api.get(f"{API}/self-assessments/").json()] == ["Ours"]
    detail = api.get(f"{API}/self-assessments/{assessment.pk}/").json()
    assert len(detail["ingredients"]) == 6
    assert detail["ingredients"][0]["items"][0]["number"] == "1.1"
    assert {r["is_suggestion"] for r in detail["reflections"]} <= {True, False}
    assert (
        token_client(personal_token(pia, district)).get(f"{API}/self-assessments/").status_code
        == 403
    )
