"""The chain from reasons for absence to results, on tests/tiered.py's district, where:

- Di Dunn (S4, Severe, Adams): reasons housing and food insecurity and transportation
  barriers; an active Tier II intervention naming no reason (so it counts for both);
- Ed Egan (S5, Extreme, Adams): housing and food insecurity; an active Tier III intervention
  naming it, and a planned one (not tried yet: not counted);
- Cy Cole (S3, Moderate, Adams): disengaged; a completed Tier I intervention;
- Ivy Ives (S9, Severe, Banneker): transportation barriers; an active Tier II intervention.

Partners: the food bank (every school) for housing and food insecurity, the youth club's STEM
club (Adams) for disengaged, a bus-pass scheme at Banneker only for transportation barriers.
Cycles: the Adams 2x10 cycle names disengaged; Banneker's Walking School Bus names
transportation barriers.

So at Adams: housing and food insecurity has a partner and no cycle (flagged); transportation
barriers has neither a partner here nor a cycle here; disengaged has both. Across the district
transportation barriers gains Ivy, the Banneker partner and the Banneker cycle.
"""

import csv
import io

import pytest
from django.core.management import call_command
from django.db import DatabaseError, transaction
from django.utils.formats import date_format
from django.utils.timezone import localtime

from districts.models import AuditAction, AuditEvent, District, MembershipSchool, User
from districts.tenancy import system_context
from partners.models import AbsenceReason, Intervention
from pdsa import services
from pdsa.models import ReasonTally, StudyResult, StudySource
from support import services as support_services
from support.models import InterventionStatus
from tests.partners.fixtures import make_entry
from tests.reading import reading
from tests.support import factories as support
from tiering import bands_changed

from .conftest import as_member

DISTRICT_URL = "/d/riverside/pdsa/chain/"

HOUSING, TRANSPORT, DISENGAGED = "housing-food-insecurity", "transportation-barriers", "disengaged"


def _name(code):
    return AbsenceReason.objects.get(code=code).name


def _playbook(tier):
    # The one the support factory records for a tier.
    return Intervention.objects.filter(tier=tier).first().name


def _school_url(school):
    return f"/d/riverside/pdsa/chain/schools/{school.pk}/"


@pytest.fixture(params=["counted as the page opens", "stored by the worker"])
def recorded(
    request,
    tiered,
    school_b,
    school_team_member,
    district_admin,
    principal,
    other_school_principal,
    adams_cycle,
    banneker_cycle,
    club_entry,
    food_entry,
    youth_club,
):
    district, tess = tiered.district, school_team_member
    day = district.today()
    dunn, egan, cole, ives = (support.student(district, s) for s in ("S4", "S5", "S3", "S9"))
    support.conversation(dunn, staff=tess, held_on=day, reasons=[HOUSING, TRANSPORT])
    support.conversation(egan, staff=tess, held_on=day, reasons=[HOUSING])
    support.conversation(cole, staff=tess, held_on=day, reasons=[DISENGAGED])
    support.conversation(ives, staff=other_school_principal, held_on=day, reasons=[TRANSPORT])
    support.intervention(dunn, owner=tess, tier="II")
    support.intervention(egan, owner=tess, tier="III", reason=HOUSING)
    support.intervention(egan, owner=tess, tier="I", status=InterventionStatus.PLANNED)
    support.intervention(cole, owner=tess, tier="I", status=InterventionStatus.COMPLETED)
    support.intervention(ives, owner=district_admin, tier="II")
    make_entry(district, youth_club, provided="Bus passes", schools=[school_b], reasons=[TRANSPORT])
    with as_member(principal):
        services.cycle_links_set(
            cycle=adams_cycle,
            schools=[tiered],
            reasons=AbsenceReason.objects.filter(code=DISENGAGED),
        )
    with as_member(other_school_principal):
        services.cycle_links_set(
            cycle=banneker_cycle,
            schools=[school_b],
            reasons=AbsenceReason.objects.filter(code=TRANSPORT),
        )
    if request.param == "stored by the worker":
        # Every test of the chain reads the same figures from the stored tallies.
        with system_context(district, reason="test"):
            assert services.reason_tallies_refresh(district=district) == 3  # district, 2 schools
    return tiered


