"""Staff record three activities during cutover, then after go-live re-enter them until the backlog is zero."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cutover.models import Migration
from reentry.models import Entry

from ..factories import PASSWORD, MigrationFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def in_cutover(practice, suppliers):
    today = timezone.localdate()
    return MigrationFactory(
        practice=practice,
        current_supplier=suppliers[0],
        new_supplier=suppliers[1],
        fdp_date=today - dt.timedelta(days=2),
        go_live_date=today + dt.timedelta(days=5),
    )


def test_staff_record_during_cutover_and_re_enter_after_go_live(
    page, live_server, sign_in, assert_accessible, staff, in_cutover
):
    sign_in(page, staff.email, PASSWORD)
    page.goto(f"{live_server.url}/migrations/{in_cutover.pk}/")
    expect(page.get_by_role("heading", name="Re-entry log")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Record an activity").click()
    expect(page.get_by_role("heading", name="Record an activity")).to_be_visible()
    expect(page.get_by_label("Kind of activity")).to_be_focused()
    assert_accessible(page)

    # 1. A consultation, first with a mistyped NHS number.
    page.get_by_label("Kind of activity").select_option(label="Consultation")
    expect(page.get_by_label("Patient's full name")).to_be_hidden()
    page.get_by_label("NHS number").fill("943 476 5918")
    page.get_by_label("What must be re-entered").fill("Asthma review: inhaler changed to a spacer device.")
    page.get_by_role("button", name="Record activity").click()
    expect(page.locator(".nhsuk-error-message", has_text="its last digit does not match")).to_be_visible()
    expect(page.get_by_label("What must be re-entered")).to_have_value(
        "Asthma review: inhaler changed to a spacer device."
    )
    expect(page.get_by_label("NHS number")).to_be_focused()
    assert_accessible(page)
    page.get_by_label("NHS number").fill("943 476 5919")
    page.get_by_role("button", name="Record activity").click()
    expect(page.get_by_text("Consultation. The form is ready for the next one.")).to_be_visible()

    # 2. A new patient registered in person: name, date of birth and address instead of an NHS number.
    page.get_by_label("Kind of activity").select_option(label="New patient registration (in person)")
    expect(page.get_by_label("NHS number")).to_be_hidden()
    page.get_by_label("Patient's full name").fill("Jordan Fletcher")
    page.get_by_label("Date of birth").fill("1988-04-12")
    page.get_by_label("Address").fill("14 Mill Lane\nDemo Town\nDT1 2AB")
    page.get_by_role("button", name="Record activity").click()
    expect(page.get_by_text("New patient registration (in person). The form is ready")).to_be_visible()
    # The last kind used is already chosen for the next entry.
    expect(page.get_by_label("Kind of activity")).to_have_value("new_registration")

    # 3. A telephone call.
    page.get_by_label("Kind of activity").select_option(label="Telephone call")
    page.get_by_label("NHS number").fill("999 000 0018")
    page.get_by_label("What must be re-entered").fill("Fit note extended by two weeks.")
    page.get_by_role("button", name="Record activity").click()
    expect(page.get_by_text("Telephone call. The form is ready")).to_be_visible()
    assert_accessible(page)
    assert Entry.objects.filter(migration=in_cutover).count() == 3

    page.get_by_role("link", name="Paper form").click()
    expect(page.get_by_role("button", name="Print this form")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Worklist").click()
    expect(page.get_by_text("Re-entry starts at go-live")).to_be_visible()
    expect(page.get_by_role("button", name="Mark selected re-entered")).to_have_count(0)
    assert_accessible(page)

    # Go-live comes: move the cutover so that today is go-live day (the live server's clock cannot be frozen).
    today = timezone.localdate()
    Migration.objects.filter(pk=in_cutover.pk).update(fdp_date=today - dt.timedelta(days=7), go_live_date=today)

    page.reload()
    expect(page.get_by_test_id("backlog")).to_have_text(
        "3 still to re-enter, including 1 new registration to re-register with full GMS."
    )
    assert_accessible(page)
    # Tick every entry on the page with the header box, untick the registration, then mark the rest.
    page.get_by_label("Select every entry on this page").check()
    registration = Entry.objects.get(kind="new_registration")
    page.get_by_label(f"Select entry {registration.pk}").uncheck()
    page.get_by_role("button", name="Mark selected re-entered").click()
    expect(page.get_by_text("Marked 2 entries re-entered.")).to_be_visible()
    expect(page.get_by_test_id("backlog")).to_contain_text("1 still to re-enter")
    assert_accessible(page)

    page.get_by_role("link", name=str(registration.pk), exact=True).click()
    expect(page.get_by_role("heading", name=f"Entry {registration.pk}")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Mark re-registered").click()
    expect(page.get_by_text(f"Entry {registration.pk} marked re-entered.")).to_be_visible()

    page.get_by_role("link", name="Worklist").click()
    expect(page.get_by_test_id("backlog")).to_have_text(
        "Nothing left to re-enter: all 3 recorded entries are in TPP SystmOne."
    )
    with page.expect_navigation():
        page.get_by_role("link", name="Whole log").click()
    assert_accessible(page)

    page.goto(f"{live_server.url}/migrations/{in_cutover.pk}/")
    expect(page.get_by_test_id("reentry-counts")).to_contain_text(
        "3 recorded, 0 still to re-enter, 0 new registrations to re-register"
    )
    expect(page.get_by_text("Everything recorded during cutover has been re-entered.")).to_be_visible()
    assert_accessible(page)
    assert not Entry.objects.filter(re_entered_at__isnull=True).exists()
