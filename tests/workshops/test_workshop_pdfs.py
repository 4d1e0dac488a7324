"""The workshop's PDFs, read back: a team's action plan, and the cohort PDF built by a
background task that reports its progress and keeps the file — in which only consented,
suppressed figures appear, an anonymised district only under its alias, and a district that
has not accepted not at all."""

import io

from pypdf import PdfReader

from districts.tenancy import system_context
from workshops import progress, services, tasks
from workshops.context import facilitating
from workshops.models import CohortPdf, ConsentItem, Department, PdfStatus, PlanKind

from .conftest import accept


def _text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def _plan(invitation, district, by, **fields):
    with system_context(district, reason="test"):
        action = services.plan_action_add(
            invitation=invitation, kind=PlanKind.STRATEGIC_ACTION, by=by
        )
        for field, value in fields.items():
            action = services.plan_field_save(
                action=action, field=field, value=value, base_revision=0, editor=by
            )


def _build(facilitator, workshop) -> CohortPdf:
    with facilitating(facilitator):
        pdf = CohortPdf.objects.create(workshop=workshop, requested_by=facilitator)
    tasks.build_cohort_pdf.apply(kwargs={"pdf_id": pdf.pk, "user_id": facilitator.pk}).get()
    with facilitating(facilitator):
        return CohortPdf.objects.get(pk=pdf.pk)


def test_a_teams_action_plan_pdf_reads_back(client, riverside_invitation, district, district_admin):
    accept(riverside_invitation, district, district_admin, [ConsentItem.BANDS])
    with system_context(district, reason="test"):
        services.team_member_add(
            invitation=riverside_invitation,
            department=Department.HEALTH,
            name="Renee Alvarez, district nurse",
        )
    _plan(
        riverside_invitation,
        district,
        district_admin,
        action="Nurses join the attendance team's meetings",
        next_steps="Invite the nurses to the biweekly data review",
        responsible="Health services",
    )
    client.force_login(district_admin)
    response = client.get(f"/d/riverside/workshops/{riverside_invitation.pk}/plan/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = _text(response.content)
    for words in (
        "Riverside Unified School District’s action plan",
        "What are Key Next Steps?",
        "Individuals or Groups Responsible",
        "Resources to Leverage",
        "Nurses join the attendance team's meetings",
        "Invite the nurses to the biweekly data review",
        "Renee Alvarez, district nurse",
        "Confidential: for Thriving Schools Strategy Workshop only.",
        "Page 1 of 1",
    ):
        assert words in " ".join(text.split()), words


def test_the_cohort_pdf_carries_only_consented_suppressed_figures_under_the_chosen_names(
    facilitator,
    workshop,
    riverside_invitation,
    lakeview_invitation,
    district,
    district_admin,
):
    # Riverside shares its figures but not its name; Lakeview has not answered.
    accept(
        riverside_invitation, district, district_admin, [ConsentItem.BANDS, ConsentItem.BREAKDOWNS]
    )
    with system_context(district, reason="test"):
        services.team_member_add(
            invitation=riverside_invitation,
            department=Department.HEALTH,
            name="Renee Alvarez, district nurse",
        )
    _plan(riverside_invitation, district, district_admin, action="Map the health partners")
    pdf = _build(facilitator, workshop)
    assert pdf.status == PdfStatus.DONE and pdf.stored_path.exists()
    text = " ".join(_text(pdf.stored_path.read_bytes()).split())
    # The cover and the agenda (the flyer's objectives).
    assert "Thriving Schools Strategy Workshop" in text and "Sacramento" in text
    assert "Identify strategic actions across health and attendance initiatives." in text
    # The cohort page: Adams (8 students) and Banneker (2) are under 10, numbered, not named.
    assert "District A" in text and "< 10" in text
    assert "School 1" in text and "School 2" in text
    assert "Chronic absence rate now" in text  # the chart's caption
    # The team's plan, its team by department only.
    assert "District A: action plan" in text and "Map the health partners" in text
    assert "Health and nursing" in text
    for never in ("Riverside", "Adams", "Banneker", "Renee Alvarez", "Lakeview", "District B"):
        assert never not in text, never
    assert "Page 1 of" in text and "Confidential: for Thriving Schools" in text


def test_a_district_sharing_its_name_is_named_and_withdrawal_takes_it_out(
    facilitator, workshop, riverside_invitation, district, district_admin
):
    accept(riverside_invitation, district, district_admin, [ConsentItem.BANDS, ConsentItem.NAME])
    text = " ".join(_text(_build(facilitator, workshop).stored_path.read_bytes()).split())
    assert "Riverside Unified School District" in text and "District A" not in text
    with system_context(district, reason="test"):
        services.invitation_respond(
            invitation=riverside_invitation, accept=False, items=[], by=district_admin
        )
    text = " ".join(_text(_build(facilitator, workshop).stored_path.read_bytes()).split())
    assert "Riverside" not in text and "No district has accepted yet." in text


def test_asking_for_the_cohort_pdf_queues_the_build_which_reports_and_keeps_the_file(
    client,
    facilitator,
    felix,
    workshop,
    riverside_invitation,
    district,
    district_admin,
    django_capture_on_commit_callbacks,
):
    accept(riverside_invitation, district, district_admin, [ConsentItem.BANDS])
    client.force_login(facilitator)
    with django_capture_on_commit_callbacks(execute=True) as queued:
        response = client.post(f"/workshops/{workshop.pk}/cohort/pdf/")
    assert len(queued) == 1
    with facilitating(facilitator):
        pdf = CohortPdf.objects.get()
    assert response["Location"] == f"/workshops/{workshop.pk}/cohort/pdf/{pdf.pk}/"
    assert pdf.status == PdfStatus.DONE and pdf.stored_path.exists()
    assert progress.read(pdf.pk) == {"percent": 100, "message": "Ready"}
    page = client.get(response["Location"]).content.decode()
    assert "Ready." in page and "hx-get" not in page
    download = client.get(f"/workshops/{workshop.pk}/cohort/pdf/{pdf.pk}/download/")
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert "District A" in _text(download.content)
    listing = client.get(f"/workshops/{workshop.pk}/cohort/pdf/").content.decode()
    assert f"/cohort/pdf/{pdf.pk}/download/" in listing
    client.force_login(felix)
    assert client.get(f"/workshops/{workshop.pk}/cohort/pdf/{pdf.pk}/download/").status_code == 404


def test_the_page_shows_a_running_builds_progress_and_polls(client, facilitator, workshop):
    with facilitating(facilitator):
        pdf = CohortPdf.objects.create(workshop=workshop, requested_by=facilitator)
    progress.report(pdf.pk, 40, "Team 1 of 2")
    client.force_login(facilitator)
    url = f"/workshops/{workshop.pk}/cohort/pdf/{pdf.pk}/"
    page = client.get(url).content.decode()
    assert 'aria-valuenow="40"' in page and "Team 1 of 2" in page
    assert f'hx-get="{url}"' in page and "You can leave this page" in page
    partial = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert partial.lstrip().startswith('<div id="pdf-status"')
    assert client.get(url + "download/").status_code == 404  # not ready yet
