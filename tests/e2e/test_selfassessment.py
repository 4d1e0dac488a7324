"""A cabinet member works through the self-assessment like a shared document: rates items
(autosaved, surviving a reload), sets a shared priority and downloads the action plan."""

import importlib
import io
import re

import pytest
from django.apps import apps as django_apps
from playwright.sync_api import expect
from pypdf import PdfReader

from districts.tenancy import operator_context
from selfassessment.models import Item, TemplateVersion

from .test_sign_in import sign_in


@pytest.fixture
def planning_tool(transactional_db):
    """Browser tests empty every table after they run, the rows the data migration seeded
    included: put the tool back exactly as the migration writes it."""
    if not TemplateVersion.objects.exists():
        migration = importlib.import_module("selfassessment.migrations.0002_template_version_1")
        # Reference data is the operators' to write once migrations are done.
        with operator_context(reason="test fixture"):
            migration.seed_version_1(django_apps, None)


def test_a_cabinet_member_rates_items_sets_a_priority_and_downloads_the_action_plan(
    journey, planning_tool, cabinet_member, school_year
):
    page = journey.page
    sign_in(journey, cabinet_member)
    journey.go_to("Self-assessment", menu="Planning")
    expect(page.get_by_text("No self-assessment yet")).to_be_visible()
    journey.check("list-empty")
    expect(page.get_by_label("School year")).to_have_value("2026–27")
    page.get_by_role("button", name="Start the assessment").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Cabinet self-assessment")
    journey.check("overview")
    sections = page.get_by_role("navigation", name="Sections of the assessment")

    sections.get_by_role("link", name="1. Capacity Building").click()
    # The rating saves through htmx, a deferred script: a click that lands before the new
    # page has run it changes the radio and sends nothing (seen once on a loaded machine).
    page.wait_for_load_state()
    first = page.get_by_role("article", name=re.compile(r"^1\.1 Our district has a cabinet-led"))
    first.get_by_label("Measurable Progress").check()
    expect(first.get_by_role("status").first).to_contain_text("Your rating is saved")
    first.get_by_label("Team consensus rating for item 1.1").select_option("Measurable Progress")
    expect(page.locator("#assessment-progress")).to_contain_text(
        "1 of 35 items have a team consensus rating"
    )
    steps = first.get_by_label("What are Key Next Steps? for item 1.1")
    steps.fill("Charter the attendance team with academics, health and family engagement")
    expect(page.locator(f"#item-{_response_id(first)}-next_steps-status")).to_contain_text("Saved")
    second = page.get_by_role("article", name=re.compile(r"^1\.2 Our district team has the skills"))
    second.get_by_label("Urgent Gap").check()
    second.get_by_label("Team consensus rating for item 1.2").select_option("Urgent Gap")
    expect(page.locator("#assessment-progress")).to_contain_text(
        "2 of 35 items have a team consensus rating"
    )
    journey.check("capacity-building-rated")

    page.reload()
    first = page.get_by_role("article", name=re.compile(r"^1\.1 Our district has a cabinet-led"))
    expect(first.get_by_label("Measurable Progress")).to_be_checked()
    expect(first.get_by_label("Team consensus rating for item 1.1")).to_have_value(
        "measurable_progress"
    )
    expect(first.get_by_label("What are Key Next Steps? for item 1.1")).to_have_value(
        "Charter the attendance team with academics, health and family engagement"
    )
    expect(first).to_contain_text("by Carol Cabinet")

    sections.get_by_role("link", name="Reflections & priorities").click()
    expect(page.get_by_label("Answer to question 2")).to_have_value(
        re.compile(r"^Weakest ingredients: Capacity Building")
    )
    page.get_by_role("button", name="Add a priority").click()
    title = page.get_by_label("Priority of priority 1")
    title.fill("An attendance team in every school")
    expect(page.locator("[id$='-title-status']")).to_contain_text("Saved")
    page.get_by_label("Status of priority 1").select_option("Under way")
    expect(page.locator("[id$='-status-status']")).to_contain_text("Saved")
    journey.check("reflections-and-priorities")

    sections.get_by_role("link", name="Results").click()
    expect(
        page.get_by_role("img", name=re.compile("Consensus ratings per ingredient"))
    ).to_be_visible()
    journey.check("results")

    sections.get_by_role("link", name="Overview").click()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the action plan (PDF)").click()
    download = download_info.value
    assert download.suggested_filename == "action-plan-2026-27-cabinet-self-assessment.pdf"
    reader = PdfReader(io.BytesIO(download.path().read_bytes()))
    text = "".join("".join(p.extract_text().split()) for p in reader.pages)
    for key in ("capacity-building-1", "capacity-building-2"):
        item_text = Item.objects.get(ingredient__version__number=1, key=key).text
        assert "".join(item_text.split()) in text
    assert "Chartertheattendanceteamwithacademics,healthandfamilyengagement" in text
    assert "Anattendanceteamineveryschool" in text and "Underway" in text


def _response_id(article) -> str:
    control_id = article.get_by_label(re.compile("^What are Key Next Steps")).get_attribute("id")
    return control_id.split("-")[1]