def _links(chain):
    return {link.reason.code: link for link in chain.links}


def _bands(link):
    return {band.value: n for band, n in link.bands.cells() if n}


def _tried(link):
    return [(t.intervention.name, t.tier, t.students, t.cycles) for t in link.tried]


def test_a_principal_follows_each_reason_at_their_school(client, principal, recorded):
    client.force_login(principal)

    response = client.get(DISTRICT_URL, follow=True)

    assert response.redirect_chain[-1][0] == _school_url(recorded)
    chain = response.context["chain"]
    assert [f.family for f in chain.families] == ["Barriers", "Disengagement"]
    links = _links(chain)
    assert list(links) == [TRANSPORT, HOUSING, DISENGAGED]  # the taxonomy's order
    assert chain.students == 3  # Dunn, Egan and Cole; Ives is Banneker's

    housing = links[HOUSING]
    assert _bands(housing) == {"severe_chronic": 1, "extreme_chronic": 1}
    assert [str(e) for e in housing.partners] == ["Springfield County Food Bank: food"]
    # Dunn's Tier II names no reason, so it counts for each of his; Egan's planned one waits.
    assert _tried(housing) == [
        (_playbook("II"), "Tier II", 1, 0),
        (_playbook("III"), "Tier III", 1, 0),
    ]
    assert housing.cycles == [] and housing.untested

    transport = links[TRANSPORT]
    assert _bands(transport) == {"severe_chronic": 1}
    assert transport.partners == []  # the bus passes serve Banneker only
    assert _tried(transport) == [(_playbook("II"), "Tier II", 1, 0)]
    assert transport.cycles == [] and not transport.untested

    disengaged = links[DISENGAGED]
    assert _bands(disengaged) == {"moderate_chronic": 1}
    assert [e.provided for e in disengaged.partners] == ["After-school STEM club"]
    assert _tried(disengaged) == [(_playbook("I"), "Tier I", 1, 0)]
    assert [c.cycle.title for c in disengaged.cycles] == ["2x10 Strategy"]
    assert not disengaged.untested
    assert [link.reason.code for link in chain.untested] == [HOUSING]

    # The school's band mix: Adams' eight students.
    assert {b.value: n for b, n in chain.mix.cells() if n} == {
        "satisfactory": 2,
        "at_risk": 1,
        "moderate_chronic": 2,
        "severe_chronic": 1,
        "extreme_chronic": 1,
        "not_yet_rated": 1,
    }
    page = response.content.decode()
    assert "Partners but no tested intervention (1)" in page
    assert "No Study result computed yet." in page
    # The counts are in the access record, with no names.
    with reading():
        event = AuditEvent.objects.filter(purpose__startswith="PDSA chain").get()
    assert event.action == AuditAction.VIEW
    assert event.row_count == 3 and event.object_ids == []
    assert event.purpose == (
        "PDSA chain of Adams Elementary School: students by reason for absence and band (counts)"
    )


def test_district_roles_see_the_chain_across_schools(client, cabinet_member, recorded):
    client.force_login(cabinet_member)

    page = client.get(DISTRICT_URL)
    chain = page.context["chain"]
    # Every school's own chain is a link away.
    assert f'<a href="{_school_url(recorded)}">{recorded.name}</a>' in page.content.decode()

    transport = _links(chain)[TRANSPORT]
    assert _bands(transport) == {"severe_chronic": 2}  # Dunn and Ives
    assert [e.provided for e in transport.partners] == ["Bus passes"]
    assert _tried(transport) == [(_playbook("II"), "Tier II", 2, 0)]
    assert [c.cycle.title for c in transport.cycles] == ["Walking School Bus"]
    assert chain.students == 4


