"""A manager makes an API token from the account pages, copies it once, uses it, and revokes it.
Every page passes axe."""

import pytest
from playwright.sync_api import expect

from ..factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def test_manager_makes_uses_and_revokes_an_api_token(page, live_server, sign_in, assert_accessible, manager, migration):
    sign_in(page, manager.email, PASSWORD)
    page.goto(f"{live_server.url}/accounts/email/")
    page.get_by_role("link", name="API tokens").click()
    expect(page.get_by_role("heading", name="API tokens")).to_be_visible()
    expect(page.get_by_text("You have no API tokens.")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Name").fill("Practice tracker")
    with page.expect_navigation():
        page.get_by_role("button", name="Create token").click()
    expect(page.get_by_role("heading", name="Your new token “Practice tracker”")).to_be_visible()
    assert_accessible(page)
    secret = page.get_by_label("Token").input_value()

    answer = page.request.get(f"{live_server.url}/api/v1/migrations/", headers={"Authorization": f"Bearer {secret}"})
    assert answer.status == 200
    assert answer.json()["results"][0]["practice"]["name"] == migration.practice.name

    with page.expect_navigation():
        page.get_by_role("button", name="Revoke “Practice tracker”").click()
    expect(page.get_by_text("“Practice tracker” is revoked")).to_be_visible()
    expect(page.get_by_role("cell", name="Revoked")).to_be_visible()
    assert secret not in page.content()  # shown once only
    assert_accessible(page)
    refused = page.request.get(f"{live_server.url}/api/v1/migrations/", headers={"Authorization": f"Bearer {secret}"})
    assert refused.status == 401
