"""A district administrator manages people on the People page: invites someone by email with a
role (schools for school roles, an organisation for partner staff), resends or cancels the
invitation, changes a role and schools, and deactivates access. Every change is in the access
record."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from districts.invitations import InvitationTokenGenerator
from districts.models import AuditEvent, Membership, User
from districts.roles import Role
from districts.services import membership_grant
from districts.tenancy import system_context
from partners.models import PartnerStaffLink
from tests.factories import PERSONA_PASSWORD, UserFactory

PEOPLE = "/d/riverside/people/"
INVITE = "/d/riverside/people/invite/"
LINK = re.compile(r"http://127\.0\.0\.1:8000(/accounts/invitation/\S+)")
NEW_PASSWORD = "a long new passphrase"


def _invite(client, captured, **fields):
    with captured(execute=True):
        return client.post(INVITE, fields)


def _membership(district, email):
    with system_context(district, reason="test"):
        return (
            Membership.objects.select_related("user")
            .prefetch_related("schools")
            .filter(user__email=email)
            .first()
        )


def _purposes(district):
    with system_context(district, reason="test"):
        return list(AuditEvent.objects.values_list("purpose", flat=True))


def _link(message) -> str:
    return LINK.search(message.body)[1]


def _accept(client: Client, link: str, password: str = NEW_PASSWORD):
    form_page = client.get(link, follow=True)
    assert "Welcome to the Attendance Platform" in form_page.content.decode()
    return client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": password, "new_password2": password},
        follow=True,
    )


def _sign_in(client: Client, email: str, password: str):
    return client.post("/accounts/login/", {"username": email, "password": password}, follow=True)


@pytest.fixture
def admin_client(client, district_admin):
    client.force_login(district_admin)
    return client


def test_it_invites_a_principal_who_accepts_by_choosing_a_password(
    admin_client, district, school_a, school_b, django_capture_on_commit_callbacks
):
    response = _invite(
        admin_client,
        django_capture_on_commit_callbacks,
        email="Nina@Riverside.org",
        full_name="Nina New",
        role=Role.PRINCIPAL,
        schools=[school_a.pk],
    )
    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.to == ["nina@riverside.org"]
    assert "principal at Adams Elementary School" in message.body
    assert "works once, for 3 days" in message.body
    invited = _membership(district, "nina@riverside.org")
    assert invited.is_invitation and [s.name for s in invited.schools.all()] == [school_a.name]
    page = admin_client.get(PEOPLE).content.decode()
    assert "Nina New" in page and "Invited " in page and "Resend invitation" in page
    assert "Invited nina@riverside.org as principal at Adams Elementary School" in (
        _purposes(district)
    )

    nina = Client()
    landed = _accept(nina, _link(message))
    assert landed.redirect_chain[-1][0] == "/d/riverside/"
    page = landed.content.decode()
    assert school_a.name in page and school_b.name not in page
    assert not _membership(district, "nina@riverside.org").is_invitation
    # From now on her password signs her in.
    again = Client()
    assert _sign_in(again, "nina@riverside.org", NEW_PASSWORD).redirect_chain[-1][0] == (
        "/d/riverside/"
    )


def test_the_invitation_link_works_once(admin_client, school_a, django_capture_on_commit_callbacks):
    _invite(
        admin_client,
        django_capture_on_commit_callbacks,
        email="nina@riverside.org",
        role=Role.PRINCIPAL,
        schools=[school_a.pk],
    )
    link = _link(mail.outbox[0])
    _accept(Client(), link)
    second = Client().get(link, follow=True).content.decode()
    assert "This invitation link no longer works" in second


class _MadeFourDaysAgo(InvitationTokenGenerator):
    """The link as it was made four days ago (the invitation links' clock, moved back)."""

    def _now(self):
        return super()._now() - timedelta(days=4)


def test_the_invitation_link_expires(admin_client, district, django_capture_on_commit_callbacks):
    _invite(
        admin_client,
        django_capture_on_commit_callbacks,
        email="nina@riverside.org",
        role=Role.CABINET_MEMBER,
    )
    user = User.objects.get(email="nina@riverside.org")
    old_token = _MadeFourDaysAgo().make_token(user)
    old_link = re.sub(r"/[^/]+/$", f"/{old_token}/", _link(mail.outbox[0]))
    assert (
        "This invitation link no longer works"
        in Client().get(old_link, follow=True).content.decode()
    )
    with system_context(district, reason="test"):
        Membership.objects.filter(user=user).update(invited_at=timezone.now() - timedelta(days=4))
    assert "Invitation expired" in admin_client.get(PEOPLE).content.decode()


def test_resending_an_invitation_replaces_its_link(
    admin_client, district, school_a, django_capture_on_commit_callbacks
):
    _invite(
        admin_client,
        django_capture_on_commit_callbacks,
        email="nina@riverside.org",
        role=Role.SCHOOL_TEAM,
        schools=[school_a.pk],
    )
    invited = _membership(district, "nina@riverside.org")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"{PEOPLE}{invited.pk}/invitation/resend/", follow=True)
    assert "the links sent before no longer work" in response.content.decode()
    first, second = mail.outbox
    assert "school attendance team member at Adams Elementary School" in second.body
    assert (
        "This invitation link no longer works"
        in Client().get(_link(first), follow=True).content.decode()
    )
    assert _accept(Client(), _link(second)).redirect_chain[-1][0] == "/d/riverside/"
    assert "Resent the invitation to nina@riverside.org" in _purposes(district)


