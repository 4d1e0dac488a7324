"""The planning items of a district's packet: the self-assessment profile with its priorities,
its action plan, partner coverage by reason for absence (health-related reasons first) and the
PDSA cycles' results. Each is materialised only while consented, its student counts suppressed,
and withdrawing it takes it out at once."""

from datetime import date

import pytest
from django.urls import reverse

from districts.tenancy import system_context
from pdsa import services as pdsa_services
from pdsa.models import StudyResult, StudySource
from selfassessment import services as selfassessment_services
from selfassessment.models import ItemResponse, Priority, Rating
from tests.partners.fixtures import make_entry
from tests.selfassessment.conftest import agree_on
from workshops import services
from workshops.context import facilitating
from workshops.models import ConsentItem, PacketTable
from workshops.packet_planning import HEALTH_REASON_CODES

from .conftest import accept
from .test_workshop_pdfs import _text as pdf_reading

PLANNING = [
    ConsentItem.SELF_ASSESSMENT,
    ConsentItem.ACTION_PLAN,
    ConsentItem.PARTNER_COVERAGE,
    ConsentItem.PDSA_RESULTS,
]


def _tables(facilitator) -> dict[str, PacketTable]:
    with facilitating(facilitator):
        return {t.key: t for t in PacketTable.across_districts.all()}


def _rows(table: PacketTable) -> dict[str, list[str]]:
    return {row["label"]: [c["text"] for c in row["cells"]] for row in table.figures["rows"]}


@pytest.fixture
def assessment(district, cabinet_member):
    with system_context(district, reason="test fixture"):
        return selfassessment_services.assessment_create(
            district=district,
            created_by=cabinet_member,
            school_year="2026-27",
            title="Cabinet self-assessment",
        )


def _plan_item(rated, key, **fields):
    with system_context(rated.district, reason="test"):
        response = ItemResponse.objects.get(assessment=rated, item__key=key)
        for name, value in fields.items():
            setattr(response, name, value)
        response.save()


def _priority(rated, title, lead):
    with system_context(rated.district, reason="test"):
        priority = selfassessment_services.priority_add(assessment=rated)
        Priority.objects.filter(pk=priority.pk).update(title=title, lead=lead)


def _study(district, principal, school_a, *, participants, comparison):
    """A cycle with a stored Study: aggregates only, as pdsa.services stores them."""
    with system_context(district, reason="test"):
        cycle = pdsa_services.cycle_create(
            district=district, created_by=principal, schools=[school_a], title="2x10 at Adams"
        )
        StudyResult.objects.create(
            district=district,
            cycle=cycle,
            source=StudySource.DAILY,
            participants_n=participants,
            comparison_n=comparison,
            comparisons=[
                {"window": "after the test", "summary": "participants' rate fell 4 points"}
            ],
        )
    return cycle


def test_each_planning_item_is_materialised_only_while_consented(
    workshop,
    facilitator,
    riverside_invitation,
    district,
    district_admin,
    cabinet_member,
    assessment,
    youth_club,
    school_a,
    principal,
):
    agree_on(
        assessment,
        {"capacity-building-1": Rating.URGENT_GAP, "capacity-building-2": Rating.STRONGLY_IN_PLACE},
        editor=cabinet_member,
    )
    _plan_item(
        assessment,
        "capacity-building-1",
        next_steps="Name an attendance lead per school",
        responsible="Cabinet",
        target_date=date(2027, 3, 1),
    )
    _priority(assessment, "Align nurses and attendance teams", "Carol Cabinet")
    make_entry(district, youth_club, provided="Clinic days", reasons=["chronic-acute-illness"])
    _study(district, principal, school_a, participants=12, comparison=30)

    accept(riverside_invitation, district, district_admin, [ConsentItem.BANDS])
    assert set(_tables(facilitator)) == {"district"}

    accept(riverside_invitation, district, district_admin, PLANNING)
    tables = _tables(facilitator)
    assert set(tables) == {
        "self_assessment",
        "priorities",
        "action_plan",
        "partner_coverage",
        "pdsa_results",
    }
    capacity = next(iter(_rows(tables["self_assessment"]).values()))
    # Strongly in Place, Measurable Progress, Needs Improvement, Urgent Gap, not rated, average.
    assert capacity[0] == "1" and capacity[3] == "1" and capacity[-1] == "2.5 of 4"
    assert _rows(tables["priorities"])["1. Align nurses and attendance teams"][0] == "Carol Cabinet"
    (plan_row,) = _rows(tables["action_plan"]).values()
    assert plan_row[:4] == [
        "Urgent Gap",
        "Name an attendance lead per school",
        "Cabinet",
        "Mar 1, 2027",
    ]
    (cycle_row,) = _rows(tables["pdsa_results"]).values()
    assert cycle_row[1:4] == ["12", "30", "After the test: participants' rate fell 4 points"]

    with system_context(district, reason="test"):
        change = services.consent_set(
            invitation=riverside_invitation,
            items=[ConsentItem.PARTNER_COVERAGE],
            by=district_admin,
        )
    # Withdrawn in the same transaction, no task run.
    assert set(change.withdrawn) == {
        ConsentItem.SELF_ASSESSMENT,
        ConsentItem.ACTION_PLAN,
        ConsentItem.PDSA_RESULTS,
    }
    assert set(_tables(facilitator)) == {"partner_coverage"}


