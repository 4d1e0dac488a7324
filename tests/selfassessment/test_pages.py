import io
import re

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from districts.tenancy import system_context
from selfassessment import services
from selfassessment.models import Assessment, Item, ItemResponse, Priority, Rating
from tests.reading import reading

from .conftest import agree_on

BASE = "/d/riverside/self-assessment/"
READ_PAGES = [
    "{id}/",
    "{id}/ingredients/1/",
    "{id}/reflections/",
    "{id}/results/",
    "{id}/action-plan.pdf",
    "{id}/action-plan.xlsx",
]


def _field_url(assessment, key, field):
    with system_context(assessment.district, reason="test"):
        response = ItemResponse.objects.get(assessment=assessment, item__key=key)
    return f"{BASE}{assessment.pk}/fields/item/{response.pk}/{field}/", response


def _htmx_post(client, url, data):
    return client.post(url, data, headers={"HX-Request": "true"})


def test_it_lists_the_districts_assessments_and_a_cabinet_member_starts_one(
    client, cabinet_member, school_year
):
    client.force_login(cabinet_member)
    page = client.get(BASE).content.decode()
    assert "No self-assessment yet" in page
    assert 'value="2026–27"' in page  # the district's current school year
    response = client.post(BASE, {"school_year": "2026-27", "title": "Cabinet self-assessment"})
    with reading():
        assessment = Assessment.unscoped.get()
    assert response["Location"] == f"{BASE}{assessment.pk}/"
    overview = client.get(response["Location"]).content.decode()
    assert "0 of 35" in overview and "Capacity Building" in overview
    assert "Cabinet self-assessment" in client.get(BASE).content.decode()


def test_it_explains_a_second_assessment_with_the_same_title_and_year(
    client, cabinet_member, assessment
):
    client.force_login(cabinet_member)
    response = client.post(BASE, {"school_year": "2026–27", "title": "Cabinet self-assessment"})
    assert response.status_code == 200
    assert "already has an assessment with this title" in response.content.decode()
    with reading():
        assert Assessment.unscoped.count() == 1


@pytest.mark.parametrize("persona", ["principal", "school_team_member"])
def test_school_leaders_read_the_plan_but_do_not_edit_it(client, request, assessment, persona):
    client.force_login(request.getfixturevalue(persona))
    for path in READ_PAGES:
        assert client.get(BASE + path.format(id=assessment.pk)).status_code == 200
    page = client.get(f"{BASE}{assessment.pk}/ingredients/2/").content.decode()
    assert "hx-post" not in page and "Your rating" not in page
    url, _response = _field_url(assessment, "actionable-data-1", "next_steps")
    assert client.post(url, {"revision": "0"}).status_code == 403
    assert client.post(BASE, {"school_year": "2026-27", "title": "Mine"}).status_code == 403
    assert client.post(f"{BASE}{assessment.pk}/priorities/").status_code == 403


def test_partner_staff_never_see_the_self_assessment(client, partner_staff, assessment):
    client.force_login(partner_staff)
    assert client.get(BASE).status_code == 403
    for path in READ_PAGES:
        assert client.get(BASE + path.format(id=assessment.pk)).status_code == 403
    assert "Self-assessment" not in client.get("/d/riverside/").content.decode()


def test_another_districts_assessment_is_not_found_by_any_route(client, outsider, assessment):
    client.force_login(outsider)
    url, _response = _field_url(assessment, "actionable-data-1", "next_steps")
    for base in (BASE, "/d/lakeview/self-assessment/"):
        for path in READ_PAGES:
            assert client.get(base + path.format(id=assessment.pk)).status_code == 404
        assert client.post(f"{base}{assessment.pk}/finalise/").status_code == 404
    lakeview_url = url.replace("/riverside/", "/lakeview/")
    assert client.post(lakeview_url, {"revision": "0"}).status_code == 404
    assert BASE not in client.get("/d/lakeview/self-assessment/").content.decode()


