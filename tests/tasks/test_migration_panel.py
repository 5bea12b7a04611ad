"""The migration page shows the plan's progress and its next three deadlines."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from coordinator.services import migration_update
from tasks.services import task_set_status

from .conftest import task_by_key

pytestmark = pytest.mark.django_db


def test_the_migration_page_shows_progress_and_the_next_three_deadlines(client, staff, plan_migration):
    # Recording the meeting on the migration ticks its task; the other is ticked by hand.
    migration_update(migration=plan_migration, by=staff, planning_meeting_date=dt.date(2027, 1, 13))
    task_set_status(task=task_by_key(plan_migration, "notify-third-parties"), status="done", by=staff, version=1)
    # 20 Jan 2027: the planning meeting (13 Jan) and notifying third parties (20 Jan) are done.
    with time_machine.travel(dt.datetime(2027, 1, 20, 9, 0, tzinfo=dt.UTC), tick=False):
        client.force_login(staff)
        response = client.get(reverse("migration-detail", args=[plan_migration.pk]))
    summary, progress = response.context["plan_summary"], response.context["plan"].overall
    assert (progress.done, progress.applicable) == (2, 46)
    # Three tasks fall due today, 20 Jan: the third-party plan, and two of the lifecycle's, three weeks
    # before FDP (telling patients, and the first extract, IDP, worked back from FDP); template order decides.
    assert [t.title for t in summary.next_deadlines] == [
        "Agree a plan with each third-party supplier",
        "Tell patients about the change",
        "Confirm the first extract is loaded",
    ]
    page = response.content.decode()
    assert "2 of 46 tasks done." in page
    assert reverse("plan", args=[plan_migration.pk]) in page
    assert "Open the plan" in page
    # The plan itself is on the page, one row per task, after the summary.
    assert page.count('class="nhsuk-task-list__item plan-row') == 46
    assert page.index("Next deadlines") < page.index('id="plan-summary"') < page.index('id="key-dates"')
    # The reminders come after and are folded away.
    assert page.index('id="plan-summary"') < page.index('id="reminders"')
    reminders = page[page.index('id="reminders"') :]
    assert reminders.index('<details class="nhsuk-details"') < reminders.index("Coming up")
    assert "open" not in reminders[: reminders.index("<summary")]


def test_overdue_tasks_are_counted_with_a_link_to_them(client, staff, plan_migration):
    with time_machine.travel(dt.datetime(2027, 2, 5, 9, 0, tzinfo=dt.UTC), tick=False):
        client.force_login(staff)
        response = client.get(reverse("migration-detail", args=[plan_migration.pk]))
    overdue = plan_migration.tasks.filter(due_date__lt=dt.date(2027, 2, 5)).count()
    assert response.context["plan_summary"].overdue == overdue > 0
    assert f'?overdue=1">{overdue} tasks overdue' in response.content.decode()


def test_the_migration_page_stays_within_its_query_budget_with_a_plan(
    client, manager, plan_migration, django_assert_max_num_queries
):
    client.force_login(manager)
    # Sign-offs add two: the sign-offs themselves and whether the user is the clinical lead. The plan's
    # rows replace the summary's query and add the re-entry backlog its gated tasks read; the
    # third-party systems are read once, for the plan and the people panel. The reminders still to
    # come and the migration's history are loaded when their sections are opened. On PostgreSQL one
    # more reads the plan's fingerprint, and a second view of an unchanged plan then reads neither
    # its tasks nor its re-entry backlog (tests/tasks/test_plan_cache.py).
    with django_assert_max_num_queries(13):
        assert client.get(reverse("migration-detail", args=[plan_migration.pk])).status_code == 200
