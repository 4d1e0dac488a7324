"""Two-factor sign-in in the browser: a principal turns it on by typing the setup key into
"their app" (the test computes the codes from that key, as an authenticator app would), keeps
the backup codes, then signs in again with a code."""

import time
from base64 import b32decode
from pathlib import Path

from django_otp.oath import TOTP
from playwright.sync_api import expect

from .test_sign_in import sign_in


def app_code(setup_key: str, steps_ahead: int = 0) -> str:
    totp = TOTP(b32decode(setup_key.replace(" ", "")))
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def test_a_principal_turns_on_two_factor_and_signs_in_with_a_code(journey, principal, school_year):
    page = journey.page
    sign_in(journey, principal)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your school")
    page.locator("summary", has_text="Pat").click()
    page.get_by_role("link", name="Two-factor sign-in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Two-factor sign-in")
    journey.check("account-off")

    page.get_by_role("link", name="Set up two-factor sign-in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-factor sign-in")
    expect(page.locator("figure.qr-code svg")).to_be_visible()
    journey.check("setup")
    setup_key = page.locator("#setup-key").inner_text()

    page.get_by_label("6-digit code from your app").fill("000000")
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.get_by_role("alert")).to_contain_text("doesn't match")
    journey.check("setup-wrong-code")
    page.get_by_label("6-digit code from your app").fill(app_code(setup_key))
    page.get_by_role("button", name="Turn on two-factor sign-in").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your backup codes")
    codes = page.get_by_role("list", name="Backup codes").get_by_role("listitem")
    expect(codes).to_have_count(10)
    expect(page.get_by_role("button", name="Print")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as a text file").click()
    saved = Path(download.value.path()).read_text()
    first_code = codes.first.inner_text()
    assert first_code in saved
    journey.check("backup-codes")
    page.get_by_role("button", name="I have saved my codes: continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your school")

    page.locator("summary", has_text="Pat").click()
    page.get_by_role("button", name="Sign out").click()
    sign_in(journey, principal)
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your sign-in code")
    journey.check("code")
    page.get_by_label("Code").fill("12345")
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("4 more wrong codes")
    journey.check("code-wrong")
    # The code used to turn it on is spent: the app's next one signs in.
    page.get_by_label("Code").fill(app_code(setup_key, steps_ahead=1))
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your school")
    assert page.url == journey.base_url + "/d/riverside/"
