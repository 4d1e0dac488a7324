"""Sessions end when access ends: someone whose role is taken away, or whose account is
deactivated, is sent to sign in on their very next request, not when their session would have
timed out, and a session ended that way never comes back."""

from __future__ import annotations

import re

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from districts.lifecycle import district_delete
from districts.models import Membership
from districts.roles import Role
from districts.services import membership_grant, membership_revoke
from districts.tenancy import operator_context, system_context

from ..factories import PERSONA_PASSWORD, MembershipFactory, UserFactory

LOGIN = "/accounts/login/"


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _sent_to_sign_in(client: Client, path: str = "/d/riverside/") -> bool:
    response = client.get(path)
    return response.status_code == 302 and response["Location"].startswith(LOGIN)


def _sign_in_again(client: Client, user) -> None:
    response = client.post(LOGIN, {"username": user.email, "password": PERSONA_PASSWORD})
    assert response.status_code == 302, response.content.decode()


def _session_exists(client: Client) -> bool:
    with operator_context(reason="test assertion"):
        return Session.objects.filter(session_key=client.session.session_key).exists()


@pytest.fixture
def dana(district, other_district):
    """A cabinet member in Riverside who also runs Lakeview's attendance as its administrator."""
    user = UserFactory(email="dana@riverside.org", full_name="Dana Double")
    MembershipFactory(district=district, user=user, role=Role.CABINET_MEMBER)
    MembershipFactory(district=other_district, user=user, role=Role.DISTRICT_ADMIN)
    return user


def test_removed_partner_staff_are_signed_out_at_their_next_request(
    client, district_admin, pia, youth_club
):
    pias_browser = _signed_in(pia)
    assert pias_browser.get("/d/riverside/partners/").status_code == 200
    colleague = _signed_in(district_admin)

    client.force_login(district_admin)
    page = client.get("/d/riverside/partners/organisations/").content.decode()
    link_id = re.search(r"/partners/staff/(\d+)/remove/", page)[1]
    assert client.post(f"/d/riverside/partners/staff/{link_id}/remove/").status_code == 302

    session_key = pias_browser.session.session_key
    assert _sent_to_sign_in(pias_browser, "/d/riverside/partners/")
    with operator_context(reason="test assertion"):
        assert not Session.objects.filter(session_key=session_key).exists()
    # Nobody else's session ended with hers.
    assert colleague.get("/d/riverside/").status_code == 200


def test_losing_one_of_two_roles_signs_out_and_signing_in_again_reaches_the_other(
    dana, district, other_district
):
    browser = _signed_in(dana)
    assert browser.get("/d/riverside/").status_code == 200
    with system_context(district, reason="test"):
        membership_revoke(membership=Membership.objects.get(user=dana))
    # Every page, not only the district she left: the session itself is over.
    assert _sent_to_sign_in(browser, "/d/lakeview/")
    assert not _session_exists(browser)
    _sign_in_again(browser, dana)
    assert browser.get("/d/lakeview/").status_code == 200
    assert browser.get("/d/riverside/").status_code == 404


def test_a_person_deactivated_by_an_operator_is_signed_out_and_stays_out_when_reactivated(
    admin_client, principal
):
    laptop, phone = _signed_in(principal), _signed_in(principal)
    assert laptop.get("/d/riverside/").status_code == 200
    assert phone.get("/d/riverside/").status_code == 200
    change = f"/operators/districts/user/{principal.pk}/change/"
    form = {"email": principal.email, "full_name": principal.full_name}  # is_active unticked
    assert admin_client.post(change, form).status_code == 302
    assert _sent_to_sign_in(laptop)

    # The phone made no request while the account was inactive; reactivating the account
    # does not bring its session back: it ended with the deactivation.
    assert admin_client.post(change, {**form, "is_active": "on"}).status_code == 302
    assert _sent_to_sign_in(phone)
    assert not _session_exists(phone)
    _sign_in_again(phone, principal)
    assert phone.get("/d/riverside/").status_code == 200


def test_moving_a_role_to_someone_else_in_the_admin_signs_out_its_holder(
    admin_client, district_admin, district
):
    browser = _signed_in(district_admin)
    assert browser.get("/d/riverside/").status_code == 200
    successor = UserFactory(email="sam@riverside.org", full_name="Sam Successor")
    with system_context(district, reason="test"):
        membership = Membership.objects.get(user=district_admin)
    form = {
        "district": district.pk,
        "user": successor.pk,
        "role": Role.DISTRICT_ADMIN,
        "email_notifications": "on",
    }
    response = admin_client.post(f"/operators/districts/membership/{membership.pk}/change/", form)
    assert response.status_code == 302
    assert _sent_to_sign_in(browser)
    assert _signed_in(successor).get("/d/riverside/").status_code == 200


def test_a_deleted_districts_members_who_keep_their_account_are_signed_out(
    dana, district, other_district
):
    browser = _signed_in(dana)
    assert browser.get("/d/lakeview/").status_code == 200
    district_delete(district=district)
    assert _sent_to_sign_in(browser, "/d/lakeview/")
    _sign_in_again(browser, dana)
    assert browser.get("/d/lakeview/").status_code == 200


def test_a_role_changed_in_the_district_applies_at_the_next_request_without_signing_out(
    principal, district, school_a
):
    browser = _signed_in(principal)
    assert browser.get("/d/riverside/attendance/imports/").status_code == 403
    with system_context(district, reason="test"):
        membership_grant(district=district, user=principal, role=Role.CABINET_MEMBER)
    assert browser.get("/d/riverside/attendance/imports/").status_code == 200
