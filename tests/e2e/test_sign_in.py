"""The first journey: every role signs in and reaches the home page for its work."""

import pytest
from playwright.sync_api import expect

from tests.factories import PERSONA_PASSWORD

HOMES = {
    "district_admin": ("/d/riverside/", "District administration"),
    "cabinet_member": ("/d/riverside/", "District overview"),
    "principal": ("/d/riverside/", "Your school"),
    "school_team_member": ("/d/riverside/", "Your school's attendance team"),
    "partner_staff": ("/d/riverside/", "Partner home"),
    "facilitator": ("/", "Welcome, Fran"),
}


def sign_in(journey, user):
    journey.open("/accounts/login/")
    journey.page.get_by_label("Email address").fill(user.email)
    journey.page.get_by_label("Password").fill(PERSONA_PASSWORD)
    journey.page.get_by_role("button", name="Sign in").click()


@pytest.mark.parametrize("persona", list(HOMES))
def test_each_role_signs_in_and_reaches_its_home(journey, request, school_year, persona):
    user = request.getfixturevalue(persona)
    journey.open("/d/riverside/")
    expect(journey.page.get_by_role("heading", name="Sign in")).to_be_visible()
    journey.check("sign-in")

    sign_in(journey, user)
    path, heading = HOMES[persona]
    expect(journey.page.get_by_role("heading", level=1)).to_have_text(heading)
    assert journey.page.url == journey.base_url + path
    journey.check("home")


def test_a_wrong_password_is_explained(journey, principal):
    journey.open("/accounts/login/")
    journey.page.get_by_label("Email address").fill(principal.email)
    journey.page.get_by_label("Password").fill("not my password")
    journey.page.get_by_role("button", name="Sign in").click()
    expect(journey.page.get_by_role("alert")).to_contain_text("don't match an account")
    journey.check("wrong-password")


def test_admin_reviews_people_and_signs_out_with_the_keyboard(journey, district_admin, principal):
    sign_in(journey, district_admin)
    journey.go_to("People", menu="Administration")
    expect(journey.page.get_by_role("heading", level=1)).to_have_text("People and roles")
    expect(journey.page.get_by_role("row", name="Pat Principal")).to_contain_text(
        "Adams Elementary School"
    )
    journey.check("people")

    menu = journey.page.locator("summary", has_text="Alice")
    menu.focus()
    journey.page.keyboard.press("Enter")
    sign_out = journey.page.get_by_role("button", name="Sign out")
    sign_out.focus()
    journey.page.keyboard.press("Enter")
    expect(journey.page.get_by_role("heading", name="Sign in")).to_be_visible()
