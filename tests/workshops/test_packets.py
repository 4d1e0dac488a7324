"""Packets and the cohort: consent item by item gates what the facilitator sees, withdrawal
takes it away at once, and every figure is suppressed with the workshop's minimum n."""

from datetime import date

from districts.tenancy import system_context
from workshops import selectors, services
from workshops.context import facilitating
from workshops.models import ConsentItem, PacketTable

from .conftest import accept, materialise


def _cohort(facilitator, workshop):
    with facilitating(facilitator):
        return selectors.cohort(workshop=workshop)


def _keys(facilitator, workshop):
    with facilitating(facilitator):
        return sorted(PacketTable.across_districts.values_list("key", flat=True))


def test_consent_items_gate_exactly_what_the_facilitator_sees(
    workshop, facilitator, riverside_invitation, district, district_admin
):
    accept(riverside_invitation, district, district_admin, [ConsentItem.BANDS])
    assert _keys(facilitator, workshop) == ["district"]
    with system_context(district, reason="test"):
        services.consent_set(
            invitation=riverside_invitation,
            items=[ConsentItem.BANDS, ConsentItem.BREAKDOWNS],
            by=district_admin,
        )
    materialise(district)
    keys = _keys(facilitator, workshop)
    assert {"district", "schools", "grade", "disability", "english_learner"} <= set(keys)
    assert "zip_code" not in keys


def test_withdrawal_removes_the_districts_data_at_once(
    workshop, facilitator, riverside_invitation, district, district_admin
):
    accept(
        riverside_invitation, district, district_admin, [ConsentItem.BANDS, ConsentItem.BREAKDOWNS]
    )
    with system_context(district, reason="test"):
        change = services.consent_set(
            invitation=riverside_invitation, items=[ConsentItem.BANDS], by=district_admin
        )
    # No task has run: the withdrawal itself took the figures out.
    assert change.withdrawn == [ConsentItem.BREAKDOWNS]
    assert _keys(facilitator, workshop) == ["district"]
    with system_context(district, reason="test"):
        services.invitation_respond(
            invitation=riverside_invitation, accept=False, items=[], by=district_admin
        )
    assert _keys(facilitator, workshop) == []
    assert _cohort(facilitator, workshop) == []


def test_a_small_school_shows_under_the_minimum_in_the_cohort(
    workshop, facilitator, riverside_invitation, district, district_admin
):
    accept(
        riverside_invitation,
        district,
        district_admin,
        [ConsentItem.BANDS, ConsentItem.BREAKDOWNS, ConsentItem.NAME],
    )
    (group,) = _cohort(facilitator, workshop)
    (riverside,) = group.districts
    assert riverside.label == "Riverside Unified School District" or riverside.named
    schools = next(t for t in riverside.tables if t.key == "schools")
    by_school = {row["label"]: row for row in schools.figures["rows"]}
    # Adams has 8 students, Banneker 2: both under 10, and no figure of theirs is stored.
    assert {row["students"]["text"] for row in by_school.values()} == {"< 10"}
    for row in by_school.values():
        for cell in (*row["bands"], row["students"]):
            assert cell["value"] is None or cell["value"] == 0 or cell["value"] >= 10
        assert row["rate"]["text"] == "group under 10"
    district_row = riverside.overview.figures["rows"][0]
    assert district_row["students"]["text"] == "10"


def test_an_anonymised_district_is_shown_by_its_alias_and_numbered_schools(
    workshop, facilitator, riverside_invitation, district, district_admin
):
    accept(
        riverside_invitation, district, district_admin, [ConsentItem.BANDS, ConsentItem.BREAKDOWNS]
    )
    (group,) = _cohort(facilitator, workshop)
    (riverside,) = group.districts
    assert riverside.label == "District A"
    schools = next(t for t in riverside.tables if t.key == "schools")
    assert [row["label"] for row in schools.figures["rows"]] == ["School 1", "School 2"]


def test_a_new_minimum_is_applied_to_the_stored_packet(
    workshop, facilitator, riverside_invitation, district, district_admin
):
    accept(riverside_invitation, district, district_admin, [ConsentItem.BANDS])
    with facilitating(facilitator):
        services.workshop_update(
            workshop=workshop,
            fields=services.WorkshopFields(
                title=workshop.title,
                first_day=workshop.first_day,
                last_day=workshop.last_day,
                place=workshop.place,
                minimum_n=11,
            ),
            sessions=[],
            by=facilitator,
        )
    materialise(district)
    (group,) = _cohort(facilitator, workshop)
    assert group.districts[0].overview.figures["rows"][0]["students"]["text"] == "< 11"


def test_the_packet_follows_the_districts_new_bands(
    workshop, facilitator, riverside_invitation, district, district_admin, settings, tmp_path
):
    """tiering.bands_changed's hook rewrites the packet of every accepted invitation."""
    from attendance_platform.celery import app
    from tiering import bands_changed

    from ..sis import import_file
    from ..tiered import CURRENT, write

    accept(riverside_invitation, district, district_admin, [ConsentItem.BANDS])
    with facilitating(facilitator):
        assert PacketTable.across_districts.get().as_of == date(2026, 11, 20)
    later = CURRENT.replace("S10,102,5,40,0", "S10,102,5,45,0")
    record = import_file(district, write(tmp_path, "later.csv", later), as_of=date(2026, 12, 4))
    assert record.status == "succeeded", record.errors
    # The hook queues the district's task; here it runs at once rather than in a worker.
    app.conf.task_always_eager = True
    try:
        bands_changed.hooks.notify(district_id=district.pk)
    finally:
        app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER
    with facilitating(facilitator):
        assert PacketTable.across_districts.get().as_of == date(2026, 12, 4)
