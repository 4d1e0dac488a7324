"""District administrators keep their attendance rules: rule sets and attendance codes."""

from decimal import Decimal

import pytest

from districts.tenancy import system_context
from tiering import services
from tiering.models import AttendanceCategory, AttendanceCode, RuleSet

from ..factories import AttendanceCodeFactory

RULES = "/d/riverside/attendance/rules/"


def _rule_sets(district):
    with system_context(district, reason="test"):
        return {
            rs.name: (rs.is_primary, rs.minimum_days_enrolled, rs.count_in_school_suspension)
            for rs in RuleSet.objects.all()
        }


def _rule_set_form(prefix: str, **fields: str) -> dict[str, str]:
    return {f"{prefix}-{name}": value for name, value in fields.items()}


def test_it_shows_the_districts_rule_set_and_the_common_codes(client, district_admin, district):
    client.force_login(district_admin)
    response = client.get(RULES)
    assert response.status_code == 200
    body = response.content.decode()
    assert "District definition" in body and "common default" in body
    assert 'name="primary-minimum_days_enrolled" value="10"' in body
    assert _rule_sets(district) == {}  # shown as it will be created: reading writes nothing


def test_an_administrator_saves_the_districts_rule_set_for_the_first_time(
    client, district_admin, district
):
    client.force_login(district_admin)
    response = client.post(
        f"{RULES}rule-sets/new/",
        _rule_set_form(
            "primary",
            name="District definition",
            minimum_days_enrolled="12",
            partial_day_fraction="0.5",
        ),
    )
    assert response.status_code == 302
    assert _rule_sets(district) == {"District definition": (True, 12, False)}


def test_an_administrator_changes_the_districts_rule_set(client, district_admin, district):
    client.force_login(district_admin)
    with system_context(district, reason="test"):
        primary = services.rule_set_primary(district=district)
    response = client.post(
        f"{RULES}rule-sets/{primary.pk}/",
        {
            f"rs{primary.pk}-name": "District definition",
            f"rs{primary.pk}-minimum_days_enrolled": "15",
            f"rs{primary.pk}-count_in_school_suspension": "on",
            f"rs{primary.pk}-partial_day_fraction": "0.25",
        },
    )
    assert response.status_code == 302
    assert _rule_sets(district) == {"District definition": (True, 15, True)}


def test_an_administrator_adds_a_state_definition_beside_the_districts(
    client, district_admin, district
):
    client.force_login(district_admin)
    response = client.post(
        f"{RULES}rule-sets/new/",
        _rule_set_form(
            "new",
            name="State accountability",
            minimum_days_enrolled="31",
            partial_day_fraction="0.5",
        ),
        follow=True,
    )
    assert "“State accountability” saved" in response.content.decode()
    assert _rule_sets(district)["State accountability"] == (False, 31, False)


def test_a_rule_set_with_mistakes_is_refused_with_the_reason(client, district_admin, district):
    client.force_login(district_admin)
    response = client.post(
        f"{RULES}rule-sets/new/",
        _rule_set_form(
            "new", name="District definition", minimum_days_enrolled="0", partial_day_fraction="2"
        ),
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert "greater than or equal to 1" in body
    assert "less than or equal to 1" in body
    assert set(_rule_sets(district)) <= {"District definition"}


def test_an_administrator_defines_and_removes_a_code(client, district_admin, district):
    client.force_login(district_admin)
    response = client.post(
        f"{RULES}codes/",
        {"code": "HD", "category": AttendanceCategory.PARTIAL.value, "absent_fraction": "0.5"},
    )
    assert response.status_code == 302
    with system_context(district, reason="test"):
        code = AttendanceCode.objects.get(code="HD")
    assert (code.category, code.absent_fraction) == (AttendanceCategory.PARTIAL, Decimal("0.50"))
    refused = client.post(
        f"{RULES}codes/",
        {"code": "X", "category": AttendanceCategory.PRESENT.value, "absent_fraction": "0.5"},
    )
    assert refused.status_code == 422
    assert "Only a partial-day absence" in refused.content.decode()
    assert client.post(f"{RULES}codes/{code.pk}/delete/").status_code == 302
    with system_context(district, reason="test"):
        assert not AttendanceCode.objects.filter(code="HD").exists()


@pytest.mark.parametrize("persona", ["cabinet_member", "principal", "partner_staff"])
def test_the_rules_are_for_district_administrators(client, request, district, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(RULES).status_code == 403
    assert client.post(f"{RULES}codes/", {"code": "Z", "category": "1"}).status_code == 403


def test_another_districts_rules_are_not_found(client, outsider, district):
    client.force_login(outsider)
    assert client.get(RULES).status_code == 404


def test_a_code_of_another_district_cannot_be_removed(client, district_admin, other_district):
    theirs = AttendanceCodeFactory(
        district=other_district, code="Q", category=AttendanceCategory.PRESENT
    )
    client.force_login(district_admin)
    assert client.post(f"{RULES}codes/{theirs.pk}/delete/").status_code == 404
    with system_context(other_district, reason="test"):
        assert AttendanceCode.objects.filter(pk=theirs.pk).exists()
