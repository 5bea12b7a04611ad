"""Where each role lands after signing in, My tasks, and the managers' list of migrations."""

import datetime as dt

import pytest
from django.urls import reverse

from practices.models import PracticeMembership
from tasks.services import plan_create_for_migration, task_assign, task_set_status

from ..factories import MigrationFactory, PracticeMembershipFactory
from .conftest import task_by_key

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("role", "lands_on"),
    [
        ("manager", "migration-list"),
        ("staff", "my-tasks"),
        ("it_lead", "my-tasks"),
        ("icb", "dashboard"),
        ("partner", "dashboard"),
        ("superuser", "migration-list"),
    ],
)
def test_each_role_lands_on_its_own_home(client, users, role, lands_on):
    client.force_login(users[role])
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url == reverse(lands_on)


def test_someone_signed_out_is_asked_to_sign_in_first(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_my_tasks_groups_open_tasks_by_when_they_are_due_with_their_practice(
    client, manager, staff, plan_migration, frozen_today
):
    # Thursday 26 Nov 2026: "this week" runs to Sunday 29 Nov.
    keys = {"order-new-system": None, "smartcards": None, "cutover-pathology": None, "export-templates": None}
    for key in keys:
        task = task_by_key(plan_migration, key)
        task_assign(task=task, assignee=staff, by=manager, version=task.version)
    done = task_by_key(plan_migration, "export-templates")
    task_set_status(task=done, status="done", by=staff, version=done.version)
    client.force_login(staff)
    response = client.get(reverse("my-tasks"))
    mine = response.context["mine"]
    shown = [*mine.overdue, *mine.this_week, *mine.later]
    # Done tasks and tasks held by others are not "mine to do".
    assert done.pk not in {task.pk for task in shown}
    assert {task.pk for task in shown} == {task_by_key(plan_migration, key).pk for key in keys} - {done.pk}
    today = frozen_today
    assert all(task.due_date < today for task in mine.overdue)
    assert all(today <= task.due_date <= dt.date(2026, 11, 29) for task in mine.this_week)
    assert all(task.due_date > dt.date(2026, 11, 29) for task in mine.later)
    page = response.content.decode()
    assert "Riverside Medical Centre" in page
    assert page.count("Mark done<span") == len(shown)


def test_my_tasks_leaves_out_practices_i_no_longer_work_at(
    client, manager, staff, plan_migration, other_practice, suppliers
):
    # Staff hold a task at another practice they have since left: it is not theirs to tick.
    elsewhere = MigrationFactory(practice=other_practice, current_supplier=suppliers[0], new_supplier=suppliers[1])
    plan_create_for_migration(migration=elsewhere, by=manager)
    task = elsewhere.tasks.first()
    task.assignee = staff
    task.save(update_fields=["assignee"])
    client.force_login(staff)
    mine = client.get(reverse("my-tasks")).context["mine"]
    assert mine.count == 0


def test_ticking_on_my_tasks_comes_back_to_my_tasks(client, manager, staff, plan_migration):
    task = task_by_key(plan_migration, "smartcards")
    task = task_assign(task=task, assignee=staff, by=manager, version=task.version)
    client.force_login(staff)
    back = reverse("my-tasks")
    url = reverse("task-status", args=[plan_migration.pk, task.pk])
    response = client.post(url, {"status": "done", "version": task.version, "next": back})
    assert response.url == f"{back}#task-{task.pk}"
    assert client.get(back).context["mine"].count == 0


def test_my_tasks_runs_a_fixed_number_of_queries(
    client, manager, staff, plan_migration, other_practice, suppliers, django_assert_max_num_queries
):
    for task in plan_migration.tasks.all()[:20]:
        task_assign(task=task, assignee=staff, by=manager, version=task.version)
    second = MigrationFactory(practice=other_practice, current_supplier=suppliers[0], new_supplier=suppliers[1])
    PracticeMembershipFactory(practice=other_practice, user=staff, role=PracticeMembership.Role.PRACTICE_STAFF)
    plan_create_for_migration(migration=second, by=manager)
    second.tasks.update(assignee=staff)
    client.force_login(staff)
    with django_assert_max_num_queries(6):
        response = client.get(reverse("my-tasks"))
    assert response.context["mine"].count > 40


def test_managers_see_stage_rag_progress_and_next_deadline_of_their_migrations_only(
    client, manager, staff, plan_migration, other_practice, suppliers, frozen_today, django_assert_max_num_queries
):
    MigrationFactory(practice=other_practice, current_supplier=suppliers[0], new_supplier=suppliers[1])
    task_set_status(task=task_by_key(plan_migration, "smartcards"), status="done", by=staff, version=1)
    client.force_login(manager)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("migration-list"))
    page = response.content.decode()
    assert [m.pk for m in response.context["migrations"]] == [plan_migration.pk]
    assert "Elsewhere Surgery" not in page
    row = response.context["migrations"][0]
    assert row.rag in {"red", "amber", "green"}
    assert "1 of 46 done" in page
    upcoming = plan_migration.tasks.filter(status="open", due_date__gte=frozen_today).order_by("due_date", "position")
    assert f"{upcoming[0].title}" in page
