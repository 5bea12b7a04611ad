"""The Activity page in Chromium: reached from the migration page, filtered by hand, accessible."""

import pytest
from playwright.sync_api import expect

from practices import stakeholders
from practices.models import StakeholderRole

from ..factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_icb_user_opens_the_activity_and_filters_it(
    page, live_server, sign_in, assert_accessible, migration, manager, icb_user
):
    stakeholders.stakeholder_create(
        migration=migration, role=StakeholderRole.PATHOLOGY_LAB, name="Sam Patel", by=manager
    )
    sign_in(page, icb_user.email, PASSWORD)
    page.goto(f"{live_server.url}{migration.get_absolute_url()}")
    page.get_by_role("link", name="All activity on this migration").click()
    expect(page.get_by_role("heading", name="Activity")).to_be_visible()
    expect(page.get_by_role("cell", name="Sam Patel (pathology lab provider): added")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("What changed").select_option(label="The migration")
    page.get_by_label("From").fill("2020-01-01")
    page.get_by_label("To").fill("2019-01-01")
    page.get_by_role("button", name="Filter").click()
    beside_the_field = page.locator(".nhsuk-error-message", has_text="The end date must be on or after the start date.")
    expect(beside_the_field).to_be_visible()
    assert_accessible(page)

    page.get_by_label("To").fill("2099-12-31")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("cell", name="Migration: created")).to_be_visible()
    expect(page.get_by_text("Sam Patel")).to_have_count(0)
