"""The PDSA pages as each role meets them: the worksheet in the source's words, who reads and
who runs a cycle, participants for staff only (and in the access record), the 2x10 grid and
the ramp."""

from datetime import date

from districts.models import AuditEvent
from pdsa import services
from pdsa.models import Cycle, CycleStatus, Participant, StudyResult, StudySource
from tests.reading import reading
from tiering.models import Student

from .conftest import as_member


def _url(cycle, page="cycle"):
    suffix = {"cycle": "", "participants": "participants/"}[page]
    return f"/d/riverside/pdsa/{cycle.pk}/{suffix}"


def test_the_worksheet_shows_the_sources_words_and_no_invented_result(
    client, principal, adams_cycle
):
    client.force_login(principal)
    page = client.get(_url(adams_cycle)).content.decode()
    for words in (
        "What change idea is being tested?",
        "What is the overall goal of this test?",
        "Learning Questions: What do you hope to learn from this test?",
        "Make a prediction for each question. Not optional.",
        "Details: What are the steps in the test? Who will implement it?",
        "Briefly describe: what happened during the test, surprises, difficulty getting data, "
        "obstacles, successes, etc.",
        "Describe modifications and/or decisions for the next PDSA cycle. What will you do next?",
        "Insight into student realities that might strengthen positive adult-peer relationships",
        "Study results appear here once the test has attendance data.",
    ):
        assert words in page, words
    assert "Edit the worksheet" in page and "Move to Do" in page


def test_a_school_role_of_another_school_gets_404(
    client, other_school_principal, adams_cycle, banneker_cycle
):
    client.force_login(other_school_principal)
    for url in (_url(adams_cycle), _url(adams_cycle, "participants")):
        assert client.get(url).status_code == 404, url
    assert client.post(f"{_url(adams_cycle)}questions/", {"text": "Planted"}).status_code == 404
    listing = client.get("/d/riverside/pdsa/").content.decode()
    assert "Walking School Bus" in listing and "2x10 Strategy" not in listing


def test_cabinet_reads_and_runs_every_cycle(client, cabinet_member, with_participants):
    client.force_login(cabinet_member)
    listing = client.get("/d/riverside/pdsa/").content.decode()
    assert "Walking School Bus" in listing and "2x10 Strategy" in listing
    page = client.get(_url(with_participants)).content.decode()
    assert "Edit the worksheet" in page and "Move to Do" in page
    participants = client.get(_url(with_participants, "participants")).content.decode()
    assert "Cole, Cy" in participants and "Add students" in participants
    assert client.post(f"{_url(with_participants)}questions/", {"text": "X"}).status_code == 302
    with reading():
        assert with_participants.questions.filter(text="X").exists()
        viewed = AuditEvent.objects.get(purpose__startswith="Participants of the PDSA cycle")
        students = set(Student.objects.filter(sis_id__in=["S3", "S6"]).values_list("pk", flat=True))
    assert (viewed.user_email, set(viewed.object_ids)) == ("carol@riverside.org", students)


def test_partner_staff_read_the_worksheet_naming_them_and_no_student(
    client, pia, with_participants, banneker_cycle
):
    client.force_login(pia)
    page = client.get(_url(with_participants))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Riverside Youth Club: After-school STEM club" in text
    assert "<dd>2 students reached; 0 of 20 planned sessions held.</dd>" in text  # stored counts
    assert "Cole" not in text and "Ford" not in text and "S3" not in text
    assert "Participants and the 2x10 grid" not in text
    assert client.get(_url(with_participants, "participants")).status_code == 403
    assert client.get(_url(banneker_cycle)).status_code == 404
    listing = client.get("/d/riverside/pdsa/").content.decode()
    assert "2x10 Strategy" in listing and "Walking School Bus" not in listing


def test_facilitators_have_nothing_here(client, facilitator, adams_cycle):
    client.force_login(facilitator)
    assert client.get("/d/riverside/pdsa/").status_code == 404
    assert client.get(_url(adams_cycle)).status_code == 404


def test_the_page_refuses_do_while_a_prediction_is_missing(client, principal, adams_cycle):
    client.force_login(principal)
    with reading():
        second = adams_cycle.questions.get(position=2)
    response = client.post(
        f"{_url(adams_cycle)}questions/{second.pk}/",
        {"text": second.text, "prediction": "", "data_to_collect": "", "result": ""},
    )
    assert response.status_code == 302
    page = client.get(_url(adams_cycle)).content.decode()
    assert "Q2 has none yet, so the test cannot move to Do" in page
    refused = client.post(f"{_url(adams_cycle)}status/", {"to": "do"}, follow=True)
    assert "Q2 has none yet." in refused.content.decode()
    with reading():
        assert Cycle.objects.get(pk=adams_cycle.pk).status == CycleStatus.PLAN