def test_a_field_autosaves_and_says_so(client, cabinet_member, assessment):
    client.force_login(cabinet_member)
    url, record = _field_url(assessment, "actionable-data-2", "next_steps")
    prefix = f"itemresponse-{record.pk}"
    response = _htmx_post(
        client, url, {"revision": "0", f"{prefix}-next_steps": "Biweekly data review"}
    )
    fragment = response.content.decode()
    assert response.status_code == 200
    assert "Saved" in fragment and 'name="revision" value="1"' in fragment
    assert "<html" not in fragment
    page = client.get(f"{BASE}{assessment.pk}/ingredients/2/").content.decode()
    assert "Biweekly data review" in page
    assert "Saved" in page and "by Carol Cabinet" in page


def test_the_second_save_of_a_field_is_refused_showing_the_first_persons_version(
    client, cabinet_member, district_admin, assessment
):
    url, record = _field_url(assessment, "actionable-data-2", "next_steps")
    prefix = f"itemresponse-{record.pk}"
    client.force_login(cabinet_member)
    _htmx_post(client, url, {"revision": "0", f"{prefix}-next_steps": "Carol's steps"})
    client.force_login(district_admin)
    refused = _htmx_post(client, url, {"revision": "0", f"{prefix}-next_steps": "Alice's steps"})
    fragment = refused.content.decode()
    assert refused.status_code == 409
    assert "Not saved" in fragment and "Carol Cabinet changed this" in fragment
    assert "Carol&#x27;s steps" in fragment
    assert "Use their version" in fragment
    assert 'name="overwrite" value="1"' in fragment
    assert 'name="revision" value="0"' in fragment  # typing on does not overwrite Carol
    with system_context(assessment.district, reason="test"):
        assert ItemResponse.objects.get(pk=record.pk).next_steps == "Carol's steps"

    theirs = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "Carol&#x27;s steps" in theirs and 'name="revision" value="1"' in theirs

    kept = _htmx_post(
        client,
        url,
        {"revision": "0", "overwrite": "1", f"{prefix}-next_steps": "Alice's steps"},
    )
    assert kept.status_code == 200
    with system_context(assessment.district, reason="test"):
        assert ItemResponse.objects.get(pk=record.pk).next_steps == "Alice's steps"