def test_the_chain_downloads_as_csv_and_excel(client, district_admin, recorded):
    client.force_login(district_admin)

    response = client.get(_school_url(recorded) + "?format=csv")

    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:2] == ["Root cause", "Reason for absence"]
    assert rows[0][-1] == "Partners but no tested intervention"
    assert [row[1] for row in rows[1:]] == [_name(TRANSPORT), _name(HOUSING), _name(DISENGAGED)]
    housing = rows[2]
    assert housing[:2] == ["Barriers", _name(HOUSING)]
    # Satisfactory, At-risk, Moderate, Severe, Extreme, not yet rated; students.
    assert housing[2:9] == ["0", "0", "0", "1", "1", "0", "2"]
    assert housing[9] == "Springfield County Food Bank: food"
    assert housing[-1] == "Yes"
    assert rows[3][1] == _name(DISENGAGED)
    assert rows[3][11] == "2x10 Strategy, cycle 1 (Plan; no Study result yet)"

    xlsx = client.get(_school_url(recorded) + "?format=xlsx")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    with reading():
        exported = AuditEvent.objects.filter(action=AuditAction.EXPORT).order_by("pk")
        assert [e.purpose.rsplit(" ", 1)[1] for e in exported] == ["(CSV)", "(XLSX)"]


def test_the_chain_is_staff_only_and_school_roles_keep_to_their_schools(
    client, recorded, other_school_principal, pia, school_b
):
    client.force_login(other_school_principal)
    assert client.get(_school_url(recorded)).status_code == 404
    chain = client.get(_school_url(school_b)).context["chain"]
    # The food bank serves every school; the bus passes and Ives are Banneker's.
    assert list(_links(chain)) == [TRANSPORT, HOUSING]
    client.force_login(pia)
    assert client.get(DISTRICT_URL).status_code == 403
    assert client.get(_school_url(school_b)).status_code == 403


def test_a_cycle_shows_its_study_once_one_is_stored(client, principal, recorded, adams_cycle):
    client.force_login(principal)
    [cycle] = _links(client.get(_school_url(recorded)).context["chain"])[DISENGAGED].cycles
    assert cycle.result is None
    # A stored Study (services.cycle_study_refresh writes these; its figures are tested in
    # test_study_results.py): the chain shows the latest window's summary.
    with reading(recorded.district):
        StudyResult.objects.create(
            district=recorded.district,
            cycle=adams_cycle,
            source=StudySource.DAILY,
            comparisons=[
                {"window": "two weeks after", "summary": "Better by 3.0 points."},
                {"window": "one month after", "summary": "Better by 4.5 points."},
            ],
        )
    page = client.get(_school_url(recorded))
    [cycle] = _links(page.context["chain"])[DISENGAGED].cycles
    assert cycle.result == "One month after: Better by 4.5 points."
    assert "One month after: Better by 4.5 points." in page.content.decode()


def test_the_demo_principal_follows_the_chain_at_their_school(db, tmp_path, client):
    """The demo's support records, partners and three cycles meet on the principal's page."""
    call_command(
        "seed_demo",
        "--students",
        "700",
        "--as-of",
        "2026-11-23",
        "--output",
        tmp_path,
        stdout=io.StringIO(),
    )
    principal = User.objects.get(email="principal@cedarvalley.example")
    with system_context(District.objects.get(slug="cedar-valley"), reason="test"):
        school = MembershipSchool.objects.get(membership__user=principal).school
    client.force_login(principal)

    response = client.get(f"/d/cedar-valley/pdsa/chain/schools/{school.pk}/")

    links = _links(response.context["chain"])
    transport = links[TRANSPORT]
    assert transport.bands.total > 0
    assert "Grace Community Church: Walking School Bus volunteers" in map(str, transport.partners)
    assert [c.cycle.title for c in transport.cycles] == ["Walking School Bus"]
    # The 2x10 cycles name lack of connectedness and the Playbook's mentors, tried for it.
    assert {c.cycle.title for c in links["lack-connectedness"].cycles} == {"2x10 Strategy"}
    # Partners are aligned to health and housing, and no cycle has tested anything for them.
    untested = {link.reason.code for link in response.context["chain"].untested}
    assert {"anxiety", HOUSING} <= untested


