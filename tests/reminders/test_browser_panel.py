"""The Reminders section in a real browser: readable, and accessible (axe, WCAG 2.2 AA)."""

import pytest
from playwright.sync_api import expect

from reminders.models import ReminderLog

from ..factories import PASSWORD
from .conftest import d

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_reads_sent_failed_and_upcoming_reminders(
    page, live_server, sign_in, assert_accessible, people, make_migration, manager
):
    migration = make_migration("2099-03-10", "2099-03-17", planning_meeting_date=d("2099-02-01"))
    common = {"migration": migration, "kind": "planning_meeting_ahead", "due_date": d("2026-01-27")}
    ReminderLog.objects.create(
        **common,
        recipient_email=manager.email,
        recipient_name="Pat Manager",
        status="sent",
        sent_at="2026-01-27T07:31Z",
    )
    ReminderLog.objects.create(
        **common, recipient_email="other@riverside.example", status="failed", note="Failed 5 times (SMTPError)."
    )
    sign_in(page, manager.email, PASSWORD)
    page.goto(f"{live_server.url}{migration.get_absolute_url()}")
    expect(page.get_by_role("heading", name="Reminders")).to_be_visible()
    expect(page.get_by_role("heading", name="Could not be sent")).to_be_visible()
    expect(page.get_by_role("cell", name="Go-live day: switch back on and start re-entry")).to_be_visible()
    expect(page.get_by_role("cell", name="Pat Manager")).to_be_visible()
    assert_accessible(page)


def test_an_outside_contact_stops_their_digests_from_the_emailed_link(page, live_server, assert_accessible):
    from reminders.models import ReminderOptOut
    from reminders.optout import unsubscribe_token

    page.goto(f"{live_server.url}/reminders/stop/{unsubscribe_token('alex@citylab.example')}/")
    expect(page.get_by_role("heading", name="Stop daily task emails")).to_be_visible()
    assert_accessible(page)
    assert not ReminderOptOut.objects.exists()
    page.get_by_role("button", name="Stop daily task emails to alex@citylab.example").click()
    expect(page.get_by_role("heading", name="Daily task emails stopped")).to_be_visible()
    assert_accessible(page)
    assert ReminderOptOut.objects.filter(email="alex@citylab.example").exists()