def test_without_javascript_a_field_saves_through_a_form_and_returns_to_the_item(
    client, cabinet_member, assessment
):
    client.force_login(cabinet_member)
    url, record = _field_url(assessment, "strategic-partnerships-5", "target_date")
    response = client.post(
        url, {"revision": "0", f"itemresponse-{record.pk}-target_date": "2027-01-15"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"{BASE}{assessment.pk}/ingredients/4/#item-{record.item_id}"
    bad = client.post(url, {"revision": "1", f"itemresponse-{record.pk}-target_date": "soon"})
    assert bad.status_code == 422
    assert "Not saved — Enter a valid date." in bad.content.decode()


def test_consensus_ratings_count_toward_progress(client, cabinet_member, assessment):
    client.force_login(cabinet_member)
    url, record = _field_url(assessment, "capacity-building-3", "consensus")
    response = _htmx_post(
        client, url, {"revision": "0", f"itemresponse-{record.pk}-consensus": "urgent_gap"}
    )
    fragment = response.content.decode()
    assert 'id="assessment-progress" class="sa-progress" hx-swap-oob="true"' in fragment
    assert "<strong>1 of 35</strong>" in fragment


def test_the_page_shows_where_members_disagree(client, cabinet_member, district_admin, assessment):
    with system_context(assessment.district, reason="test"):
        item = Item.objects.get(
            ingredient__version=assessment.template, key="positive-engagement-3"
        )
    client.force_login(district_admin)
    client.post(f"{BASE}{assessment.pk}/items/{item.pk}/rating/", {"rating": "strongly_in_place"})
    client.force_login(cabinet_member)
    fragment = _htmx_post(
        client, f"{BASE}{assessment.pk}/items/{item.pk}/rating/", {"rating": "urgent_gap"}
    ).content.decode()
    assert "Your rating is saved" in fragment
    assert "Members disagree: their ratings are 3 levels apart." in fragment
    assert "Alice Admin: Strongly in Place" in fragment and "Carol Cabinet: Urgent Gap" in fragment
    page = client.get(f"{BASE}{assessment.pk}/ingredients/3/").content.decode()
    assert re.search(r'value="urgent_gap"\s+checked', page)
    overview = client.get(f"{BASE}{assessment.pk}/").content.decode()
    assert "Where members disagree" in overview and ">3.3</a>" in overview


def _complete(assessment, editor):
    keys = Item.objects.filter(ingredient__version=assessment.template).values_list(
        "key", flat=True
    )
    agree_on(assessment, dict.fromkeys(keys, Rating.NEEDS_IMPROVEMENT), editor=editor)
    with system_context(assessment.district, reason="test"):
        for title in ("Attendance team in every school", "Family outreach", "Data sharing"):
            priority = services.priority_add(assessment=assessment)
            services.field_save(
                record=priority, field="title", value=title, base_revision=0, editor=editor
            )


def test_a_finalised_assessment_is_read_only_on_every_page(client, cabinet_member, assessment):
    _complete(assessment, cabinet_member)
    client.force_login(cabinet_member)
    response = client.post(f"{BASE}{assessment.pk}/finalise/", follow=True)
    assert "Finalised. The assessment and its action plan are now read-only." in (
        response.content.decode()
    )
    for path in ("{id}/ingredients/1/", "{id}/reflections/"):
        page = client.get(BASE + path.format(id=assessment.pk)).content.decode()
        assert "hx-post" not in page and "<textarea" not in page
    url, record = _field_url(assessment, "capacity-building-1", "consensus")
    refused = _htmx_post(
        client, url, {"revision": "1", f"itemresponse-{record.pk}-consensus": "urgent_gap"}
    )
    assert refused.status_code == 422 and "finalised" in refused.content.decode()
    with system_context(assessment.district, reason="test"):
        assert ItemResponse.objects.get(pk=record.pk).consensus == Rating.NEEDS_IMPROVEMENT


def test_finalising_too_early_says_what_is_missing(client, cabinet_member, assessment):
    client.force_login(cabinet_member)
    page = client.post(f"{BASE}{assessment.pk}/finalise/", follow=True).content.decode()
    assert "Not finalised yet: 35 items still need a team consensus rating" in page


def test_next_years_assessment_starts_from_this_one_and_the_results_compare_them(
    client, cabinet_member, assessment
):
    _complete(assessment, cabinet_member)
    client.force_login(cabinet_member)
    client.post(f"{BASE}{assessment.pk}/finalise/")
    response = client.post(f"{BASE}{assessment.pk}/next-year/")
    with reading():
        following = Assessment.unscoped.exclude(pk=assessment.pk).get()
    assert response["Location"] == f"{BASE}{following.pk}/"
    started = client.get(response["Location"]).content.decode()
    assert "with every target date moved a year later" in started
    agree_on(
        following,
        {"capacity-building-1": Rating.STRONGLY_IN_PLACE, "actionable-data-4": Rating.URGENT_GAP},
        editor=cabinet_member,
    )
    page = client.get(f"{BASE}{following.pk}/results/").content.decode()
    assert "Against" in page and "Cabinet self-assessment 2026–27" in page
    moved_up = page.split("What moved up")[1].split("What moved down")[0]
    moved_down = page.split("What moved down")[1]
    assert "Our district has a cabinet-led team" in moved_up
    assert "Needs Improvement → Strongly in Place" in moved_up
    assert "contact information for families" in moved_down
    assert "<svg" in page and "Consensus ratings per ingredient" in page


def test_strengths_and_challenges_are_drafted_from_the_ratings(client, cabinet_member, assessment):
    agree_on(
        assessment,
        {
            "shared-accountability-1": Rating.STRONGLY_IN_PLACE,
            "actionable-data-5": Rating.URGENT_GAP,
        },
        editor=cabinet_member,
    )
    client.force_login(cabinet_member)
    page = client.get(f"{BASE}{assessment.pk}/reflections/").content.decode()
    assert "Strongest ingredients: Shared Accountability (average 4.0 of 4)." in page
    assert "Weakest ingredients: Actionable Data (average 1.0 of 4)." in page
    assert "6.1 Our district has set district-wide goals" in page
    assert "Suggested from the consensus ratings" in page


def test_the_action_plan_pdf_holds_every_rated_item_and_the_plan(
    client, cabinet_member, assessment
):
    ratings = {
        "capacity-building-2": Rating.URGENT_GAP,
        "positive-engagement-4": Rating.MEASURABLE_PROGRESS,
        "strategic-partnerships-5": Rating.DONT_KNOW,
        "shared-accountability-6": Rating.STRONGLY_IN_PLACE,
    }
    agree_on(assessment, ratings, editor=cabinet_member)
    with system_context(assessment.district, reason="test"):
        record = ItemResponse.objects.get(assessment=assessment, item__key="capacity-building-2")
        services.field_save(
            record=record,
            field="next_steps",
            value="Equity training for the attendance team",
            base_revision=0,
            editor=cabinet_member,
        )
        priority = services.priority_add(assessment=assessment)
        services.field_save(
            record=priority,
            field="title",
            value="Weekly attendance data in every school",
            base_revision=0,
            editor=cabinet_member,
        )
        items = {i.key: i.text for i in Item.objects.filter(key__in=ratings)}
    client.force_login(cabinet_member)
    response = client.get(f"{BASE}{assessment.pk}/action-plan.pdf")
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = "".join("".join(page.extract_text().split()) for page in reader.pages)
    for key, item_text in items.items():
        assert "".join(item_text.split()) in text, key
    for label in ("UrgentGap", "MeasurableProgress", "Don'tknow", "StronglyinPlace"):
        assert label in text
    assert "Equitytrainingfortheattendanceteam" in text
    assert "WeeklyattendancedataineveryschoolNotstarted" in text
    assert "OverallReflections&NextSteps" in text
    assert "Whatareyourdistrict'sgreateststrengths" in text


def test_the_action_plan_spreadsheet_has_items_reflections_and_priorities(
    client, cabinet_member, assessment
):
    agree_on(assessment, {"capacity-building-1": Rating.URGENT_GAP}, editor=cabinet_member)
    client.force_login(cabinet_member)
    response = client.get(f"{BASE}{assessment.pk}/action-plan.xlsx")
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Action plan", "Reflections", "Priorities"]
    rows = list(book["Action plan"].values)
    assert rows[0][5:] == (
        "What are Key Next Steps?",
        "Individuals or Groups Responsible",
        "Target Date",
        "Resources to Leverage",
    )
    assert len(rows) == 36
    assert rows[1][:4] == ("Capacity Building", "1.1", rows[1][2], "Urgent Gap")
    assert rows[1][2].startswith("Our district has a cabinet-led team")
    assert len(list(book["Reflections"].values)) == 7


def test_priorities_are_added_and_removed_from_the_reflections_page(
    client, cabinet_member, assessment
):
    client.force_login(cabinet_member)
    added = client.post(f"{BASE}{assessment.pk}/priorities/")
    with reading():
        priority = Priority.unscoped.get()
    assert added["Location"] == f"{BASE}{assessment.pk}/reflections/#priority-{priority.pk}"
    page = client.get(f"{BASE}{assessment.pk}/reflections/").content.decode()
    assert "Priority 1" in page and "Remove priority 1" in page
    client.post(f"{BASE}{assessment.pk}/priorities/{priority.pk}/remove/")
    with reading():
        assert not Priority.unscoped.exists()
