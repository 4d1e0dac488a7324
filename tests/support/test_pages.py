"""The student's support records on the student's page and the forms behind it: who may
read and write them, the access record, and the family's copy of the plan."""

import io
from datetime import date

import pytest
from pypdf import PdfReader

from districts.models import AuditEvent
from partners.models import AbsenceReason, Intervention
from support.models import CaringConversation, StudentIntervention, SupportChange
from tests.reading import reading

from .conftest import as_member, referral, transfer_to_banneker

BASE = "/d/riverside/support/students/{id}/"


def _student_page(student):
    return f"/d/riverside/attendance/students/{student.pk}/"


def _conversation_post(client, student, *reason_codes, **more):
    ids = [AbsenceReason.objects.get(code=c).pk for c in reason_codes]
    data = {
        "held_on": "2026-11-16",
        "staff": more.pop("staff"),
        "with_whom": "both",
        "learn": "Di wants to be a vet.",
        "discuss": "The bus leaves before her mother's shift ends.",
        "reasons": ids,
        **more,
    }
    return client.post(BASE.format(id=student.pk) + "conversations/new/", data)


def _intervention_post(client, student, code, **data):
    intervention = Intervention.objects.get(code=code)
    return client.post(
        BASE.format(id=student.pk) + "interventions/new/",
        {"intervention": intervention.pk, "starts_on": "2026-11-16", **data},
    )


def test_a_team_member_logs_a_conversation_and_sees_it_on_the_students_page(
    client, district, di, school_team_member
):
    client.force_login(school_team_member)
    form = client.get(BASE.format(id=di.pk) + "conversations/new/")
    assert form.status_code == 200
    # The five steps come with their key points and questions from the source document.
    for prompt in (
        "Ask open-ended, supportive questions",
        "What makes it hard for _____ to get to school?",
        "Would it help you to work with...?",
        "Barriers: “Keeping you out of school”",
    ):
        assert prompt in form.content.decode()

    response = _conversation_post(
        client, di, "transportation-barriers", "anxiety", staff=school_team_member.pk
    )
    assert response.status_code == 302 and response["Location"].endswith("#support")
    page = client.get(_student_page(di)).content.decode()
    assert "Nov 16, 2026: with student and parent/guardian" in page
    assert "<strong>Barriers:</strong> Transportation Barriers" in page
    assert "Di wants to be a vet." in page
    with reading(district):
        assert SupportChange.objects.filter(record="conversation", action="created").count() == 1
        purposes = list(AuditEvent.objects.values_list("purpose", flat=True))
    assert "Student support: conversations, plan, interventions, history" in purposes


def test_a_student_with_no_conversation_says_no_contact_yet(client, di, cabinet_member):
    client.force_login(cabinet_member)
    page = client.get(_student_page(di)).content.decode()
    assert "No contact yet" in page
    # The cabinet reads, and gets no way to write.
    assert "Log a Caring Conversation" not in page


def test_an_invalid_conversation_is_refused_with_its_reasons(client, di, principal):
    client.force_login(principal)
    response = _conversation_post(client, di, staff=principal.pk, held_on="")
    assert response.status_code == 422
    with reading():
        assert not CaringConversation.objects.exists()


def test_an_overdue_check_in_says_so_in_words(client, district, di, principal):
    client.force_login(principal)
    response = client.post(
        BASE.format(id=di.pk) + "plan/",
        {
            "steps": "Walk with the neighbours.",
            "my_family": "Mum, Di, two brothers",
            "backup_name_1": "Aunt May",
            "backup_phone_1": "(555) 010-7777",
            # Before the district's today (the test clock's date is whatever it is: use the past).
            "next_check_in": "2020-01-06",
            "check_in_by": principal.pk,
        },
    )
    assert response.status_code == 302
    page = client.get(_student_page(di)).content.decode()
    assert "Jan 6, 2020" in page and '<strong class="overdue">Overdue</strong>' in page


def test_a_tier_is_required_where_the_taxonomy_gives_none(client, di, principal):
    client.force_login(principal)
    response = _intervention_post(client, di, "carpools", owner=principal.pk, status="planned")
    assert response.status_code == 422
    assert "no tier of its own" in response.content.decode()


def test_an_intervention_with_a_referral_shows_with_its_tier_owner_and_partner(
    client, district, di, principal, club_entry
):
    client.force_login(principal)
    response = _intervention_post(
        client,
        di,
        "playbook-mentors",
        owner=principal.pk,
        status="active",
        partner_entry=club_entry.pk,
        referred_on="2026-11-16",
    )
    assert response.status_code == 302
    page = client.get(_student_page(di)).content.decode()
    assert "Mentors" in page and "Tier II" in page and "Pat Principal" in page
    assert "Riverside Youth Club: After-school STEM club, referred Nov 16, 2026" in page

    with reading(district):
        item = StudentIntervention.objects.get()
    response = client.post(
        BASE.format(id=di.pk) + f"interventions/{item.pk}/status/", {"status": "completed"}
    )
    assert response.status_code == 302
    with reading(district):
        item.refresh_from_db()
        assert item.status == "completed"


