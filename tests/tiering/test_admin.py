from tests.reading import reading
from tiering.models import RuleSet


def test_an_operator_adds_a_second_rule_set_for_a_district(admin_client, district):
    response = admin_client.post(
        "/operators/tiering/ruleset/add/",
        {
            "district": district.pk,
            "name": "State accountability",
            "minimum_days_enrolled": 31,
            "partial_day_fraction": "0.50",
        },
    )
    assert response.status_code == 302
    with reading(district):
        rule_set = RuleSet.unscoped.get(district=district)
    assert (rule_set.name, rule_set.minimum_days_enrolled, rule_set.is_primary) == (
        "State accountability",
        31,
        False,
    )


def test_the_import_history_is_read_only_for_operators(admin_client, db):
    assert admin_client.get("/operators/tiering/attendanceimport/").status_code == 200
    assert admin_client.get("/operators/tiering/attendanceimport/add/").status_code == 403
