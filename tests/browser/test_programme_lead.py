import pytest
from playwright.sync_api import expect

from practices.models import OrganisationMembership

from ..factories import PASSWORD, MigrationFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_programme_lead_adds_the_icbs_own_task_and_pushes_it_to_an_open_migration(
    page, live_server, sign_in, assert_accessible, practice, icb_user
):
    OrganisationMembership.objects.filter(user=icb_user).update(is_programme_lead=True)
    migration = MigrationFactory(practice=practice)
    sign_in(page, icb_user.email, PASSWORD)

    page.goto(f"{live_server.url}/programme/")
    expect(page.get_by_role("heading", name="Your own tasks in practices' plans")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Add a task").click()
    page.get_by_label("Working days").fill("10")
    page.get_by_role("button", name="Add the task").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(page.get_by_role("link", name="Give the task a short title.")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Title").fill("Run the ICB's data-quality report")
    page.get_by_label("Phase").select_option("preparation")
    page.get_by_role("button", name="Add the task").click()
    expect(page.get_by_text("10 working days before FDP")).to_be_visible()

    page.get_by_role("link", name="Push to open migrations").click()
    expect(page.get_by_role("heading", name="It will be added to 1 migration")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Add the task to 1 migration").click()
    expect(page.get_by_text("is added to 1 open migration")).to_be_visible()
    assert migration.tasks.filter(local_item__title="Run the ICB's data-quality report").count() == 1
