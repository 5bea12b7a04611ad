import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from tasks.models import Task
from tasks.services import plan_create_for_migration

from ..factories import PASSWORD, MigrationFactory
from ..tasks.factories import load_plan_template

pytestmark = pytest.mark.django_db(transaction=True)

# How many elements a keyboard user can reach in each row of the plan, counted in the page.
FOCUSABLE = "a[href], button:not([disabled]), input:not([type=hidden]), select, textarea, summary, [tabindex]"
TAB_STOPS_PER_ROW = f"""() => [...document.querySelectorAll("li.plan-row")].map(
  row => row.querySelectorAll('{FOCUSABLE}').length)"""


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


def control(page, verb, title):
    # NHS.UK's visually hidden text is padded with a no-break space, so the name reads "Mark done : …".
    return page.get_by_role("button", name=re.compile(rf"^{verb}\W+{re.escape(title)}"))


def row(page, migration, key):
    return page.locator(f"#task-{migration.tasks.get(template_item__key=key).pk}")


def test_staff_tick_two_tasks_mark_one_not_applicable_and_find_them_kept(
    page, live_server, sign_in, assert_accessible, staff, planned
):
    sign_in(page, staff.email, PASSWORD)
    page.goto(f"{live_server.url}/migrations/{planned.pk}/plan/")
    expect(page.get_by_role("heading", name="Plan for Riverside Medical Centre")).to_be_visible()
    assert_accessible(page)

    # Ticking happens in place (htmx): the progress bar follows without a reload, keyboard focus
    # stays on the row's control and the live region says what happened.
    tick = control(page, "Mark done", "Check smartcards and card readers")
    tick.focus()
    page.keyboard.press("Enter")
    reopen = control(page, "Reopen", "Check smartcards and card readers")
    expect(reopen).to_be_focused()
    expect(page.locator("#plan-live")).to_have_text("“Check smartcards and card readers” marked done.")
    control(page, "Mark done", "Export letter and clinical templates").click()
    expect(control(page, "Reopen", "Export letter and clinical templates")).to_be_focused()
    expect(page.locator("#progress-preparation")).to_contain_text("2 of 24 done")

    # "Not applicable" lives on the task's own page, reached from the row's title.
    row(page, planned, "plan-third-party-suppliers").get_by_role(
        "link", name="Agree a plan with each third-party supplier"
    ).click()
    page.locator("summary", has_text="Not applicable").click()
    # Without a reason it is refused, and the reason is asked for beside the box.
    page.get_by_role("button", name="Mark not applicable").click()
    expect(page.get_by_text("Say why this task does not apply to your practice.")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Why does “Agree a plan with each third-party supplier” not apply?").fill(
        "We use no third-party document or scanning system."
    )
    page.get_by_role("button", name="Mark not applicable").click()
    # Back on the task's own page, which now says why it does not apply.
    expect(page.get_by_text("Status: Not applicable (")).to_contain_text("We use no third-party document or scanning")

    page.goto(f"{live_server.url}/migrations/{planned.pk}/plan/")
    expect(control(page, "Reopen", "Check smartcards and card readers")).to_be_visible()
    expect(control(page, "Reopen", "Export letter and clinical templates")).to_be_visible()
    expect(row(page, planned, "plan-third-party-suppliers")).to_contain_text("Not applicable: We use no third-party")
    expect(page.locator("#progress-preparation")).to_contain_text("2 of 23 done")
    assert_accessible(page)

    done = Task.objects.filter(migration=planned, status=Task.Status.DONE)
    assert set(done.values_list("template_item__key", flat=True)) == {"smartcards", "export-templates"}
    assert {task.status_changed_by for task in done} == {staff}


def test_ticking_works_without_javascript(browser, live_server, sign_in, staff, planned):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    sign_in(page, staff.email, PASSWORD)
    page.goto(f"{live_server.url}/migrations/{planned.pk}/plan/?overdue=0&phase=preparation")
    with page.expect_navigation():
        control(page, "Mark done", "Check smartcards and card readers").click()
    expect(control(page, "Reopen", "Check smartcards and card readers")).to_be_visible()
    assert "phase=preparation" in page.url
    context.close()


@pytest.mark.parametrize("who", ["manager", "staff"])
def test_the_demo_sized_plan_is_short_and_has_two_tab_stops_a_row(page, live_server, sign_in, request, who, planned):
    user = request.getfixturevalue(who)
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(page, user.email, PASSWORD)
    page.goto(f"{live_server.url}/migrations/{planned.pk}/plan/")
    assert page.locator("li.plan-row").count() == 46
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height <= 3000, f"the plan is {height} px tall"
    stops = page.evaluate(TAB_STOPS_PER_ROW)
    assert max(stops) <= 2, stops
    # Nothing is wider than the window.
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366


def test_the_plan_is_reached_from_the_migration_page(page, live_server, sign_in, assert_accessible, manager, planned):
    sign_in(page, manager.email, PASSWORD)
    page.goto(f"{live_server.url}/migrations/{planned.pk}/")
    expect(page.get_by_text("0 of 46 tasks done.")).to_be_visible()
    # The plan's rows are on the migration page itself, before the reminders.
    assert page.locator("li.plan-row").count() == 46
    assert_accessible(page)
    page.get_by_role("link", name="Open the plan").click()
    expect(page.get_by_role("heading", name="Preparation")).to_be_visible()
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("link", name="Add a task").click()
    assert_accessible(page)
