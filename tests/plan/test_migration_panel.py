"""The migration page shows the plan's progress and its next three deadlines."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from tasks.services import task_set_status

from .conftest import task_by_key

pytestmark = pytest.mark.django_db


def test_the_migration_page_shows_progress_and_the_next_three_deadlines(client, staff, plan_migration):
    for key in ["planning-meeting", "notify-third-parties"]:
        task_set_status(task=task_by_key(plan_migration, key), status="done", by=staff, version=1)
    # 20 Jan 2027: the planning meeting (13 Jan) and notifying third parties (20 Jan) are done.
    with time_machine.travel(dt.datetime(2027, 1, 20, 9, 0, tzinfo=dt.UTC), tick=False):
        client.force_login(staff)
        response = client.get(reverse("migration-detail", args=[plan_migration.pk]))
    summary = response.context["plan_summary"]
    assert (summary.progress.done, summary.progress.applicable) == (2, 27)
    assert [t.title for t in summary.next_deadlines] == [
        "Agree a plan with each third-party supplier",  # due today, 20 Jan
        "Decide how new patients register during cutover",  # both due 27 Jan; template order decides
        "Check smartcards and card readers",
    ]
    page = response.content.decode()
    assert "2 of 27 tasks done." in page
    assert reverse("plan", args=[plan_migration.pk]) in page
    assert "Open the plan" in page


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
    with django_assert_max_num_queries(16):
        assert client.get(reverse("migration-detail", args=[plan_migration.pk])).status_code == 200