def _counts(chain):
    return {code: (_bands(link), _tried(link)) for code, link in _links(chain).items()}


def test_the_stored_counts_say_when_they_were_taken_and_follow_every_change(
    client,
    cabinet_member,
    tiered,
    school_team_member,
    principal,
    adams_cycle,
    django_capture_on_commit_callbacks,
):
    """Stored counts are what the page shows, with when they were counted, until the worker
    counts again: after a Caring Conversation recorded through the services (the support
    hook), and after an import or a recompute (the bands hook)."""
    district, tess = tiered.district, school_team_member
    dunn, egan = support.student(district, "S4"), support.student(district, "S5")
    support.conversation(dunn, staff=tess, held_on=district.today(), reasons=[HOUSING])
    client.force_login(cabinet_member)
    page = client.get(DISTRICT_URL)
    assert page.context["chain"].counted_at is None
    assert "counted as this page opened" in page.content.decode()

    with system_context(district, reason="test"):
        services.reason_tallies_refresh(district=district)
        counted = ReasonTally.objects.get(school=None).computed_at
    page = client.get(DISTRICT_URL)
    chain = page.context["chain"]
    assert chain.counted_at == counted and chain.students == 1
    assert _counts(chain) == {HOUSING: ({"severe_chronic": 1}, [])}
    assert f"counted {date_format(localtime(counted), 'M j, Y, g:i a')}" in (page.content.decode())

    # A record written behind the services' back stays out of the stored counts: stale.
    support.conversation(egan, staff=tess, held_on=district.today(), reasons=[HOUSING])
    assert client.get(DISTRICT_URL).context["chain"].students == 1

    # Through the services, the change's commit has the worker count again.
    with as_member(principal), django_capture_on_commit_callbacks(execute=True):
        support_services.caring_conversation_create(
            student=egan,
            fields=support_services.ConversationFields(
                held_on=district.today(),
                staff=tess,
                with_whom="family",
                reasons=list(AbsenceReason.objects.filter(code=DISENGAGED)),
            ),
            recorded_by=principal,
        )
    chain = client.get(DISTRICT_URL).context["chain"]
    assert chain.counted_at > counted and chain.students == 2
    assert _counts(chain) == {
        HOUSING: ({"severe_chronic": 1, "extreme_chronic": 1}, []),
        DISENGAGED: ({"extreme_chronic": 1}, []),
    }

    # An import's or recompute's hook counts again too (the intervention below was written
    # behind the services' back, so only the hook brings it in).
    support.intervention(dunn, owner=tess, tier="II", reason=HOUSING)
    with django_capture_on_commit_callbacks(execute=True):
        bands_changed.hooks.notify(district_id=district.pk)
    chain = client.get(DISTRICT_URL).context["chain"]
    assert _tried(_links(chain)[HOUSING]) == [(_playbook("II"), "Tier II", 1, 0)]


def test_the_stored_counts_keep_behind_the_walls(
    recorded, principal, other_school_principal, pia, school_b
):
    """Adams's principal reads Adams's tally only: not Banneker's, not the district's; partner
    staff have no privilege on them at all (counted from students' records)."""
    district = recorded.district
    with system_context(district, reason="test"):
        services.reason_tallies_refresh(district=district)
    with as_member(principal):
        assert [t.school_id for t in ReasonTally.unscoped.all()] == [recorded.pk]
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            ReasonTally.unscoped.filter(school=recorded).update(school=school_b)
    with (
        as_member(pia),
        pytest.raises(DatabaseError, match="permission denied"),
        transaction.atomic(),
    ):
        list(ReasonTally.unscoped.all())
