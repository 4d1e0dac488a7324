"""Onboarding from the command line, for the people who run the service."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from districts.models import District, Grade, Membership, School, SchoolYear, User
from districts.roles import Role
from districts.tenancy import system_context


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_it_onboards_a_district_its_school_year_schools_and_people(db):
    run(
        "create_district",
        "hillcrest",
        "--name",
        "Hillcrest USD",
        "--state",
        "or",
        "--timezone",
        "America/Los_Angeles",
        "--minimum-days",
        "15",
    )
    run(
        "add_school_year",
        "hillcrest",
        "2026-27",
        "--first-day",
        "2026-08-31",
        "--last-day",
        "2027-06-11",
    )
    run("add_school", "hillcrest", "310", "--name", "Hillcrest High School", "--grades", "9-12")
    out = run(
        "add_user",
        "Hana@Hillcrest.org",
        "--name",
        "Hana Hill",
        "--district",
        "hillcrest",
        "--role",
        "principal",
        "--school",
        "310",
    )

    district = District.objects.get(slug="hillcrest")
    assert (district.state, district.minimum_days_enrolled) == ("OR", 15)
    with system_context(district, reason="test"):
        assert SchoolYear.unscoped.get(district=district).instructional_days == 180
        school = School.unscoped.get(district=district)
        assert (school.low_grade, school.high_grade) == (Grade.GRADE_9, Grade.GRADE_12)
        membership = Membership.unscoped.get(district=district, user__email="hana@hillcrest.org")
        assert membership.role == Role.PRINCIPAL
        schools = membership.schools.through.unscoped.values_list("school", flat=True)
        assert list(schools) == [school.pk]
    password = out.split("Initial password: ")[1].split()[0]
    assert User.objects.get(email="hana@hillcrest.org").check_password(password)


def test_it_says_which_school_code_is_unknown(district, school_a):
    with pytest.raises(CommandError, match="no school with SIS code 999"):
        run(
            "add_user",
            "x@riverside.org",
            "--district",
            "riverside",
            "--role",
            "principal",
            "--school",
            "999",
        )
    assert not User.objects.filter(email="x@riverside.org").exists()


def test_it_explains_bad_values(district):
    with pytest.raises(CommandError, match="not a grade"):
        run("add_school", "riverside", "500", "--name", "X", "--grades", "K-13")
    with pytest.raises(CommandError, match="last day must come after the first day"):
        run(
            "add_school_year",
            "riverside",
            "2026-27",
            "--first-day",
            "2027-06-01",
            "--last-day",
            "2026-08-01",
        )
    with pytest.raises(CommandError, match="No district with slug 'nowhere'"):
        run("add_school", "nowhere", "1", "--name", "X", "--grades", "K-5")
    with pytest.raises(CommandError, match="slug"):
        run("create_district", "riverside", "--name", "Again", "--state", "CA")


def test_it_adds_a_facilitator_without_a_district(db):
    run("add_user", "fay@workshops.org", "--facilitator", "--password", "a long passphrase")
    assert User.objects.get(email="fay@workshops.org").is_facilitator


def test_an_operator_adds_a_school_in_the_admin(admin_client, district, school_a):
    form = {
        "district": district.pk,
        "sis_code": "555",
        "name": "Cedar School",
        "low_grade": 0,
        "high_grade": 5,
    }
    assert admin_client.post("/operators/districts/school/add/", form).status_code == 302
    with system_context(district, reason="test"):
        assert School.unscoped.filter(district=district, sis_code="555").exists()
    clash = {**form, "sis_code": school_a.sis_code}
    page = admin_client.post("/operators/districts/school/add/", clash).content.decode()
    assert "already has a school with this SIS code" in page
