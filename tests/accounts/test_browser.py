"""Sign-in, two-factor set-up and account pages in Chromium: accessible, and no CSP violations."""

import pytest
from playwright.sync_api import expect

from ..factories import PASSWORD, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def csp_violations(page):
    """Chromium reports every refused script, style or image on the console."""
    seen = []
    page.on(
        "console",
        lambda message: seen.append(message.text) if "Content Security Policy" in message.text else None,
    )
    return seen


def test_the_sign_in_and_migration_pages_break_no_csp_rule(
    page, live_server, sign_in, manager, migration, csp_violations
):
    page.goto(f"{live_server.url}/accounts/login/")
    sign_in(page, manager.email, PASSWORD)
    expect(page.get_by_role("heading", name="Migrations")).to_be_visible()
    page.goto(f"{live_server.url}/migrations/{migration.pk}/")
    expect(page.get_by_role("heading", name="Key dates")).to_be_visible()
    page.goto(f"{live_server.url}/migrations/{migration.pk}/edit/")
    # htmx ran (its script carries the nonce) and was told not to inject its own styles.
    assert page.evaluate("typeof htmx === 'object' && htmx.config.includeIndicatorStyles === false")
    assert csp_violations == []

    # The listener does see a violation when there is one.
    page.evaluate("document.head.insertAdjacentHTML('beforeend', '<style>body { color: black; }</style>')")
    page.wait_for_timeout(200)
    assert csp_violations != []


def test_an_icb_user_sets_up_an_authenticator_app_on_first_sign_in(
    page, live_server, sign_in, assert_accessible, icb_user_without_mfa, csp_violations
):
    sign_in(page, icb_user_without_mfa.email, PASSWORD)
    expect(page.get_by_role("heading", name="Set up an authenticator app")).to_be_visible()
    expect(page.get_by_text("Your role needs two-factor authentication").first).to_be_visible()
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    assert_accessible(page)

    secret = page.get_by_label("Key to type in instead of scanning").input_value()
    page.get_by_label("Authenticator code").fill(totp_code(secret))
    page.get_by_role("button", name="Turn on").click()

    expect(page.get_by_role("heading", name="Recovery codes")).to_be_visible()
    assert len(page.get_by_label("Unused codes").input_value().split()) == 10
    assert_accessible(page)
    page.get_by_role("link", name="Done, go to migrations").click()
    expect(page.get_by_role("heading", name="Migrations")).to_be_visible()
    assert csp_violations == []


def test_signing_in_with_a_code_and_the_account_pages(page, live_server, assert_accessible, icb_user, csp_violations):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email address").fill(icb_user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Authenticator or recovery code").fill(totp_code())
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Migrations")).to_be_visible()

    page.get_by_role("link", name="Your account").click()
    expect(page.get_by_role("heading", name="Two-factor authentication")).to_be_visible()
    assert_accessible(page)
    for tab, heading in [
        ("Where you are signed in", "Where you are signed in"),
        ("Password", "Change your password"),
        ("Email address", "Email address"),
    ]:
        page.get_by_role("navigation", name="Your account").get_by_role("link", name=tab).click()
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
        assert_accessible(page)
    assert csp_violations == []


def test_the_lockout_and_password_reset_pages(page, live_server, assert_accessible, manager, csp_violations):
    page.goto(f"{live_server.url}/accounts/login/")
    for _ in range(5):
        page.get_by_label("Email address").fill(manager.email)
        page.get_by_label("Password").fill("not-the-password")
        page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("Sign-in is paused for this email address")
    assert_accessible(page)

    page.get_by_role("link", name="reset your password").click()
    expect(page.get_by_role("heading", name="Reset your password")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Email").fill(manager.email)
    page.get_by_role("button", name="Email me a reset link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    assert_accessible(page)
    assert csp_violations == []


def test_the_admin_works_under_the_policy(page, live_server, sign_in, superuser, migration, csp_violations):
    page.goto(f"{live_server.url}/admin/")
    # The admin's own sign-in hands over to the site's, with its code step.
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    sign_in(page, superuser.email, PASSWORD)
    page.goto(f"{live_server.url}/admin/")
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()
    page.goto(f"{live_server.url}/admin/cutover/migration/{migration.pk}/change/")
    expect(page.get_by_role("heading", name="Change migration")).to_be_visible()
    page.goto(f"{live_server.url}/admin/axes/accessattempt/")
    assert csp_violations == []