def test_partner_coverage_lists_health_related_reasons_first(
    workshop,
    facilitator,
    riverside_invitation,
    district,
    district_admin,
    youth_club,
    school_a,
    school_b,
):
    make_entry(
        district,
        youth_club,
        provided="Telehealth",
        schools=[school_a],
        reasons=["health-care-access", "transportation-barriers"],
    )
    accept(riverside_invitation, district, district_admin, [ConsentItem.PARTNER_COVERAGE])
    table = _tables(facilitator)["partner_coverage"]
    labels = [row["label"] for row in table.figures["rows"]]
    health = [row for row in table.figures["rows"] if row["cells"][0]["text"] == "Health"]
    assert labels[: len(health)] == [row["label"] for row in health]
    assert len(health) == len(HEALTH_REASON_CODES)
    rows = _rows(table)
    assert rows["Lack of access to health care, eyeglasses, dentistry"][1:] == [
        "1 of 2",
        "Riverside Youth Club",
    ]
    assert rows["Transportation Barriers"][1] == "1 of 2"
    assert rows["Chronic and acute illness"][1:] == ["0 of 2", "No partner yet"]


def test_a_pdsa_groups_small_count_is_suppressed_and_its_result_withheld(
    workshop, facilitator, riverside_invitation, district, district_admin, school_a, principal
):
    _study(district, principal, school_a, participants=4, comparison=40)
    accept(riverside_invitation, district, district_admin, [ConsentItem.PDSA_RESULTS])
    (cycle_row,) = _tables(facilitator)["pdsa_results"].figures["rows"]
    participants, comparison, result = cycle_row["cells"][1:4]
    assert participants == {"text": "< 10", "value": None, "hidden": True}
    assert comparison["value"] == 40
    # The result's words carry the small group's rate: not shown.
    assert result["text"] == "Not shown: a group under 10 students."
    assert 4 not in [cell["value"] for cell in cycle_row["cells"]]


def test_the_packet_pages_and_pdfs_read_back(
    client,
    workshop,
    facilitator,
    riverside_invitation,
    tiered,
    district,
    district_admin,
    youth_club,
):
    make_entry(district, youth_club, provided="Clinic", reasons=["chronic-acute-illness"])
    accept(
        riverside_invitation,
        district,
        district_admin,
        [ConsentItem.BANDS, ConsentItem.BREAKDOWNS, ConsentItem.PARTNER_COVERAGE],
    )
    client.force_login(district_admin)
    kwargs = {"district_slug": district.slug, "invitation_id": riverside_invitation.pk}
    page = client.get(reverse("district_workshops:packet", kwargs=kwargs))
    assert page.status_code == 200
    text = page.content.decode()
    # The district reads its own packet under its own name, its schools named.
    assert "Data packet: Riverside" in text and "Adams Elementary School" in text
    assert text.index("band-chart") < text.index("<table")
    assert "Partner coverage by reason for absence" in text
    pdf = client.get(reverse("district_workshops:packet_pdf", kwargs=kwargs))
    pdf_text = " ".join(pdf_reading(pdf.content).split())
    assert "Data packet: Riverside" in pdf_text and "Riverside Youth Club" in pdf_text
    assert "Confidential" in pdf_text and "Page 1 of" in pdf_text

    client.force_login(facilitator)
    kwargs = {"workshop_id": workshop.pk, "invitation_id": riverside_invitation.pk}
    page = client.get(reverse("workshops:packet", kwargs=kwargs)).content.decode()
    # Not named to the workshop: its alias, its schools numbered.
    assert "Data packet: District A" in page and "School 1" in page
    assert "Adams Elementary School" not in page and "Riverside Unified" not in page
    pdf = client.get(reverse("workshops:packet_pdf", kwargs=kwargs))
    pdf_text = " ".join(pdf_reading(pdf.content).split())
    assert "Data packet: District A" in pdf_text and "Adams" not in pdf_text
    # Its partners' names would name it: counted instead.
    assert "Chronic and acute illness Health 2 of 2 1 partner" in pdf_text
    assert "Youth Club" not in pdf_text and "Youth Club" not in page