def test_cancelling_an_invitation_withdraws_the_role_and_the_link(
    admin_client, district, django_capture_on_commit_callbacks
):
    _invite(
        admin_client,
        django_capture_on_commit_callbacks,
        email="nina@riverside.org",
        role=Role.DISTRICT_ADMIN,
    )
    invited = _membership(district, "nina@riverside.org")
    admin_client.post(f"{PEOPLE}{invited.pk}/invitation/cancel/")
    assert _membership(district, "nina@riverside.org") is None
    assert (
        "This invitation link no longer works"
        in Client().get(_link(mail.outbox[0]), follow=True).content.decode()
    )
    assert "Cancelled the invitation to nina@riverside.org" in _purposes(district)


def test_an_accepted_invitation_cannot_be_resent_or_cancelled(
    admin_client, district, principal, django_capture_on_commit_callbacks
):
    membership = _membership(district, principal.email)
    with django_capture_on_commit_callbacks(execute=True):
        page = admin_client.post(
            f"{PEOPLE}{membership.pk}/invitation/resend/", follow=True
        ).content.decode()
    assert "has already accepted" in page and not mail.outbox
    page = admin_client.post(
        f"{PEOPLE}{membership.pk}/invitation/cancel/", follow=True
    ).content.decode()
    assert "deactivate their access instead" in page
    assert _membership(district, principal.email) is not None


def test_it_invites_partner_staff_for_their_organisation(
    admin_client, district, youth_club, django_capture_on_commit_callbacks
):
    refused = _invite(
        admin_client,
        django_capture_on_commit_callbacks,
        email="quinn@youthclub.org",
        role=Role.PARTNER_STAFF,
    )
    assert refused.status_code == 422
    assert "Choose whom this partner staff works for." in refused.content.decode()
    _invite(
        admin_client,
        django_capture_on_commit_callbacks,
        email="quinn@youthclub.org",
        full_name="Quinn Coach",
        role=Role.PARTNER_STAFF,
        affiliation_partner_staff=youth_club.pk,
    )
    invited = _membership(district, "quinn@youthclub.org")
    with system_context(district, reason="test"):
        assert PartnerStaffLink.objects.get(membership=invited).organization == youth_club
    assert "Works for Riverside Youth Club" in admin_client.get(PEOPLE).content.decode()
    assert "partner staff for Riverside Youth Club" in mail.outbox[0].body
    assert "Invited quinn@youthclub.org as partner staff for Riverside Youth Club" in (
        _purposes(district)
    )


def test_school_roles_need_their_schools(admin_client, district):
    response = admin_client.post(INVITE, {"email": "nina@riverside.org", "role": Role.PRINCIPAL})
    assert response.status_code == 422
    assert "Tick the schools this principal serves." in response.content.decode()
    assert _membership(district, "nina@riverside.org") is None


def test_inviting_someone_who_already_has_a_role_here_is_refused(admin_client, district, principal):
    response = admin_client.post(INVITE, {"email": principal.email, "role": Role.CABINET_MEMBER})
    assert response.status_code == 422
    assert "already has a role in Riverside" in response.content.decode()
    assert _membership(district, principal.email).role == Role.PRINCIPAL


def test_someone_who_already_signs_in_elsewhere_is_told_where_to_sign_in(
    admin_client, district, outsider, django_capture_on_commit_callbacks
):
    _invite(
        admin_client,
        django_capture_on_commit_callbacks,
        email=outsider.email,
        role=Role.CABINET_MEMBER,
    )
    (message,) = mail.outbox
    assert "Sign in with your existing password" in message.body
    assert not LINK.search(message.body)
    assert not _membership(district, outsider.email).is_invitation
    other = Client()
    other.force_login(outsider)
    assert other.get("/d/riverside/").status_code == 200


def test_it_changes_a_role_and_schools(admin_client, district, principal, school_a, school_b):
    membership = _membership(district, principal.email)
    page = admin_client.get(f"{PEOPLE}{membership.pk}/").content.decode()
    assert "Save role and schools" in page
    response = admin_client.post(
        f"{PEOPLE}{membership.pk}/", {"role": Role.SCHOOL_TEAM, "schools": [school_b.pk]}
    )
    assert response.status_code == 302
    changed = _membership(district, principal.email)
    assert changed.role == Role.SCHOOL_TEAM
    assert [s.name for s in changed.schools.all()] == [school_b.name]
    assert (
        f"Changed {principal.email} from principal at {school_a.name} to school attendance "
        f"team member at {school_b.name}"
    ) in _purposes(district)
    # The new role applies from their next page, without signing in again.
    pat = Client()
    pat.force_login(principal)
    home = pat.get("/d/riverside/").content.decode()
    assert school_b.name in home and school_a.name not in home


