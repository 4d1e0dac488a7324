import csv
import io
import re
from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from districts.models import SchoolYear
from districts.roles import Role
from districts.services import membership_grant
from districts.tenancy import (
    TenantContextMissing,
    current_tenant,
    operator_context,
    system_context,
)
from tests.factories import PERSONA_PASSWORD, SchoolYearFactory

HEADINGS = {
    "district_admin": "District administration",
    "cabinet_member": "District overview",
    "principal": "Your school",
    "school_team_member": "Your school&#x27;s attendance team",
    "partner_staff": "Partner home",
}


def _sign_in(client, user):
    return client.post(
        "/accounts/login/", {"username": user.email, "password": PERSONA_PASSWORD}, follow=True
    )


@pytest.mark.parametrize("persona", sorted(HEADINGS))
def test_each_role_lands_on_its_home_page(client, request, school_year, persona):
    user = request.getfixturevalue(persona)
    response = _sign_in(client, user)
    assert response.redirect_chain[-1][0] == "/d/riverside/"
    assert f"<h1>{HEADINGS[persona]}</h1>" in response.content.decode()


def test_facilitator_lands_on_their_workshop_page(client, facilitator):
    response = _sign_in(client, facilitator)
    assert response.redirect_chain[-1][0] == "/"
    assert "Workshop facilitation" in response.content.decode()


def test_someone_with_two_districts_chooses_one(client, principal, other_district):
    with system_context(other_district, reason="test"):
        membership_grant(district=other_district, user=principal, role=Role.CABINET_MEMBER)
    page = _sign_in(client, principal).content.decode()
    assert 'href="/d/riverside/"' in page and 'href="/d/lakeview/"' in page


def test_principal_of_school_a_cannot_see_school_b(client, school_a, school_b, principal):
    client.force_login(principal)
    page = client.get("/d/riverside/").content.decode()
    assert school_a.name in page
    assert school_b.name not in page


def test_a_user_of_one_district_gets_404_on_another(client, district, other_district, outsider):
    client.force_login(outsider)
    assert client.get("/d/lakeview/").status_code == 200
    foreign = client.get("/d/riverside/")
    unknown = client.get("/d/no-such-district/")
    assert foreign.status_code == unknown.status_code == 404
    # The same page for "exists but not yours" and "does not exist": nothing to probe.
    assert _without_csrf_token(foreign) == _without_csrf_token(unknown)


def _without_csrf_token(response):
    return re.sub(r"\b[A-Za-z0-9]{64}\b", "", response.content.decode())


def test_signed_out_visitors_are_sent_to_sign_in(client, district):
    response = client.get("/d/riverside/people/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/d/riverside/people/"


def test_people_page_is_for_district_admins_only(client, district_admin, principal, partner_staff):
    client.force_login(principal)
    assert client.get("/d/riverside/people/").status_code == 403
    client.force_login(partner_staff)
    assert client.get("/d/riverside/people/").status_code == 403
    client.force_login(district_admin)
    page = client.get("/d/riverside/people/").content.decode()
    assert "Pat Principal" in page and "Adams Elementary School" in page


def test_navigation_shows_only_what_the_role_may_use(client, district_admin, principal):
    client.force_login(principal)
    assert 'href="/d/riverside/people/"' not in client.get("/d/riverside/").content.decode()
    client.force_login(district_admin)
    assert 'href="/d/riverside/people/"' in client.get("/d/riverside/").content.decode()


def test_people_export_neutralises_spreadsheet_formulas(client, district, district_admin):
    get_user_model().objects.filter(pk=district_admin.pk).update(full_name="=HYPERLINK(1)")
    client.force_login(district_admin)
    response = client.get("/d/riverside/people/?format=csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["Name", "Email", "Role", "Schools", "Active"]
    assert rows[1][0] == "'=HYPERLINK(1)"


def test_login_and_logout_work(client, principal):
    assert _sign_in(client, principal).context["user"] == principal
    assert client.get("/accounts/logout/").status_code == 405  # signing out needs a POST
    response = client.post("/accounts/logout/", follow=True)
    assert not response.context["user"].is_authenticated
    assert client.get("/d/riverside/").status_code == 302


def test_a_wrong_password_says_what_to_do(client, principal):
    response = client.post("/accounts/login/", {"username": principal.email, "password": "not it"})
    assert response.status_code == 200
    assert "don&#x27;t match an account" in response.content.decode()
    assert "Forgot your password?" in response.content.decode()


def test_email_is_matched_regardless_of_case(client, principal):
    response = client.post(
        "/accounts/login/",
        {"username": principal.email.upper(), "password": PERSONA_PASSWORD},
        follow=True,
    )
    assert response.context["user"] == principal


def test_password_reset_mails_a_link_that_sets_a_new_password(client, principal):
    client.post("/accounts/password/reset/", {"email": principal.email})
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", mail.outbox[0].body)
    form_page = client.get(link.group(1), follow=True)
    new_password = "a brand new passphrase"
    client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": new_password, "new_password2": new_password},
    )
    principal.refresh_from_db()
    assert principal.check_password(new_password)


def test_password_change_requires_the_old_password(client, principal):
    client.force_login(principal)
    new_password = "another long passphrase"
    client.post(
        "/accounts/password/change/",
        {"old_password": "wrong", "new_password1": new_password, "new_password2": new_password},
    )
    principal.refresh_from_db()
    assert not principal.check_password(new_password)
    client.post(
        "/accounts/password/change/",
        {
            "old_password": PERSONA_PASSWORD,
            "new_password1": new_password,
            "new_password2": new_password,
        },
    )
    principal.refresh_from_db()
    assert principal.check_password(new_password)


def test_passwords_are_stored_with_argon2(settings, db):
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    with operator_context(reason="test"):
        user = get_user_model().objects.create_user("new@example.org", PERSONA_PASSWORD)
    assert user.password.startswith("argon2$")


def test_no_tenant_context_outlives_a_request(client, district, principal):
    client.force_login(principal)
    client.get("/d/riverside/")
    with pytest.raises(TenantContextMissing):
        current_tenant()


def test_the_current_school_year_is_the_one_containing_today_else_the_latest_started(district):
    last = SchoolYearFactory(
        district=district, label="2025–26", first_day=date(2025, 8, 18), last_day=date(2026, 6, 5)
    )
    this = SchoolYearFactory(district=district)  # 2026–27, from Aug 17, 2026
    SchoolYearFactory(
        district=district, label="2027–28", first_day=date(2027, 8, 16), last_day=date(2028, 6, 2)
    )
    with system_context(district, reason="test"):
        years = SchoolYear.objects.all()
        assert years.current(date(2026, 12, 4)) == this
        assert years.current(date(2026, 6, 5)) == last  # its last day
        assert years.current(date(2026, 7, 20)) == last  # the summer: the latest started
        assert years.current(date(2027, 7, 1)) == this
        assert years.current(date(2025, 8, 1)) is None  # before any has started