def _plan_for(district, student, user, entry):
    from support import services

    with as_member(user, district):
        services.attendance_plan_save(
            student=student,
            fields=services.PlanFields(
                steps="Di walks with the Ortiz children on Tuesdays and Thursdays.",
                school_support="A seat in the after-school club; her teacher sends missed work.",
                my_family="Mum, Di, two younger brothers",
                everyday_helpers="Mrs Ortiz next door",
                occasional_helpers="Uncle Ray",
                potential_helpers="The parish youth group",
                backup_contacts=[services.BackupContact("Aunt May", "(555) 010-7777")],
                next_check_in=date(2026, 12, 4),
                check_in_by=user,
            ),
            changed_by=user,
        )
        referral(student, entry=entry, by=user, status="active")


def test_the_family_plan_pdf_reads_back_in_plain_language_on_one_page(
    client, district, di, principal, club_entry
):
    _plan_for(district, di, principal, club_entry)
    client.force_login(principal)
    response = client.get(BASE.format(id=di.pk) + "plan.pdf")
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 1
    text = " ".join(reader.pages[0].extract_text().split())
    for expected in (
        "Our attendance and learning plan for Di Dunn",
        "Di walks with the Ortiz children on Tuesdays and Thursdays.",
        "My Family's Help Bank",
        "Mrs Ortiz next door",
        "Aunt May",
        "(555) 010-7777",
        "We will check in on Friday, December 4, 2026",
        "Pat Principal from Adams Elementary School",
        "We connected you with Riverside Youth Club",
    ):
        assert expected in text, expected
    with reading(district):
        event = AuditEvent.objects.filter(action="export").get()
    assert event.object_ids == [di.pk] and "family" in event.purpose


ROUTES = [
    ("GET", "conversations/new/"),
    ("GET", "plan/"),
    ("GET", "interventions/new/"),
    ("GET", "plan.pdf"),
]


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_partner_staff_and_cabinet_writes_are_refused(
    client, di, pia, cabinet_member, method, path
):
    client.force_login(pia)
    assert client.generic(method, BASE.format(id=di.pk) + path).status_code == 403
    client.force_login(cabinet_member)
    expected = 200 if path == "plan.pdf" else 403
    assert client.generic(method, BASE.format(id=di.pk) + path).status_code == expected


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_another_schools_principal_and_other_districts_get_not_found(
    client, di, other_school_principal, outsider, facilitator, method, path
):
    for user in (other_school_principal, outsider, facilitator):
        client.force_login(user)
        assert client.generic(method, BASE.format(id=di.pk) + path).status_code == 404, user


def test_a_transfer_takes_the_history_to_the_new_school(
    client, district, di, principal, other_school_principal, club_entry, tmp_path
):
    _plan_for(district, di, principal, club_entry)
    client.force_login(principal)
    _conversation_post(client, di, "anxiety", staff=principal.pk)
    di = transfer_to_banneker(district, tmp_path)

    # Banneker's principal now reads and writes Di's records, history included.
    client.force_login(other_school_principal)
    page = client.get(_student_page(di)).content.decode()
    assert "Di wants to be a vet." in page and "Mrs Ortiz next door" in page
    assert "History of changes (3)" in page and "Mentors" in page
    assert client.get(BASE.format(id=di.pk) + "plan/").status_code == 200

    # Adams' principal still sees Di's attendance at Adams, but her records went with her.
    client.force_login(principal)
    page = client.get(_student_page(di)).content.decode()
    assert "now attends Banneker Elementary School" in page
    assert "Di wants to be a vet." not in page
    assert client.get(BASE.format(id=di.pk) + "plan/").status_code == 404
    assert client.get(BASE.format(id=di.pk) + "plan.pdf").status_code == 404


def test_a_record_of_another_student_is_not_found_under_this_one(
    client, district, di, ed, principal, club_entry
):
    with as_member(principal, district):
        item = referral(ed, entry=club_entry, by=principal)
    client.force_login(principal)
    url = BASE.format(id=di.pk) + f"interventions/{item.pk}/"
    assert client.get(url).status_code == 404
    assert client.post(url + "delete/").status_code == 404


def test_an_edit_form_showing_a_record_is_in_the_access_record(
    client, district, di, principal, club_entry
):
    with as_member(principal, district):
        item = referral(di, entry=club_entry, by=principal)
    client.force_login(principal)
    page = client.get(BASE.format(id=di.pk) + f"interventions/{item.pk}/")
    assert page.status_code == 200 and "Edit Mentors" in page.content.decode()
    with reading(district):
        event = AuditEvent.objects.get(purpose="Student support: an intervention, to edit it")
    assert event.object_ids == [di.pk] and event.user == principal
