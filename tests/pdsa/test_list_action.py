""" "Add to a PDSA cycle" from a school's tiered list (tests/tiered.py's Adams): the ticked
students, or every student matching the list's filters, join a cycle of the school in Plan or
Do; another school's students and cycles are refused. The action is registered by pdsa on
tiering's list (tiering imports nothing of pdsa)."""

from django.contrib.messages import get_messages

from districts.models import AuditAction, AuditEvent
from pdsa.models import Participant
from tests.reading import reading
from tiering.models import Student


def _list_url(school):
    return f"/d/riverside/attendance/schools/{school.pk}/"


def _add_url(school):
    return f"/d/riverside/pdsa/from-list/schools/{school.pk}/"


def _ids(*sis_ids):
    with reading():
        return [
            str(pk)
            for pk in Student.objects.filter(sis_id__in=sis_ids)
            .order_by("sis_id")
            .values_list("pk", flat=True)
        ]


def _participants(cycle):
    with reading():
        return sorted(
            Participant.objects.filter(cycle=cycle).values_list("student__sis_id", flat=True)
        )


def _add(client, school, cycle, *sis_ids, query=""):
    """Posts the school's list form with the students ticked."""
    return client.post(
        _add_url(school), {"cycle": cycle.pk, "student": _ids(*sis_ids), "query": query}
    )


def _messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_list_offers_the_schools_open_cycles_to_those_who_run_them(
    client, tiered, principal, cabinet_member, adams_cycle, banneker_cycle
):
    client.force_login(principal)
    page = client.get(_list_url(tiered)).content.decode()
    assert "Add to a PDSA cycle" in page
    assert f'<option value="{adams_cycle.pk}">2x10 Strategy, cycle 1 (Plan)</option>' in page
    assert "Walking School Bus" not in page  # Banneker's
    assert page.count('name="student"') == 8  # one checkbox per student of Adams
    assert "Add all 8 students" in page
    assert 'data-select-all form="list-action-form"' in page
    # The cabinet runs cycles at any school (as district administrators do): the same action.
    client.force_login(cabinet_member)
    page = client.get(_list_url(tiered)).content.decode()
    assert f'<option value="{adams_cycle.pk}">2x10 Strategy, cycle 1 (Plan)</option>' in page
    assert page.count('name="student"') == 8


def test_it_adds_exactly_the_ticked_students(client, tiered, principal, adams_cycle):
    client.force_login(principal)

    response = _add(client, tiered, adams_cycle, "S3", "S6", query="band=moderate_chronic")

    assert response.status_code == 302
    assert response["Location"] == f"/d/riverside/pdsa/{adams_cycle.pk}/participants/"
    assert _participants(adams_cycle) == ["S3", "S6"]
    assert _messages(response) == ["2 students added to the cycle."]
    with reading():
        event = AuditEvent.objects.get(purpose__startswith="Added to the PDSA cycle")
    assert event.action == AuditAction.CHANGE
    assert sorted(map(str, event.object_ids)) == sorted(_ids("S3", "S6"))
    assert event.purpose.endswith("from the tiered list of Adams Elementary School")


def test_it_adds_every_student_matching_the_filters(
    client, tiered, school_team_member, adams_cycle
):
    client.force_login(school_team_member)
    adams = tiered
    client.post(_add_url(adams), {"cycle": adams_cycle.pk, "student": _ids("S3")})

    # Chronically absent at Adams now: Cole, Dunn, Egan and Ford; Cole is in already.
    response = client.post(
        _add_url(adams),
        {"cycle": adams_cycle.pk, "all": "1", "query": "band=chronic&sort=name"},
    )

    assert _participants(adams_cycle) == ["S3", "S4", "S5", "S6"]
    assert _messages(response)[-1] == "3 students added to the cycle; 1 was in it already."


def test_another_schools_student_is_refused_and_nothing_is_added(
    client, tiered, principal, adams_cycle
):
    client.force_login(principal)

    # Ivy Ives (S9) is Banneker's, ticked beside Adams' Cole in a forged form.
    response = _add(client, tiered, adams_cycle, "S3", "S9", query="band=chronic")

    assert response.status_code == 302
    assert response["Location"] == f"{_list_url(tiered)}?band=chronic"
    assert _messages(response) == [
        "1 of the ticked students are not on Adams Elementary School's list."
    ]
    assert _participants(adams_cycle) == []


def test_other_schools_and_roles_cannot_use_it(
    client, tiered, other_school_principal, pia, adams_cycle, banneker_cycle, school_b
):
    adams = tiered
    ticked = {"cycle": adams_cycle.pk, "student": _ids("S3")}
    client.force_login(other_school_principal)
    assert client.post(_add_url(adams), ticked).status_code == 404
    # Nor through his own school's address: the Adams cycle is not open at Banneker.
    assert client.post(_add_url(school_b), ticked).status_code == 404
    # Partner staff run no cycle.
    client.force_login(pia)
    assert client.post(_add_url(adams), ticked).status_code == 403
    assert _participants(adams_cycle) == []
    assert _participants(banneker_cycle) == []


def test_nothing_chosen_sends_the_team_back_to_the_list(client, tiered, principal, adams_cycle):
    client.force_login(principal)
    adams = tiered

    response = client.post(_add_url(adams), {"cycle": adams_cycle.pk})

    assert response["Location"] == _list_url(adams)
    assert _messages(response) == ["Tick the students to add, or add all those the filters show."]
