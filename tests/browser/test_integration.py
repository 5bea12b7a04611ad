"""The manager confirms the suggested people (tasks go to their usual owners), adds the pathology
lab as an outside contact, gives it a task from the plan, finds it on Who is involved, then
removes the contact and hands the task over. Every page passes axe."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from tasks.models import Task
from tasks.services import plan_create_for_migration

from ..factories import PASSWORD, MigrationFactory
from ..tasks.factories import load_plan_template

pytestmark = pytest.mark.django_db(transaction=True)

PATHOLOGY = "Handle pathology results"


@pytest.fixture
def planned(practice, suppliers, manager, it_lead):
    load_plan_template()  # an earlier transactional test's flush may have emptied it
    migration = MigrationFactory(
        practice=practice,
        current_supplier=suppliers[0],
        new_supplier=suppliers[1],
        fdp_date=dt.date.today() + dt.timedelta(days=42),
    )
    plan_create_for_migration(migration=migration, by=manager)
    return migration


def test_manager_confirms_people_assigns_a_task_to_a_contact_and_sees_it_on_who_is_involved(
    page, live_server, sign_in, assert_accessible, manager, it_lead, planned
):
    sign_in(page, manager.email, PASSWORD)
    page.goto(f"{live_server.url}/migrations/{planned.pk}/people/confirm/")
    expect(page.get_by_role("heading", name="Confirm who is involved")).to_be_visible()
    page.get_by_role("button", name="Confirm who is involved").click()
    expect(page.get_by_text("tasks of the plan given to their usual owner.")).to_be_visible()
    assert_accessible(page)
    backup = Task.objects.get(migration=planned, template_item__key="backup-third-party-systems")
    assert backup.assignee == it_lead  # the only IT lead gets the IT lead's tasks

    page.get_by_role("link", name="Add pathology lab provider").click()
    page.get_by_label("Name", exact=True).fill("Jo Bennett")
    page.get_by_label("Organisation", exact=True).fill("City Pathology")
    page.get_by_label("Email address").fill("jo.bennett@lab.example")
    page.get_by_role("button", name="Add to this migration").click()
    expect(page.get_by_text("Jo Bennett added as pathology lab provider.")).to_be_visible()

    page.goto(f"{live_server.url}/migrations/{planned.pk}/plan/")
    task = Task.objects.get(migration=planned, template_item__key="cutover-pathology")
    # The plan row leads to the task's own page, where it is assigned.
    page.locator(f"#task-{task.pk}").get_by_role("link", name=PATHOLOGY).click()
    expect(page.get_by_role("heading", name=PATHOLOGY, level=1)).to_be_visible()
    assert_accessible(page)
    page.get_by_label(f"Assign “{PATHOLOGY}” to").select_option(
        label="Jo Bennett (City Pathology), pathology lab provider"
    )
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text(f"“{PATHOLOGY}” assigned to Jo Bennett.")).to_be_visible()
    page.goto(f"{live_server.url}/migrations/{planned.pk}/plan/")
    expect(page.locator(f"#task-{task.pk} .plan-row__who")).to_have_text("Jo Bennett")
    task.refresh_from_db()
    assert task.assigned_contact.name == "Jo Bennett"
    assert task.assignee is None

    page.goto(f"{live_server.url}/migrations/{planned.pk}/people/")
    lab_row = page.get_by_role("row").filter(has_text="Jo Bennett")
    expect(lab_row).to_contain_text("1 open task")
    expect(lab_row.get_by_role("link", name=PATHOLOGY)).to_be_visible()
    it_row = page.get_by_role("row").filter(has_text=str(it_lead))
    expect(it_row.get_by_role("link", name="Back up the data your supplier does not back up")).to_be_visible()
    assert_accessible(page)

    # Removing the contact asks what happens to their open task.
    lab_row.get_by_role("link", name="Remove Jo Bennett, pathology lab provider").click()
    expect(page.get_by_role("heading", name="1 open task assigned to them")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Reassign them to the person chosen below").check()
    page.get_by_label("Reassign to").select_option(label=str(manager))
    page.get_by_role("button", name="Remove and hand over their tasks").click()
    expect(page.get_by_text("Jo Bennett removed from this migration. 1 open task reassigned to")).to_be_visible()
    task.refresh_from_db()
    assert (task.assignee, task.assigned_contact) == (manager, None)
