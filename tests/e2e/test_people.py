"""People journey: a district administrator invites a principal, who accepts in their own
browser by choosing a password; the administrator then changes their role and schools, and
deactivates them, which ends the session they have open at once."""

import re

from django.core import mail
from playwright.sync_api import expect

from .conftest import Journey
from .test_sign_in import sign_in

INVITEE = "nina@riverside.org"


def test_district_admin_invites_changes_and_deactivates_a_person(
    journey, browser, live_server, request, district_admin, school_year, school_a, school_b
):
    page = journey.page
    sign_in(journey, district_admin)
    journey.go_to("People", menu="Administration")
    expect(page.get_by_role("heading", level=1)).to_have_text("People and roles")
    journey.check("people")

    page.get_by_role("link", name="Invite someone").click()
    page.get_by_label("Their email address").fill(INVITEE)
    page.get_by_label("Their name").fill("Nina New")
    page.get_by_label("Role").select_option(label="Principal")
    page.get_by_role("group", name="Schools").get_by_label(school_a.name).check()
    journey.check("invite")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_role("status").first).to_contain_text(f"Invited {INVITEE} as principal")
    nina_row = page.get_by_role("row", name=re.compile("Nina New"))
    expect(nina_row).to_contain_text("Invited")
    journey.check("people-invited")

    (message,) = [m for m in mail.outbox if m.to == [INVITEE]]
    link = re.search(r"http://127\.0\.0\.1:8000(/accounts/invitation/\S+)", message.body)[1]

    # The invitee, in a browser of their own.
    invitee_context = browser.new_context(bypass_csp=True)
    invitee = Journey(invitee_context.new_page(), live_server, request.node.name + "-invitee")
    invitee.open(link)
    expect(invitee.page.get_by_role("heading", level=1)).to_have_text(
        "Welcome to the Attendance Platform"
    )
    invitee.page.get_by_label("New password", exact=True).fill("a long new passphrase")
    invitee.page.get_by_label("New password confirmation").fill("a long new passphrase")
    invitee.check("accept")
    invitee.page.get_by_role("button", name="Set password and sign in").click()
    expect(invitee.page.get_by_role("heading", level=1)).to_have_text("Your school")
    expect(invitee.page.get_by_text(school_a.name).first).to_be_visible()
    expect(invitee.page.get_by_text(school_b.name)).to_have_count(0)
    invitee.check("invitee-home")

    page.reload()
    expect(nina_row).to_contain_text("Active")
    nina_row.get_by_role("link", name=re.compile("Change role or deactivate")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nina New")
    page.get_by_label("Role").select_option(label="School attendance team member")
    page.get_by_role("group", name="Schools").get_by_label(school_b.name).check()
    journey.check("person")
    page.get_by_role("button", name="Save role and schools").click()
    expect(page.get_by_role("status").first).to_contain_text(
        "is now school attendance team member at"
    )
    expect(nina_row).to_contain_text("School attendance team member")
    expect(nina_row).to_contain_text(school_b.name)

    # The new role applies on the invitee's next page, without signing in again.
    invitee.page.reload()
    expect(invitee.page.get_by_role("heading", level=1)).to_have_text(
        "Your school's attendance team"
    )
    expect(invitee.page.get_by_text(school_b.name).first).to_be_visible()

    nina_row.get_by_role("link", name=re.compile("Change role or deactivate")).click()
    page.get_by_role("button", name=f"Deactivate {INVITEE}").click()
    expect(page.get_by_role("status").first).to_contain_text(
        f"{INVITEE} no longer has access to Riverside"
    )
    expect(page.get_by_role("row", name=re.compile("Nina New"))).to_have_count(0)
    journey.check("people-deactivated")

    page.get_by_role("main").get_by_role("link", name="access record").click()
    expect(page.get_by_role("table")).to_contain_text(f"Deactivated {INVITEE}'s access")
    expect(page.get_by_role("table")).to_contain_text(f"Invited {INVITEE} as principal")
    journey.check("access-record")

    # Her open session ended at once.
    invitee.page.reload()
    expect(invitee.page.get_by_role("heading", name="Sign in")).to_be_visible()
    invitee_context.close()
