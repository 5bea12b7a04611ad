"""A manager opens the folded "Reminders" section of the migration page with the keyboard, and the
reminders still to come load into it; the link inside is the way in without JavaScript."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from ..factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots" / "reminders"  # ignored by git, for a reviewer


@pytest.mark.parametrize("size", [(1366, 900), (390, 844)], ids=["desktop", "phone"])
def test_opening_the_reminders_section_loads_what_is_coming_up(
    page, live_server, sign_in, assert_accessible, manager, migration, size
):
    page.set_viewport_size({"width": size[0], "height": size[1]})
    sign_in(page, manager.email, PASSWORD)
    page.goto(f"{live_server.url}{migration.get_absolute_url()}")
    section = page.locator("section", has=page.get_by_role("heading", name="Reminders", exact=True))
    summary = section.locator("summary")
    expect(summary).to_contain_text("Coming up, and 0 sent so far")
    expect(section.get_by_role("heading", name="Coming up")).to_have_count(0)
    expect(page.locator("body")).not_to_contain_text("{#")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    section.screenshot(path=SCREENSHOTS / f"section-folded-{size[0]}.png")

    summary.focus()
    page.keyboard.press("Enter")

    expect(section.get_by_role("heading", name="Coming up")).to_be_visible()
    expect(section.get_by_text("Go-live day: switch back on and start re-entry")).to_be_visible()
    expect(section.get_by_role("link", name="See the reminders still to come")).to_have_count(0)
    assert_accessible(page)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= size[0], f"the page is {width - size[0]} px wider than the window"
    section.screenshot(path=SCREENSHOTS / f"section-opened-{size[0]}.png")
