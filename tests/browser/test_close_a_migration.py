"""A manager who is also the practice's clinical lead takes a migration to its end and starts the next."""

import datetime as dt
import zoneinfo

import pytest
from playwright.sync_api import expect

from cutover.models import Migration
from practices.models import PracticeMembership

from ..factories import PASSWORD, MigrationFactory, working_day_in

pytestmark = pytest.mark.django_db(transaction=True)
LONDON = zoneinfo.ZoneInfo("Europe/London")


def test_manager_signs_off_goes_live_completes_and_plans_the_next_migration(
    page, live_server, sign_in, assert_accessible, suite_clock, manager, practice, suppliers
):
    fdp = working_day_in(10)
    migration = MigrationFactory(
        practice=practice,
        current_supplier=suppliers[0],
        new_supplier=suppliers[1],
        fdp_date=fdp,
        go_live_date=fdp + dt.timedelta(days=7),
    )
    sign_in(page, manager.email, PASSWORD)
    # The manager is also a GP: she marks herself as the practice's clinical lead.
    page.goto(f"{live_server.url}/migrations/{migration.pk}/people/")
    with page.expect_navigation():
        page.get_by_role("link", name="Choose the clinical lead").click()
    assert_accessible(page)
    page.get_by_label(manager.get_full_name()).check()
    with page.expect_navigation():
        page.get_by_role("button", name="Save the clinical lead").click()
    expect(page.get_by_text(f"Clinical lead saved: {manager.get_full_name()}.")).to_be_visible()
    assert PracticeMembership.objects.get(user=manager, practice=practice).is_clinical_lead

    page.goto(f"{live_server.url}{migration.get_absolute_url()}")
    expect(page.get_by_role("heading", name="Sign-offs")).to_be_visible()
    assert_accessible(page)

    # Before FDP: the clinical lead says the data is ready.
    with page.expect_navigation():
        page.get_by_role("link", name="Sign off the data checking").click()
    assert_accessible(page)
    page.get_by_label("Go: FDP can go ahead").check()
    page.get_by_label("Reports compared").fill("QOF, cytology and list size match.")
    with page.expect_navigation():
        page.get_by_role("button", name="Record the sign-off").click()
    expect(page.get_by_text("Data checking signed off: FDP can go ahead.")).to_be_visible()
    assert_accessible(page)

    # Go-live day: the manager signs off go-live, then completes the migration.
    suite_clock.move_to(dt.datetime.combine(migration.go_live_date, dt.time(9, 0), tzinfo=LONDON))
    # A fortnight later the session has long expired: sign in again.
    sign_in(page, manager.email, PASSWORD)
    page.goto(f"{live_server.url}{migration.get_absolute_url()}")
    with page.expect_navigation():
        page.get_by_role("link", name="Sign off go-live").click()
    assert_accessible(page)
    page.get_by_label("Comment").fill("Everyone working on the new system by ten.")
    with page.expect_navigation():
        page.get_by_role("button", name="Sign off go-live").click()
    expect(page.get_by_text("Go-live signed off.")).to_be_visible()

    with page.expect_navigation():
        page.get_by_role("link", name="Complete the migration").click()
    expect(page.get_by_role("heading", name="Close-out summary")).to_be_visible()
    assert_accessible(page)
    # Lessons learned are needed: blank ones are refused beside the field.
    page.get_by_label("Lessons learned").fill("   ")
    page.get_by_role("button", name="Complete the migration").click()
    expect(page.locator(".nhsuk-error-message", has_text="This field is required.")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Lessons learned").fill("Book training earlier; the test patients caught two problems.")
    with page.expect_navigation():
        page.get_by_role("button", name="Complete the migration").click()
    expect(page.get_by_role("heading", name="Completed: this migration is closed")).to_be_visible()
    # The close-out summary lists every sign-off, the close-out one too.
    closed = page.locator("#closed-heading").locator("xpath=..")
    for kind in ["Data checking: go, by", "Go-live, by", "Close-out, by"]:
        expect(closed).to_contain_text(kind)
    expect(page.get_by_role("link", name="Change dates")).to_have_count(0)
    assert_accessible(page)
    assert Migration.objects.get(pk=migration.pk).status == Migration.Status.COMPLETED

    # The practice is free for its next migration.
    page.goto(f"{live_server.url}/migrations/new/")
    assert_accessible(page)
    next_fdp = working_day_in(90)
    page.get_by_label("Current clinical system").fill("TPP SystmOne")
    page.get_by_label("Current supplier").select_option(label="TPP")
    page.get_by_label("New clinical system").fill("EMIS Web")
    page.get_by_label("New supplier").select_option(label="EMIS Health")
    page.get_by_label("Final data production (FDP) date").fill(next_fdp.isoformat())
    page.get_by_label("Go-live date").fill((next_fdp + dt.timedelta(days=7)).isoformat())
    with page.expect_navigation():
        page.get_by_role("button", name="Create migration").click()
    expect(page.get_by_role("heading", name="Key dates")).to_be_visible()
    assert_accessible(page)
    assert list(Migration.objects.filter(practice=practice).values_list("status", flat=True).order_by("pk")) == [
        "completed",
        "active",
    ]
