"""The workshop pages as each person meets them: the facilitator creates a workshop and invites
by slug; the district administrator answers with consent, changes it and names the team; the
facilitator's cohort shows only what was shared, suppressed."""

from districts.models import AuditEvent
from districts.tenancy import system_context
from workshops.context import facilitating
from workshops.models import Invitation, InvitationStatus, TeamMember, Workshop

from .conftest import materialise


def test_the_facilitator_lands_on_their_workshops(client, facilitator, workshop):
    client.force_login(facilitator)
    page = client.get("/").content.decode()
    assert "Workshop facilitation" in page
    assert f'href="/workshops/{workshop.pk}/"' in page


def test_a_facilitator_creates_a_workshop_with_the_default_agenda(client, facilitator):
    client.force_login(facilitator)
    response = client.post(
        "/workshops/new/",
        {
            "title": "Spring cohort",
            "first_day": "2027-04-06",
            "last_day": "2027-04-07",
            "place": "Oakland",
            "minimum_n": "10",
        },
    )
    with facilitating(facilitator):
        workshop = Workshop.objects.get(title="Spring cohort")
    assert response.status_code == 302 and response["Location"] == f"/workshops/{workshop.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "Identify strategic actions across health and attendance initiatives." in page


def test_a_workshop_ending_before_it_starts_is_refused(client, facilitator):
    client.force_login(facilitator)
    response = client.post(
        "/workshops/new/",
        {"title": "x", "first_day": "2027-04-07", "last_day": "2027-04-06", "place": "y"},
    )
    assert response.status_code == 422
    assert "The last day cannot be before the first day." in response.content.decode()


def test_the_facilitator_invites_a_district_by_slug(client, facilitator, workshop, district):
    client.force_login(facilitator)
    response = client.post(f"/workshops/{workshop.pk}/invite/", {"slug": "riverside"})
    assert response.status_code == 302
    page = client.get(f"/workshops/{workshop.pk}/").content.decode()
    assert "Riverside" in page and "Waiting for an answer" in page
    unknown = client.post(f"/workshops/{workshop.pk}/invite/", {"slug": "nowhere"})
    assert unknown.status_code == 422
    assert "No district has this address name." in unknown.content.decode()


def test_the_administrator_sees_the_pending_invitation_on_the_home_page(
    client, district_admin, cabinet_member, riverside_invitation
):
    client.force_login(district_admin)
    page = client.get("/d/riverside/").content.decode()
    assert "Workshop invitation waiting for your answer" in page
    assert f"/d/riverside/workshops/{riverside_invitation.pk}/" in page
    client.force_login(cabinet_member)
    assert "waiting for your answer" not in client.get("/d/riverside/").content.decode()


def test_accepting_with_chosen_items_is_recorded_and_gates_the_cohort(
    client, district_admin, facilitator, workshop, riverside_invitation, district
):
    client.force_login(district_admin)
    url = f"/d/riverside/workshops/{riverside_invitation.pk}/"
    response = client.post(url + "respond/", {"decision": "accept", "items": ["bands"]})
    assert response.status_code == 302
    materialise(district)
    with system_context(district, reason="test"):
        assert Invitation.objects.get().status == InvitationStatus.ACCEPTED
        purposes = list(AuditEvent.objects.values_list("purpose", flat=True))
    assert purposes == [
        "Workshop consent given: Band mix and chronic absence rate, with the trend against last "
        "year — Thriving Schools Strategy Workshop"
    ]
    client.force_login(facilitator)
    cohort = client.get(f"/workshops/{workshop.pk}/cohort/").content.decode()
    assert "District A" in cohort and "Riverside" not in cohort
    assert "Band mix and chronic absence rate across the district" in cohort
    assert "By school" not in cohort
    # The chart comes before the tables.
    assert cohort.index("<figure") < cohort.index("<table")

    client.force_login(district_admin)
    client.post(url + "consent/", {"items": ["bands", "breakdowns", "name"]})
    materialise(district)
    client.force_login(facilitator)
    cohort = client.get(f"/workshops/{workshop.pk}/cohort/").content.decode()
    assert "Riverside" in cohort and "By school" in cohort
    assert "&lt; 10" in cohort  # Adams' eight students

    client.force_login(district_admin)
    client.post(url + "consent/", {"items": ["name"]})
    client.force_login(facilitator)
    cohort = client.get(f"/workshops/{workshop.pk}/cohort/").content.decode()
    assert "By school" not in cohort and "<table" not in cohort
    with system_context(district, reason="test"):
        withdrawn = AuditEvent.objects.filter(purpose__startswith="Workshop consent withdrawn")
        assert withdrawn.count() == 2


def test_declining_shares_nothing(client, district_admin, riverside_invitation, district):
    client.force_login(district_admin)
    url = f"/d/riverside/workshops/{riverside_invitation.pk}/respond/"
    client.post(url, {"decision": "decline", "items": ["bands"]})
    with system_context(district, reason="test"):
        invitation = Invitation.objects.get()
        assert invitation.status == InvitationStatus.DECLINED
        assert not invitation.consents.exists()


def test_the_administrator_names_a_cross_departmental_team(
    client, district_admin, principal, riverside_invitation, district
):
    client.force_login(district_admin)
    url = f"/d/riverside/workshops/{riverside_invitation.pk}/team/"
    client.post(url, {"user": principal.pk, "department": "attendance"})
    client.post(url, {"name": "Nurse Nadia", "department": "health"})
    refused = client.post(url, {"department": "cabinet"})
    assert refused.status_code == 422
    page = client.get(f"/d/riverside/workshops/{riverside_invitation.pk}/").content.decode()
    assert "Pat Principal · Attendance" in page
    assert "Nurse Nadia · Health and nursing" in page
    with system_context(district, reason="test"):
        assert TeamMember.objects.count() == 2


def test_a_facilitator_of_another_workshop_finds_nothing(client, felix, workshop):
    client.force_login(felix)
    for path in ("", "edit/", "cohort/"):
        assert client.get(f"/workshops/{workshop.pk}/{path}").status_code == 404
    assert "Thriving" not in client.get("/workshops/").content.decode()


def test_the_cohort_pages_headings_and_tables_have_unique_ids(
    client, district_admin, facilitator, workshop, riverside_invitation, district
):
    import re

    client.force_login(district_admin)
    url = f"/d/riverside/workshops/{riverside_invitation.pk}/respond/"
    client.post(url, {"decision": "accept", "items": ["bands", "breakdowns"]})
    materialise(district)
    client.force_login(facilitator)
    page = client.get(f"/workshops/{workshop.pk}/cohort/").content.decode()
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert "d1" in ids and "packet-d1-schools" in ids
    assert len(ids) == len(set(ids))