def test_a_school_role_keeps_its_schools_and_a_district_role_drops_them(
    admin_client, district, principal, school_a
):
    membership = _membership(district, principal.email)
    response = admin_client.post(f"{PEOPLE}{membership.pk}/", {"role": Role.SCHOOL_TEAM})
    assert response.status_code == 422
    assert "Tick the schools this school attendance team member serves." in (
        response.content.decode()
    )
    response = admin_client.post(
        f"{PEOPLE}{membership.pk}/", {"role": Role.CABINET_MEMBER, "schools": [school_a.pk]}
    )
    assert response.status_code == 302
    changed = _membership(district, principal.email)
    assert changed.role == Role.CABINET_MEMBER
    assert not changed.schools.exists()


def test_district_staff_do_not_become_partner_staff(admin_client, district, principal):
    membership = _membership(district, principal.email)
    response = admin_client.post(f"{PEOPLE}{membership.pk}/", {"role": Role.PARTNER_STAFF})
    assert response.status_code == 422
    assert _membership(district, principal.email).role == Role.PRINCIPAL


def test_deactivating_someone_ends_their_sessions_at_once(admin_client, district, principal):
    laptop, phone = Client(), Client()
    for browser in (laptop, phone):
        _sign_in(browser, principal.email, PERSONA_PASSWORD)
        assert browser.get("/d/riverside/").status_code == 200
    membership = _membership(district, principal.email)
    response = admin_client.post(f"{PEOPLE}{membership.pk}/deactivate/", follow=True)
    assert "no longer has access to Riverside" in response.content.decode()
    for browser in (laptop, phone):
        reply = browser.get("/d/riverside/")
        assert reply.status_code == 302 and reply["Location"].startswith("/accounts/login/")
    assert _membership(district, principal.email) is None
    assert f"Deactivated {principal.email}'s access (principal)" in _purposes(district)


def test_the_last_administrator_cannot_remove_themselves(
    admin_client, district, district_admin, cabinet_member
):
    mine = _membership(district, district_admin.email)
    refused = admin_client.post(f"{PEOPLE}{mine.pk}/deactivate/", follow=True).content.decode()
    assert "the only district administrator of Riverside" in refused
    demoted = admin_client.post(f"{PEOPLE}{mine.pk}/", {"role": Role.CABINET_MEMBER})
    assert demoted.status_code == 422
    assert _membership(district, district_admin.email).role == Role.DISTRICT_ADMIN

    # With a second administrator who signs in, she may leave: her session ends.
    with system_context(district, reason="test"):
        membership_grant(district=district, user=cabinet_member, role=Role.DISTRICT_ADMIN)
    left = admin_client.post(f"{PEOPLE}{mine.pk}/deactivate/")
    assert left.status_code == 302
    assert _membership(district, district_admin.email) is None
    assert admin_client.get(PEOPLE)["Location"].startswith("/accounts/login/")


def test_an_invited_administrator_does_not_count_until_they_accept(
    admin_client, district, district_admin, django_capture_on_commit_callbacks
):
    _invite(
        admin_client,
        django_capture_on_commit_callbacks,
        email="nina@riverside.org",
        role=Role.DISTRICT_ADMIN,
    )
    mine = _membership(district, district_admin.email)
    refused = admin_client.post(f"{PEOPLE}{mine.pk}/deactivate/", follow=True).content.decode()
    assert "the only district administrator" in refused


def test_people_management_is_for_administrators_of_the_district(
    client, district, other_district, cabinet_member, outsider, principal
):
    lena = UserFactory(email="lena@lakeview.org")
    with system_context(other_district, reason="test"):
        foreign = membership_grant(district=other_district, user=lena, role=Role.CABINET_MEMBER)
    own = _membership(district, principal.email)
    client.force_login(cabinet_member)
    assert client.get(INVITE).status_code == 403
    assert client.get(f"{PEOPLE}{own.pk}/").status_code == 403
    assert client.post(f"{PEOPLE}{own.pk}/deactivate/").status_code == 403
    client.force_login(outsider)
    assert client.get(f"/d/lakeview/people/{foreign.pk}/").status_code == 200
    # Lakeview's administrator asking for Riverside's person under his own district: not found.
    assert client.get(f"/d/lakeview/people/{own.pk}/").status_code == 404
    assert client.post(f"/d/lakeview/people/{own.pk}/deactivate/").status_code == 404
    assert _membership(district, principal.email) is not None
