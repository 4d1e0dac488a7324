"""Each reason for absence once: the twins the two source tables named (migration 0003) are
one reason, with the other table's wording as its description, and every link follows."""

import csv
import importlib
import io
import json

from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction

from districts import db_walls
from districts.tenancy import operator_context
from partners.models import AbsenceReason, Intervention, PartnerEntry
from tests.partners.fixtures import make_entry
from tests.reading import reading

MERGE = importlib.import_module("partners.migrations.0003_merge_twin_absence_reasons")
TWINS = {
    "transportation-barriers": ("Transportation Barriers", "Poor transportation"),
    "family-work-responsibilities": (
        "Family/Work Responsibilities",
        "Family responsibilities—sibling, eldercare, etc.",
    ),
    "anxiety": ("Anxiety", "Social anxiety"),
}


def _coverage_rows(client) -> dict[str, list[str]]:
    export = client.get("/d/riverside/partners/coverage/?format=csv").content.decode()
    return {row[1]: row[2:] for row in list(csv.reader(io.StringIO(export)))[1:]}


def test_the_coverage_map_lists_each_reason_once_with_the_other_wording(
    client, cabinet_member, youth_club, school_a, school_b
):
    make_entry(
        youth_club.district,
        youth_club,
        provided="Bus passes and a walking school bus",
        reasons=["transportation-barriers"],
    )
    names = list(AbsenceReason.objects.values_list("name", flat=True))
    assert len(names) == 27
    for code, (name, wording) in TWINS.items():
        reason = AbsenceReason.objects.get(code=code)
        assert (reason.name, reason.description) == (name, wording)
        assert wording not in names
    client.force_login(cabinet_member)
    rows = _coverage_rows(client)
    assert rows["Transportation Barriers"] == ["Riverside Youth Club"] * 2
    assert "Poor transportation" not in rows
    page = client.get("/d/riverside/partners/coverage/").content.decode()
    assert page.count("Poor transportation") == 1  # the description, under its reason


def test_the_entry_form_offers_each_reason_once(client, district_admin, youth_club):
    client.force_login(district_admin)
    page = client.get("/d/riverside/partners/new/").content.decode()
    assert "Transportation Barriers (Poor transportation)" in page
    assert page.count("Social anxiety") == 1


def test_a_registry_exported_before_the_merge_still_imports(
    client, district_admin, youth_club, district
):
    entry = make_entry(district, youth_club, provided="Carpools", reasons=["anxiety"])
    client.force_login(district_admin)
    document = json.loads(client.get("/d/riverside/partners/hsds/export/").content)
    for attribute in document["services"][0]["attributes"]:
        if attribute["taxonomy_term"]["code"] == "anxiety":
            attribute["taxonomy_term"]["code"] = "poor-transportation"
    upload = SimpleUploadedFile(
        "partners.json", json.dumps(document).encode(), content_type="application/json"
    )
    response = client.post("/d/riverside/partners/hsds/import/", {"file": upload})
    assert response.status_code == 302, response.content.decode()
    with reading(district):
        codes = set(PartnerEntry.objects.get(pk=entry.pk).reasons.values_list("code", flat=True))
    assert codes == {"transportation-barriers"}


def _twin_again(code, family, name, position):
    with operator_context(reason="test: a twin as migration 0002 seeded it"):
        return AbsenceReason.objects.create(code=code, family=family, name=name, position=position)


def test_merging_moves_every_link_from_a_twin_to_the_kept_reason(
    transactional_db, district, other_district, youth_club, taxonomy, lakeview_entry
):
    """The migration's step on hand-made rows, as the migration runs it: as the tables'
    owner, to whom row-level security applies too, across two districts."""
    poor = _twin_again("poor-transportation", "barriers", "Poor transportation", 5)
    social = _twin_again("social-anxiety", "aversion", "Social anxiety", 10)
    with operator_context(reason="test: an intervention aligned to a twin"):
        Intervention.objects.create(
            code="talk-it-through", name="Talk it through", reason=social, position=99
        )
    only_twin = make_entry(
        district, youth_club, provided="Bus passes", reasons=["poor-transportation"]
    )
    both = make_entry(
        district,
        youth_club,
        provided="Rides and counselling",
        reasons=["poor-transportation", "transportation-barriers", "social-anxiety"],
    )
    elsewhere = make_entry(
        other_district,
        lakeview_entry.organization,
        provided="Bus buddies",
        reasons=["poor-transportation", "disengaged"],
    )

    with (
        db_walls.owner_connection(),
        transaction.atomic(),
        connection.schema_editor(atomic=False) as editor,
    ):
        MERGE.merge(apps, editor)

    def codes(entry, where):
        with reading(where):
            return sorted(
                PartnerEntry.objects.get(pk=entry.pk).reasons.values_list("code", flat=True)
            )

    assert codes(only_twin, district) == ["transportation-barriers"]
    assert codes(both, district) == ["anxiety", "transportation-barriers"]
    assert codes(elsewhere, other_district) == ["disengaged", "transportation-barriers"]
    assert Intervention.objects.get(code="talk-it-through").reason.code == "anxiety"
    assert not AbsenceReason.objects.filter(pk__in=[poor.pk, social.pk]).exists()
    kept = AbsenceReason.objects.get(code="transportation-barriers")
    assert (kept.description, kept.position) == ("Poor transportation", 5)
