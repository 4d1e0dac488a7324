"""A district administrator invites a partner's staff member: they set a password from the
emailed link, sign in and see their organisation's entries."""

import re

from django.core import mail

from districts.models import Membership, User
from districts.roles import Role
from districts.tenancy import system_context


def test_it_invites_partner_staff_who_set_a_password_and_sign_in(
    client, district_admin, youth_club, club_entry, food_entry, django_capture_on_commit_callbacks
):
    client.force_login(district_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/d/riverside/partners/staff/invite/",
            {
                "organization": youth_club.pk,
                "full_name": "Quinn Coach",
                "email": "Quinn@YouthClub.org",
            },
        )
    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.to == ["quinn@youthclub.org"]
    link = re.search(r"http://127\.0\.0\.1:8000(/accounts/invitation/\S+)", message.body)[1]
    client.logout()
    form_page = client.get(link, follow=True)
    new_password = "a long partner passphrase"
    client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": new_password, "new_password2": new_password},
    )
    signed_in = client.post(
        "/accounts/login/",
        {"username": "quinn@youthclub.org", "password": new_password},
        follow=True,
    )
    assert signed_in.redirect_chain[-1][0] == "/d/riverside/"
    page = client.get("/d/riverside/partners/").content.decode()
    assert "After-school STEM club" in page and "Springfield County Food Bank" not in page


def test_it_refuses_to_turn_district_staff_into_partner_staff(
    client, district_admin, principal, youth_club
):
    client.force_login(district_admin)
    page = client.post(
        "/d/riverside/partners/staff/invite/",
        {"organization": youth_club.pk, "full_name": "Pat", "email": principal.email},
    ).content.decode()
    assert "already signs in to" in page and "as principal" in page
    with system_context(youth_club.district, reason="test"):
        assert Membership.objects.get(user=principal).role == Role.PRINCIPAL


def test_it_removes_a_partner_staff_members_access(client, district_admin, pia, youth_club):
    client.force_login(district_admin)
    page = client.get("/d/riverside/partners/organisations/").content.decode()
    link_id = re.search(r"/partners/staff/(\d+)/remove/", page)[1]
    client.post(f"/d/riverside/partners/staff/{link_id}/remove/")
    pia.refresh_from_db()  # her sessions ended: signing in again reads her account afresh
    client.force_login(pia)
    assert client.get("/d/riverside/partners/").status_code == 404
    assert User.objects.filter(pk=pia.pk).exists()


def test_it_keeps_invitations_for_administrators(client, cabinet_member, pia, outsider, district):
    for user, status in ((cabinet_member, 403), (pia, 403), (outsider, 404)):
        client.force_login(user)
        assert client.get("/d/riverside/partners/staff/invite/").status_code == status
        assert client.get("/d/riverside/partners/organisations/").status_code == status