def test_a_team_picks_moderate_chronic_students_and_ticks_the_grid(
    client, school_team_member, adams_cycle
):
    client.force_login(school_team_member)
    page = client.get(_url(adams_cycle, "participants")).content.decode()
    # Adams' Moderate chronic students now: Cy Cole (S3) and Fay Ford (S6).
    assert "Cole, Cy" in page and "Ford, Fay" in page and "Dunn, Di" not in page
    with reading():
        ids = {s.sis_id: s.pk for s in Student.objects.filter(sis_id__in=["S3", "S6", "S9"])}
    refused = client.post(
        f"{_url(adams_cycle)}participants/add/", {"students": [ids["S9"]]}, follow=True
    )
    assert "Tick the students to add" in refused.content.decode()  # Ivy is not offered
    client.post(f"{_url(adams_cycle)}participants/add/", {"students": [ids["S3"], ids["S6"]]})
    with reading():
        cycle = Cycle.objects.get(pk=adams_cycle.pk)
        cy, fay = Participant.objects.filter(cycle=cycle).order_by("student__sis_id")
    with as_member(school_team_member):
        worksheet = services.WorksheetFields(
            **{name: getattr(cycle, name) for name in services.WORKSHEET_FIELDS}
        )
        worksheet.first_day, worksheet.last_day = date(2026, 10, 5), date(2026, 10, 16)
        services.cycle_update(cycle=cycle, worksheet=worksheet)
        services.cycle_advance(cycle=cycle, to=CycleStatus.DO)
    days = [f"2026-10-{d:02d}" for d in (5, 6, 7, 8, 9, 12, 13, 14, 15, 16)]
    client.post(
        f"{_url(adams_cycle)}participants/grid/",
        {f"held-{cy.pk}": days, f"held-{fay.pk}": days[:6], f"planned-{fay.pk}": "6"},
    )
    page = client.get(_url(adams_cycle, "participants")).content.decode()
    assert "16 of 16 planned (100.0%)" in page and "2 of 2 (100.0%)" in page
    with reading():
        purposes = set(AuditEvent.objects.values_list("purpose", flat=True))
    assert f"Added to the PDSA cycle {cycle}" in purposes
    assert f"Sessions of the PDSA cycle {cycle} (2x10 grid)" in purposes


def test_act_then_the_next_cycle_and_the_ramp(client, principal, adams_cycle):
    with as_member(principal):
        services.cycle_advance(cycle=adams_cycle, to=CycleStatus.DO)
        services.cycle_advance(cycle=adams_cycle, to=CycleStatus.STUDY)
    client.force_login(principal)
    page = client.get(_url(adams_cycle)).content.decode()
    assert "Adapt (tweak the process and try again)" in page
    assert "Abandon (go to a new change idea)" in page
    client.post(
        f"{_url(adams_cycle)}act/",
        {"decision": "adapt", "act_text": "Develop criteria to prioritize students"},
    )
    assert "Start the next cycle from this one" in client.get(_url(adams_cycle)).content.decode()
    response = client.post(f"{_url(adams_cycle)}next/")
    with reading():
        second = Cycle.objects.get(change_idea_id=adams_cycle.change_idea_id, number=2)
    assert response["Location"] == _url(second)
    ramp_url = f"/d/riverside/pdsa/ideas/{adams_cycle.change_idea_id}/"
    ramp = client.get(ramp_url).content.decode()
    assert "Cycle 1" in ramp and "Cycle 2" in ramp
    assert "Adapt (tweak the process and try again)" in ramp
    assert ramp.count("No Study result computed yet.") == 2
    # Once cycle 1's Study is stored (test_study_results.py tests its figures), the ramp
    # gives its result in a line, as the chain does.
    with reading():
        StudyResult.objects.create(
            district_id=adams_cycle.district_id,
            cycle=adams_cycle,
            source=StudySource.DAILY,
            comparisons=[{"window": "two weeks after", "summary": "Better by 3.0 points."}],
        )
    ramp = client.get(ramp_url).content.decode()
    assert "Two weeks after: Better by 3.0 points." in ramp
    assert ramp.count("No Study result computed yet.") == 1


def test_a_cycle_starts_from_the_template_on_the_new_cycle_page(
    client, principal, tiered, template
):
    client.force_login(principal)
    response = client.post(
        "/d/riverside/pdsa/new/",
        {"start_from": f"template-{template.pk}", "schools": [tiered.pk], "title": ""},
    )
    with reading():
        cycle = Cycle.objects.get()
        copied = (cycle.title, cycle.questions.count(), cycle.steps.count())
    assert response["Location"] == _url(cycle)
    assert copied == ("2x10 Strategy", 5, 5)
    refused = client.post("/d/riverside/pdsa/new/", {"start_from": "blank", "title": "X"})
    assert refused.status_code == 422
    assert "Choose one or more of your schools" in refused.content.decode()
