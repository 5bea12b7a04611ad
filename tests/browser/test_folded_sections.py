"""A manager opens the folded "Reminders" and "History" sections of the migration page with the
keyboard, and what they hold loads into them; the link inside each is the way in without JavaScript."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from ..factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots" / "migration-page"  # ignored by git
SIZES = pytest.mark.parametrize("size", [(1366, 900), (390, 844)], ids=["desktop", "phone"])


@pytest.fixture
def open_section(page, live_server, sign_in, manager, migration):
    """The manager's migration page at a size, and its section under a heading."""

    def open_section(size, heading: str):
        page.set_viewport_size({"width": size[0], "height": size[1]})
        sign_in(page, manager.email, PASSWORD)
        page.goto(f"{live_server.url}{migration.get_absolute_url()}")
        return page.locator("section", has=page.get_by_role("heading", name=heading, exact=True))

    return open_section


def assert_fits(page, size) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= size[0], f"the page is {width - size[0]} px wider than the window"


@SIZES
def test_opening_the_reminders_section_loads_what_is_coming_up(page, open_section, assert_accessible, size):
    section = open_section(size, "Reminders")
    summary = section.locator("summary")
    expect(summary).to_contain_text("Coming up, and 0 sent so far")
    expect(section.get_by_role("heading", name="Coming up")).to_have_count(0)
    expect(page.locator("body")).not_to_contain_text("{#")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    section.screenshot(path=SCREENSHOTS / f"reminders-folded-{size[0]}.png")

    summary.focus()
    page.keyboard.press("Enter")

    expect(section.get_by_role("heading", name="Coming up")).to_be_visible()
    expect(section.get_by_text("Go-live day: switch back on and start re-entry")).to_be_visible()
    expect(section.get_by_role("link", name="See the reminders still to come")).to_have_count(0)
    assert_accessible(page)
    assert_fits(page, size)
    section.screenshot(path=SCREENSHOTS / f"reminders-opened-{size[0]}.png")


@SIZES
def test_opening_the_history_section_loads_the_changes_to_the_migration(page, open_section, assert_accessible, size):
    section = open_section(size, "History")
    summary = section.locator("summary")
    expect(summary).to_have_text("Changes to the migration itself")
    expect(section.get_by_role("table")).to_have_count(0)

    summary.focus()
    page.keyboard.press("Enter")

    table = section.get_by_role("table", name="Changes to this migration, newest first")
    expect(table).to_be_visible()
    expect(table).to_contain_text("Created")
    expect(section.get_by_role("link", name="See who changed the migration")).to_have_count(0)
    assert_accessible(page)
    assert_fits(page, size)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    section.screenshot(path=SCREENSHOTS / f"history-opened-{size[0]}.png")
