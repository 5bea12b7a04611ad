"""The manager confirms who is involved, invites a person, records a linked system and
confirms its links are switched off; the invited person accepts. Every page passes axe."""

import pytest
from django.core import mail
from playwright.sync_api import expect

from practices.models import PracticeMembership, ThirdPartyState, ThirdPartySystem

from ..factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def test_manager_invites_a_person_records_a_system_and_confirms_its_switch_off(
    page, live_server, sign_in, assert_accessible, manager, staff, migration
):
    sign_in(page, manager.email, PASSWORD)
    page.goto(f"{live_server.url}{migration.get_absolute_url()}")
    expect(page.get_by_role("heading", name="People and linked systems")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Confirm who is involved").click()
    expect(page.get_by_role("heading", name="Confirm who is involved")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Confirm who is involved").click()

    expect(page.get_by_role("heading", name="Who is involved", exact=True)).to_be_visible()
    expect(page.get_by_text("No pathology lab provider recorded")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Invite someone to the practice").click()
    expect(page.get_by_role("heading", name="Invite someone to")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Email address").fill("nia.jones@riverside.example")
    page.get_by_label("Their role at the practice").select_option(label="IT lead")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text("Invitation sent to nia.jones@riverside.example")).to_be_visible()
    expect(page.get_by_role("cell", name="nia.jones@riverside.example")).to_be_visible()
    assert_accessible(page)

    page.goto(f"{live_server.url}/migrations/{migration.pk}/systems/")
    assert_accessible(page)
    page.get_by_role("link", name="Add a system").click()
    page.get_by_label("System name").fill("Docman")
    page.get_by_label("Category").select_option(label="Document management")
    page.get_by_label("Supplier contact's phone number").fill("0113 496 000")
    page.get_by_role("button", name="Add system").click()
    expect(page.locator(".nhsuk-error-message", has_text="Enter a UK phone number")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Supplier contact's phone number").fill("0113 496 0101")
    page.get_by_role("button", name="Add system").click()

    expect(page.get_by_role("row", name="Docman")).to_be_visible()
    page.get_by_role("button", name="Mark notified for Docman").click()
    expect(page.get_by_role("button", name="Take back notified of the cutover for Docman")).to_be_visible()
    # FDP is six weeks away, before the switch-off window: confirming now asks why.
    page.get_by_text("Already switched off?").click()
    page.get_by_role("button", name="Confirm switched off early for Docman").click()
    expect(page.get_by_text("Say why they are being switched off before then")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Why are links to Docman off already?").fill("Docman moves practices on Fridays only.")
    page.get_by_role("button", name="Confirm switched off early for Docman").click()
    expect(page.get_by_role("button", name="Take back links switched off for Docman")).to_be_visible()
    expect(page.get_by_text("Switched off early")).to_be_visible()
    assert_accessible(page)

    state = ThirdPartyState.objects.get(system=ThirdPartySystem.objects.get(name="Docman"))
    assert state.switched_off_by == manager
    assert (state.switched_off_late, state.switched_off_early) == (False, True)

    # The invited person opens the link from their email and joins the practice.
    page.get_by_role("button", name="Sign out").click()
    link = next(line for line in mail.outbox[-1].body.splitlines() if "/join/" in line).strip()
    page.goto(link.replace("http://127.0.0.1:8000", live_server.url))
    expect(page.get_by_role("heading", name=f"Join {migration.practice.name}")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("First name").fill("Nia")
    page.get_by_label("Last name").fill("Jones")
    page.get_by_label("Choose a password").fill("a-brand-new-password-7")
    page.get_by_label("Type the password again").fill("a-brand-new-password-7")
    page.get_by_role("button", name="Create my account and join").click()
    expect(page.get_by_role("heading", name="Migrations")).to_be_visible()
    assert PracticeMembership.objects.get(user__email="nia.jones@riverside.example").role == "it_lead"
