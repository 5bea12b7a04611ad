import datetime as dt

import pytest
from playwright.sync_api import expect

from tasks.models import Task
from tasks.services import plan_create_for_migration

from ..factories import PASSWORD, MigrationFactory
from ..plan.factories import load_plan_template

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def planned(practice, suppliers, manager):
    load_plan_template()  # an earlier transactional test's flush may have emptied it
    migration = MigrationFactory(
        practice=practice,
        current_supplier=suppliers[0],
        new_supplier=suppliers[1],
        fdp_date=dt.date.today() + dt.timedelta(days=42),
    )
    plan_create_for_migration(migration=migration, by=manager)
    return migration


def row(page, migration, key):
    return page.locator(f"#task-{migration.tasks.get(template_item__key=key).pk}")


def test_staff_tick_two_tasks_mark_one_not_applicable_and_find_them_kept(
    page, live_server, sign_in, assert_accessible, staff, planned
):
    sign_in(page, staff.email, PASSWORD)
    page.goto(f"{live_server.url}/migrations/{planned.pk}/plan/")
    expect(page.get_by_role("heading", name="Plan for Riverside Medical Centre")).to_be_visible()
    assert_accessible(page)

    # Ticking happens in place (htmx): the progress bar follows without a reload.
    page.get_by_role("button", name="Mark done: Check smartcards and card readers").click()
    expect(page.get_by_role("button", name="Reopen: Check smartcards and card readers")).to_be_visible()
    page.get_by_role("button", name="Mark done: Export letter and clinical templates").click()
    expect(page.get_by_role("button", name="Reopen: Export letter and clinical templates")).to_be_visible()
    expect(page.locator("#progress-preparation")).to_contain_text("2 of 9 done")

    suppliers_row = row(page, planned, "plan-third-party-suppliers")
    suppliers_row.locator("summary", has_text="Not applicable").click()
    # Without a reason it is refused, and the reason is asked for beside the box.
    suppliers_row.get_by_role("button", name="Mark not applicable").click()
    expect(suppliers_row.get_by_text("Say why this task does not apply to your practice.")).to_be_visible()
    assert_accessible(page)
    suppliers_row.get_by_label("Why does “Agree a plan with each third-party supplier” not apply?").fill(
        "We use no third-party document or scanning system."
    )
    suppliers_row.get_by_role("button", name="Mark not applicable").click()
    expect(
        suppliers_row.get_by_text("Not applicable: We use no third-party document or scanning system.")
    ).to_be_visible()
    expect(page.locator("#progress-preparation")).to_contain_text("2 of 8 done")

    page.reload()
    expect(page.get_by_role("button", name="Reopen: Check smartcards and card readers")).to_be_visible()
    expect(page.get_by_role("button", name="Reopen: Export letter and clinical templates")).to_be_visible()
    expect(row(page, planned, "plan-third-party-suppliers")).to_contain_text("Not applicable: We use no third-party")
    expect(page.locator("#progress-preparation")).to_contain_text("2 of 8 done")
    assert_accessible(page)

    done = Task.objects.filter(migration=planned, status=Task.Status.DONE)
    assert set(done.values_list("template_item__key", flat=True)) == {"smartcards", "export-templates"}
    assert {task.status_changed_by for task in done} == {staff}


def test_the_plan_is_reached_from_the_migration_page(page, live_server, sign_in, assert_accessible, manager, planned):
    sign_in(page, manager.email, PASSWORD)
    page.goto(f"{live_server.url}/migrations/{planned.pk}/")
    expect(page.get_by_text("0 of 27 tasks done.")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Open the plan").click()
    expect(page.get_by_role("heading", name="Preparation")).to_be_visible()
    # The manager sees every control; the page must pass axe with all of them too.
    assert_accessible(page)
    page.get_by_role("link", name="Add a task").click()
    assert_accessible(page)
