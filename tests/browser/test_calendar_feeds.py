"""A practice manager makes a calendar link and a calendar app reads it."""

import pytest
from icalendar import Calendar
from playwright.sync_api import expect

from ..factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_manager_makes_a_link_copies_it_and_a_calendar_app_reads_it(
    page, live_server, sign_in, assert_accessible, manager, migration
):
    sign_in(page, manager.email, PASSWORD)
    page.get_by_role("navigation", name="Account").get_by_role("link", name="Your account").click()
    page.get_by_role("link", name="Calendar feeds").click()
    expect(page.get_by_role("heading", name="Calendar feeds")).to_be_visible()
    assert_accessible(page)

    with page.expect_navigation():
        page.get_by_role("button", name="Make a link for Your calendar").click()
    link = page.get_by_label("Feed link")
    expect(link).to_be_visible()
    expect(page.get_by_role("button", name="Copy link")).to_be_visible()
    assert_accessible(page)

    url = link.input_value()
    path = url[url.index("/calendars/feed/") :]
    response = page.context.request.get(f"{live_server.url}{path}", headers={"Cookie": ""})
    calendar = Calendar.from_ical(response.body())
    summaries = {str(event["SUMMARY"]) for event in calendar.walk("VEVENT")}
    assert "Riverside Medical Centre: Final data production (FDP)" in summaries

    page.reload()
    expect(page.get_by_label("Feed link")).to_have_count(0)  # shown once only
