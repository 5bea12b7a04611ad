"""The printed cutover pack, printed by Chromium to A4 the way a practice manager would."""

import re

import pytest
from playwright.sync_api import expect

from practices.models import Stakeholder, StakeholderRole
from tasks.services import plan_create_for_migration

from ..factories import PASSWORD, ThirdPartySystemFactory

pytestmark = pytest.mark.django_db(transaction=True)

PORTRAIT, LANDSCAPE = "[0 0 594.95996 841.91998]", "[0 0 841.91998 594.95996]"


def test_the_manager_prints_the_cutover_pack_cleanly_on_a4(
    page, live_server, sign_in, assert_accessible, manager, migration
):
    plan_create_for_migration(migration=migration)
    Stakeholder.objects.create(migration=migration, role=StakeholderRole.PRACTICE_MANAGER, user=manager)
    ThirdPartySystemFactory(practice=migration.practice, name="Docman")
    sign_in(page, manager.email, PASSWORD)
    page.goto(f"{live_server.url}{migration.get_absolute_url()}")
    page.get_by_role("link", name="Print the cutover pack").click()
    expect(page.get_by_role("heading", name=re.compile("^Cutover pack"), level=1)).to_be_visible()
    expect(page.get_by_role("button", name="Print")).to_be_visible()
    assert_accessible(page)

    page.emulate_media(media="print")
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
    expect(page.get_by_role("navigation", name="Breadcrumb")).to_be_hidden()
    expect(page.get_by_role("button", name="Print")).to_be_hidden()
    for heading in ("Key dates", "Who is involved", "Linked systems", "The plan: tick each task by hand"):
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
    # Each section starts a page; table headings repeat when a table runs onto the next page.
    assert page.locator("section.print-section").nth(1).evaluate("e => getComputedStyle(e).breakBefore") == "page"
    assert page.locator("table.print-table thead").first.evaluate("e => getComputedStyle(e).display") == (
        "table-header-group"
    )

    pdf = page.pdf(prefer_css_page_size=True).decode("latin-1")
    sizes = re.findall(r"/MediaBox (\[[^\]]*\])", pdf)
    # Portrait pages for the pack (one per section at least), then the paper forms in landscape.
    assert sizes.count(PORTRAIT) >= 4  # key dates, people, linked systems, the plan
    assert sizes.count(LANDSCAPE) >= 1
