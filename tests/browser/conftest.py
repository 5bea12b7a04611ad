"""Browser tests: Playwright drives Debian's Chromium against Django's live server."""

import os
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

from ..conftest import skip_or_fail
from ..factories import totp_code

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not CHROMIUM.exists():
        skip_or_fail(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        # Running as root needs --no-sandbox; the rest stop Chromium calling out to a closed network.
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # Bootstrap turns its colour transitions off for people who ask for reduced motion. Asking for it
    # here means axe never measures a button's contrast halfway through a fade (it did on a loaded
    # machine, and failed a page whose finished colours pass).
    return {**browser_context_args, "reduced_motion": "reduce"}


@pytest.fixture
def assert_accessible():
    axe = Axe()

    def check(page):
        # A click that navigates returns before the next page's stylesheet applies; axe measuring an
        # unstyled page saw the skip link beside the brand and failed target-size (seen once in CI).
        page.wait_for_load_state("load")
        results = axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
        violations = [
            f"{v['id']}: {v['help']} ({', '.join(n['target'][0] for n in v['nodes'][:3])})"
            for v in results.response["violations"]
        ]
        assert violations == [], f"Accessibility violations on {page.url}:\n" + "\n".join(violations)

    return check


@pytest.fixture
def sign_in(live_server):
    """Signs in through the real page; people with an authenticator also enter its current code."""

    def go(page, email, password):
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Email address").fill(email)
        page.get_by_label("Password").fill(password)
        with page.expect_navigation():
            page.get_by_role("button", name="Sign in").click()
        if "/accounts/2fa/authenticate/" in page.url:
            page.get_by_label("Code").fill(totp_code())
            with page.expect_navigation():
                page.get_by_role("button", name="Sign in").click()

    return go
