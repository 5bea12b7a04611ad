"""Confirming who is involved gives each open task to the one person who holds its usual role."""

import pytest
from django.urls import reverse

from practices.models import Stakeholder, StakeholderConfirmation, StakeholderRole
from practices.stakeholders import stakeholder_create, stakeholders_suggest
from tasks.models import Task
from tasks.services import task_assign, task_set_status, tasks_assign_default_owners

from ..factories import ContactFactory, PracticeMembershipFactory, UserFactory
from .conftest import task_by_key

pytestmark = pytest.mark.django_db


def _holders(migration, role):
    return set(
        Task.objects.filter(migration=migration, default_owner_role=role).values_list(
            "assignee_id", "assigned_contact_id"
        )
    )


def test_each_open_task_goes_to_the_single_holder_of_its_role(plan_migration, manager, it_lead, people):
    assigned = tasks_assign_default_owners(migration=plan_migration, by=manager)
    assert assigned
    assert _holders(plan_migration, StakeholderRole.PRACTICE_MANAGER) == {(manager.pk, None)}
    assert _holders(plan_migration, StakeholderRole.IT_LEAD) == {(it_lead.pk, None)}
    task = task_by_key(plan_migration, "backup-third-party-systems")
    record = task.history.latest()
    assert record.history_user == manager
    assert record.history_change_reason == "Given to its usual owner when the people involved were confirmed"


def test_a_role_held_by_several_people_is_left_for_the_manager(plan_migration, manager, staff, people, practice):
    nurse = PracticeMembershipFactory(practice=practice, role="practice_staff", user=UserFactory()).user
    stakeholder_create(migration=plan_migration, role=StakeholderRole.PRACTICE_STAFF, user=nurse, by=manager)
    tasks_assign_default_owners(migration=plan_migration, by=manager)
    assert _holders(plan_migration, StakeholderRole.PRACTICE_STAFF) == {(None, None)}


def test_the_only_staff_member_gets_the_staff_tasks(plan_migration, manager, staff, people):
    tasks_assign_default_owners(migration=plan_migration, by=manager)
    assert _holders(plan_migration, StakeholderRole.PRACTICE_STAFF) == {(staff.pk, None)}


def test_an_outside_contact_alone_in_the_role_gets_its_tasks(plan_migration, manager):
    agency = ContactFactory(migration=plan_migration, role=StakeholderRole.IT_LEAD, name="Agency IT")
    tasks_assign_default_owners(migration=plan_migration, by=manager)
    assert _holders(plan_migration, StakeholderRole.IT_LEAD) == {(None, agency.pk)}


def test_a_person_and_a_contact_in_one_role_are_several_people(plan_migration, manager, it_lead, people):
    ContactFactory(migration=plan_migration, role=StakeholderRole.IT_LEAD, name="Agency IT")
    tasks_assign_default_owners(migration=plan_migration, by=manager)
    assert _holders(plan_migration, StakeholderRole.IT_LEAD) == {(None, None)}


def test_someone_who_no_longer_works_at_the_practice_is_not_given_tasks(plan_migration, manager, it_lead, people):
    it_lead.practice_memberships.all().delete()
    tasks_assign_default_owners(migration=plan_migration, by=manager)
    assert _holders(plan_migration, StakeholderRole.IT_LEAD) == {(None, None)}


def test_a_manual_assignment_is_never_overridden(plan_migration, manager, staff, it_lead, people):
    task = task_by_key(plan_migration, "backup-third-party-systems")
    task_assign(task=task, assignee=staff, by=manager, version=task.version)
    tasks_assign_default_owners(migration=plan_migration, by=manager)
    task.refresh_from_db()
    assert task.assignee == staff


def test_a_task_someone_emptied_on_purpose_stays_empty(plan_migration, manager, it_lead, people):
    task = task_by_key(plan_migration, "backup-third-party-systems")
    task = task_assign(task=task, assignee=it_lead, by=manager, version=task.version)
    task_assign(task=task, by=manager, version=task.version)  # back to nobody
    tasks_assign_default_owners(migration=plan_migration, by=manager)
    task.refresh_from_db()
    assert task.assignee is None


def test_closed_tasks_are_not_assigned(plan_migration, manager, it_lead, people):
    task = task_by_key(plan_migration, "smartcards")
    task_set_status(task=task, status="not_applicable", reason="No smartcards here", by=manager, version=task.version)
    tasks_assign_default_owners(migration=plan_migration, by=manager)
    task.refresh_from_db()
    assert task.assignee is None


def test_running_it_twice_changes_nothing_the_second_time(plan_migration, manager, it_lead, people):
    first = tasks_assign_default_owners(migration=plan_migration, by=manager)
    versions = dict(Task.objects.values_list("pk", "version"))
    assert tasks_assign_default_owners(migration=plan_migration, by=manager) == []
    assert first
    assert dict(Task.objects.values_list("pk", "version")) == versions


def test_confirming_the_people_gives_tasks_to_their_usual_owners(client, manager, it_lead, plan_migration):
    client.force_login(manager)
    chosen = [s.key for s in stakeholders_suggest(plan_migration)]
    response = client.post(reverse("people-confirm", args=[plan_migration.pk]), {"chosen": chosen})
    assert response.status_code == 302
    assert StakeholderConfirmation.objects.filter(migration=plan_migration).exists()
    assert Stakeholder.objects.filter(migration=plan_migration, user=it_lead).exists()
    assert _holders(plan_migration, StakeholderRole.IT_LEAD) == {(it_lead.pk, None)}
    page = client.get(response.url).content.decode()
    # To a person with an account, or to an outside contact (a supplier's, for the new system's extract).
    count = Task.objects.filter(migration=plan_migration).exclude(assignee=None, assigned_contact=None).count()
    assert f"{count} tasks of the plan given to their usual owner." in page


def test_confirming_with_nobody_chosen_assigns_nothing(client, manager, it_lead, plan_migration):
    client.force_login(manager)
    client.post(reverse("people-confirm", args=[plan_migration.pk]), {})
    assert not Task.objects.filter(migration=plan_migration).exclude(assignee=None).exists()


def test_staff_cannot_confirm_the_people(client, staff, plan_migration):
    client.force_login(staff)
    assert client.post(reverse("people-confirm", args=[plan_migration.pk]), {}).status_code == 403
    assert not Task.objects.filter(migration=plan_migration).exclude(assignee=None).exists()
