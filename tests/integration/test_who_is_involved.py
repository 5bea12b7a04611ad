"""The "Who is involved" page says what each person holds in the plan and what of it is overdue."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from practices.models import StakeholderRole
from practices.stakeholders import stakeholder_create, who_is_involved
from tasks.selectors import stakeholder_workload
from tasks.services import task_assign, task_set_status

from ..factories import ContactFactory, PracticeMembershipFactory, UserFactory
from .conftest import FDP, travel

pytestmark = pytest.mark.django_db


def people_url(migration) -> str:
    return reverse("people", args=[migration.pk])


def give(task, *, by, assignee=None, contact=None):
    return task_assign(task=task, assignee=assignee, contact=contact, by=by, version=task.version)


def workload_of(migration, stakeholder):
    groups = who_is_involved(migration, workload=stakeholder_workload).groups
    person = next(p for g in groups for p in g.stakeholders if p.pk == stakeholder.pk)
    return person.workload


def test_open_tasks_and_overdue_ones_are_counted_per_person(plan_migration, manager, it_lead, people, lab_contact):
    tasks = {t.template_item.key: t for t in plan_migration.tasks.select_related("template_item")}
    give(tasks["backup-third-party-systems"], assignee=it_lead, by=manager)  # due 3 Feb 2027
    give(tasks["smartcards"], assignee=it_lead, by=manager)
    done = give(tasks["export-templates"], assignee=it_lead, by=manager)
    task_set_status(task=done, status="done", by=it_lead, version=done.version)
    give(tasks["cutover-pathology"], contact=lab_contact, by=manager)

    with travel(FDP):  # preparation tasks are due by now
        load = workload_of(plan_migration, people[StakeholderRole.IT_LEAD])
        overdue_before_fdp = {t.title for t in load.tasks if t.overdue}
    assert load.assigned == 2  # the done task is not work to do
    assert load.overdue == len(overdue_before_fdp) >= 1
    assert {t.pk for t in load.tasks} == {tasks["backup-third-party-systems"].pk, tasks["smartcards"].pk}
    contact_load = workload_of(plan_migration, lab_contact)
    assert contact_load.assigned == 1
    assert workload_of(plan_migration, people[StakeholderRole.PRACTICE_STAFF]) is None


def test_nothing_is_overdue_before_its_due_date(plan_migration, manager, it_lead, people):
    task = plan_migration.tasks.get(template_item__key="backup-third-party-systems")
    give(task, assignee=it_lead, by=manager)
    with travel(task.due_date):
        assert workload_of(plan_migration, people[StakeholderRole.IT_LEAD]).overdue == 0
    with travel(task.due_date + dt.timedelta(days=1)):
        assert workload_of(plan_migration, people[StakeholderRole.IT_LEAD]).overdue == 1


def test_the_page_shows_each_persons_tasks_with_overdue_marked(client, plan_migration, manager, it_lead, people):
    task = plan_migration.tasks.get(template_item__key="backup-third-party-systems")
    give(task, assignee=it_lead, by=manager)
    with travel(task.due_date + dt.timedelta(days=1)):
        client.force_login(manager)
        page = client.get(people_url(plan_migration)).content.decode()
    assert '<th scope="col">Assigned tasks</th>' in page
    assert '1 open task, <strong class="app-text-error">1 overdue</strong>' in page
    assert reverse("task-detail", args=[plan_migration.pk, task.pk]) in page
    assert "Nothing open assigned" in page  # the manager and staff hold nothing


def test_the_icb_sees_the_workload_too(client, plan_migration, manager, icb_user, lab_contact):
    give(plan_migration.tasks.get(template_item__key="cutover-pathology"), contact=lab_contact, by=manager)
    client.force_login(icb_user)
    page = client.get(people_url(plan_migration)).content.decode()
    assert "1 open task" in page


def test_the_page_costs_the_same_queries_however_much_is_assigned(client, plan_migration, manager, practice):
    client.force_login(manager)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(people_url(plan_migration)).status_code == 200
        return len(queries)

    stakeholder_create(migration=plan_migration, role="practice_manager", user=manager, by=manager)
    contact = ContactFactory(migration=plan_migration)
    give(plan_migration.tasks.first(), contact=contact, by=manager)
    small = count()
    tasks = list(plan_migration.tasks.filter(assignee=None, assigned_contact=None))
    for n in range(8):
        user = PracticeMembershipFactory(practice=practice, role="practice_staff", user=UserFactory()).user
        stakeholder_create(migration=plan_migration, role="practice_staff", user=user, by=manager)
        other = ContactFactory(migration=plan_migration, role=StakeholderRole.THIRD_PARTY_SUPPLIER)
        give(tasks[2 * n], assignee=user, by=manager)
        give(tasks[2 * n + 1], contact=other, by=manager)
    assert count() == small
