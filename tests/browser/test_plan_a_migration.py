import datetime as dt

import pytest
from playwright.sync_api import expect

from cutover.models import Migration

from ..factories import PASSWORD, working_day_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_manager_signs_in_plans_a_migration_and_sees_its_timeline(
    page, live_server, sign_in, assert_accessible, manager, suppliers
):
    page.goto(f"{live_server.url}/accounts/login/")
    assert_accessible(page)
    sign_in(page, manager.email, PASSWORD)
    expect(page.get_by_role("heading", name="Migrations")).to_be_visible()
    assert_accessible(page)

    with page.expect_navigation():
        page.get_by_role("link", name="Plan a migration").click()
    assert_accessible(page)
    fdp = working_day_in(60)
    page.get_by_label("Current clinical system").fill("EMIS Web")
    page.get_by_label("Current supplier").select_option(label="EMIS Health")
    page.get_by_label("New clinical system").fill("TPP SystmOne")
    page.get_by_label("New supplier").select_option(label="TPP")
    page.get_by_label("Final data production (FDP) date").fill(fdp.isoformat())
    # A go-live before FDP is explained next to the field.
    page.get_by_label("Go-live date").fill((fdp - dt.timedelta(days=1)).isoformat())
    page.get_by_role("button", name="Create migration").click()
    expect(page.locator(".nhsuk-error-message", has_text="Go-live must be after the FDP date.")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Go-live date").fill((fdp + dt.timedelta(days=7)).isoformat())
    page.get_by_role("button", name="Create migration").click()

    expect(page.get_by_role("heading", name="Key dates")).to_be_visible()
    key_dates = page.locator(".key-dates")
    expect(key_dates.get_by_role("term").filter(has_text="Cutover (7 days)")).to_be_visible()
    expect(key_dates.get_by_role("term").filter(has_text="Legacy system support ends")).to_be_visible()
    assert_accessible(page)
    assert Migration.objects.get().fdp_date == fdp
