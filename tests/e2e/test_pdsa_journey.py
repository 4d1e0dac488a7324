"""Issue 19's journey, axe-clean: a school attendance-team member starts a cycle from the 2x10
template, filters Moderate chronic on the tiered list and adds eight students to it, is refused
Do until every question has a prediction, ticks check-ins on the 2x10 grid; an import of later
attendance recomputes the Study, which shows the result and the run chart; the team chooses
Adapt and starts cycle 2. The hand-made group of eight (tests/pdsa/handmade.py): +10.0 points
against four comparable students, descriptive only."""

import re
from datetime import date

from playwright.sync_api import expect
from pypdf import PdfReader

from ..pdsa.handmade import GROUP, GROUP_MARKS, GROUP_ROSTER, daily, import_days
from ..sis import import_file
from ..tiered import write
from .test_sign_in import sign_in

NOV_13 = date(2026, 11, 13)
EIGHT = GROUP[:8]


def test_a_team_tests_the_2x10_strategy_with_eight_students_and_starts_cycle_2(
    journey, district, school_year, school_a, school_b, school_team_member, template, tmp_path
):
    import_days(district, tmp_path, date(2026, 10, 16), roster=GROUP_ROSTER, marks_of=GROUP_MARKS)
    page = journey.page
    sign_in(journey, school_team_member)

    # A new cycle from the 2x10 template, with the test's dates.
    journey.go_to("PDSA cycles", menu="Planning")
    page.get_by_role("link", name="Start a new cycle").click()
    page.get_by_label("Template: 2x10 Relationship Strategy").check()
    page.get_by_label("Adams Elementary School").check()
    journey.check("new-cycle")
    page.get_by_role("button", name="Start the cycle").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("2x10 Strategy cycle 1")
    cycle_url = page.url
    page.get_by_role("link", name="Edit the worksheet").click()
    page.get_by_label("Date of test: first day").fill("2026-10-19")
    page.get_by_label("Date of test: last day").fill("2026-10-30")
    page.get_by_role("button", name=re.compile("^Save")).click()
    expect(page.get_by_role("status")).to_contain_text("The worksheet is saved.")

    # Eight of the twelve Moderate-chronic students, from the tiered list.
    journey.open(f"/d/riverside/attendance/schools/{school_a.pk}/")
    page.get_by_label("Band").select_option("moderate_chronic")
    expect(page).to_have_url(re.compile(r"band=moderate_chronic"))
    expect(page.locator("#tiered-list tbody tr")).to_have_count(12)
    actions = page.get_by_role("group", name="Add to a PDSA cycle")
    expect(actions.get_by_label("PDSA cycle (in Plan or Do)")).to_contain_text(
        "2x10 Strategy, cycle 1 (Plan)"
    )
    for _, first, last in EIGHT:
        page.get_by_label(f"Choose {first} {last}").check()
    journey.check("list-eight-ticked")
    actions.get_by_role("button", name="Add the ticked students").click()
    expect(page.get_by_role("status")).to_contain_text("8 students added to the cycle.")
    grid = page.locator(".pdsa-grid tbody tr")
    expect(grid).to_have_count(8)
    expect(grid.first).to_contain_text("Moderate Chronic Absence")

    # Do is refused while a question lacks its prediction, naming the questions.
    page.get_by_role("link", name="← The worksheet").click()
    q4 = page.get_by_role("group", name="Q4")
    q4.get_by_label("Prediction").fill("")
    q4.get_by_role("button", name="Save Q4").click()
    add = page.get_by_role("group", name="Add a learning question")
    add.get_by_label("What do you hope to learn from this test?").fill(
        "Do the students' teachers notice a difference in class?"
    )
    add.get_by_role("button", name="Add the question").click()
    page.get_by_role("button", name="Move to Do").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Make a prediction for each question before the test starts (not optional): "
        "Q4, Q6 have none yet."
    )
    expect(page.get_by_role("heading", name="Stage: Plan")).to_be_visible()
    journey.check("do-refused")
    for label, prediction in (
        ("Q4", "The team will want to try it with one more student each."),
        ("Q6", "Teachers of the students who check in all ten days will notice."),
    ):
        question = page.get_by_role("group", name=label)
        question.get_by_label(re.compile("^Prediction")).fill(prediction)
        question.get_by_role("button", name=f"Save {label}").click()
    page.get_by_role("button", name="Move to Do").click()
    expect(page.get_by_role("status")).to_contain_text("The cycle is now in Do.")

    # The 2x10 grid: every student's first check-in, and all ten of Ana's.
    page.get_by_role("link", name="Participants and the 2x10 grid").click()
    for _, first, last in EIGHT:
        page.get_by_label(f"{first} {last}, Monday, October 19").check()
    for day in ("20", "21", "22", "23", "26", "27", "28", "29", "30"):
        page.get_by_label(re.compile(rf"^Ana Acosta, \w+, October {day}$")).check()
    page.get_by_role("button", name="Save the grid").click()
    expect(page.get_by_role("status")).to_contain_text("The grid is saved.")
    expect(page.get_by_text("17 of 80 planned")).to_be_visible()
    journey.check("grid-ticked")

    # The attendance to Nov 13 arrives; the import's recompute step recomputes the Study.
    record = import_file(
        district, write(tmp_path, "to-nov-13.csv", daily(NOV_13, GROUP_MARKS)), as_of=NOV_13
    )
    assert record.status == "succeeded", record.errors
    page.goto(cycle_url)
    page.get_by_role("button", name="Move to Study").click()
    expect(page.get_by_role("status")).to_contain_text("The cycle is now in Study.")
    study = page.locator("#study-comparison ~ div").first
    expect(study).to_contain_text("+10.0 points")
    expect(page.get_by_text("8 participants; 4 comparison students")).to_be_visible()
    expect(page.get_by_text("too few students to tell an effect from chance").first).to_be_visible()
    expect(page.locator(".run-chart svg")).to_be_visible()
    progress = page.locator("#progress-questions + dl")
    expect(progress).to_contain_text("8 students reached; 17 of 80 planned sessions held.")
    expect(progress).to_contain_text("1 of 8 students completed all sessions")
    journey.check("study")

    # The worksheet's PDF names the participants, with the Study beside the predictions.
    with page.expect_download() as download:
        page.get_by_role("link", name="PDF (names the participants)").click()
    reader = PdfReader(download.value.path())
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    assert "Acosta, Ana M1" in text and "+10.0 points" in text

    # Act: Adapt, then cycle 2 from this one's plan (the ramp).
    act = page.get_by_role("region", name="Act")
    act.get_by_label("Adapt (tweak the process and try again)").check()
    act.get_by_label(re.compile("^Describe modifications")).fill(
        "Develop criteria to prioritize students selected to participate"
    )
    act.get_by_role("button", name="Save the decision").click()
    expect(page.get_by_role("heading", name="Stage: Act")).to_be_visible()
    page.get_by_role("button", name="Start the next cycle from this one").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("2x10 Strategy cycle 2")
    expect(page.get_by_role("status")).to_contain_text("Cycle 2 starts from cycle 1's plan.")
    expect(page.get_by_role("heading", name="Stage: Plan")).to_be_visible()
    expect(
        page.get_by_role("group", name="Q6").get_by_label(re.compile("^Prediction"))
    ).to_have_value("Teachers of the students who check in all ten days will notice.")
    journey.check("cycle-2")
    page.get_by_role("link", name="Every cycle of this change idea").click()
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Adapt")
    journey.check("ramp")
