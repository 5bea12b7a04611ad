"""Removing someone who holds open tasks asks what happens to them; closed tasks keep who held them."""

import pytest
from django.urls import reverse

from cutover.history import history_entries
from practices.models import Stakeholder, StakeholderRole
from practices.stakeholders import stakeholder_create, stakeholder_remove, stakeholders_of
from tasks.models import Task
from tasks.services import task_assign, task_set_status

from ..factories import ContactFactory
from .conftest import task_by_key

pytestmark = pytest.mark.django_db


def remove_url(stakeholder) -> str:
    return reverse("stakeholder-remove", args=[stakeholder.migration_id, stakeholder.pk])


def give(task, *, by, assignee=None, contact=None):
    return task_assign(task=task, assignee=assignee, contact=contact, by=by, version=task.version)


@pytest.fixture
def contact_with_work(plan_migration, manager, lab_contact):
    """The lab contact holds two open tasks and one done task."""
    open_tasks = [
        give(task_by_key(plan_migration, key), contact=lab_contact, by=manager)
        for key in ["cutover-pathology", "cutover-referrals"]
    ]
    done = give(task_by_key(plan_migration, "cutover-scanning"), contact=lab_contact, by=manager)
    done = task_set_status(task=done, status="done", by=manager, version=done.version)
    return lab_contact, open_tasks, done


def test_the_remove_page_lists_their_open_tasks_and_asks(client, manager, contact_with_work):
    contact, open_tasks, done = contact_with_work
    client.force_login(manager)
    response = client.get(remove_url(contact))
    page = response.content.decode()
    assert response.status_code == 200
    assert "2 open tasks assigned to them" in page
    for task in open_tasks:
        assert task.title in page
    assert done.title not in page
    assert "Reassign them to the person chosen below" in page
    assert "Leave them unassigned" in page
    assert '<optgroup label="Practice members">' in page
    # The person being removed is not offered as their own replacement.
    assert f'value="contact:{contact.pk}"' not in page


def test_reassigning_to_a_member_moves_open_tasks_and_keeps_the_done_one(client, manager, staff, contact_with_work):
    contact, open_tasks, done = contact_with_work
    client.force_login(manager)
    response = client.post(remove_url(contact), {"what": "reassign", "to": f"user:{staff.pk}"})
    assert response.status_code == 302
    for task in open_tasks:
        task.refresh_from_db()
        assert (task.assignee, task.assigned_contact) == (staff, None)
        assert task.history.latest().history_change_reason == ("Handed over: Jo Bennett was removed from the migration")
    done.refresh_from_db()
    assert done.assigned_contact == contact
    contact.refresh_from_db()
    assert contact.is_removed  # kept for the done task's sake
    assert contact not in stakeholders_of(contact.migration)
    page = client.get(response.url).content.decode()
    assert "Jo Bennett removed from this migration. 2 open tasks reassigned to" in page
    assert "No pathology lab provider recorded" in page


def test_reassigning_to_another_contact(client, manager, plan_migration, contact_with_work):
    contact, open_tasks, _ = contact_with_work
    other = ContactFactory(migration=plan_migration, role=StakeholderRole.PATHOLOGY_LAB, name="Sam Lee")
    client.force_login(manager)
    client.post(remove_url(contact), {"what": "reassign", "to": f"contact:{other.pk}"})
    assert {t.assigned_contact_id for t in Task.objects.filter(pk__in=[t.pk for t in open_tasks])} == {other.pk}


def test_leaving_them_unassigned_empties_the_open_tasks(client, manager, contact_with_work):
    contact, open_tasks, _ = contact_with_work
    client.force_login(manager)
    response = client.post(remove_url(contact), {"what": "unassign"})
    assert response.status_code == 302
    for task in open_tasks:
        task.refresh_from_db()
        assert (task.assignee, task.assigned_contact) == (None, None)
    page = client.get(response.url).content.decode()
    assert "2 open tasks left unassigned." in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Choose whether to reassign their open tasks or leave them unassigned."),
        ({"what": "reassign"}, "Choose who takes over their open tasks, or choose to leave them unassigned."),
        ({"what": "reassign", "to": "contact:999999"}, "Choose someone who works at this practice"),
        ({"what": "sideways"}, "Select a valid choice."),
    ],
)
def test_an_unclear_choice_changes_nothing_and_says_why(client, manager, contact_with_work, data, message):
    contact, open_tasks, _ = contact_with_work
    client.force_login(manager)
    response = client.post(remove_url(contact), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    contact.refresh_from_db()
    assert not contact.is_removed
    assert Task.objects.filter(assigned_contact=contact, status="open").count() == len(open_tasks)


def test_the_removed_contact_cannot_be_chosen_as_their_own_replacement(client, manager, contact_with_work):
    contact, _, _ = contact_with_work
    client.force_login(manager)
    response = client.post(remove_url(contact), {"what": "reassign", "to": f"contact:{contact.pk}"})
    assert response.status_code == 400
    assert Task.objects.filter(assigned_contact=contact, status="open").count() == 2


def test_a_contact_without_tasks_is_deleted_outright(client, manager, plan_migration, lab_contact):
    client.force_login(manager)
    response = client.post(remove_url(lab_contact))
    assert response.status_code == 302
    assert not Stakeholder.objects.filter(pk=lab_contact.pk).exists()


def test_a_contact_with_only_closed_tasks_is_kept_as_removed_and_named_on_them(
    client, manager, plan_migration, lab_contact
):
    task = give(task_by_key(plan_migration, "cutover-pathology"), contact=lab_contact, by=manager)
    task_set_status(task=task, status="not_applicable", reason="Lab sends on paper", by=manager, version=task.version)
    assert stakeholder_remove(stakeholder=lab_contact, by=manager) is False
    lab_contact.refresh_from_db()
    assert lab_contact.is_removed
    client.force_login(manager)
    detail = client.get(reverse("task-detail", args=[plan_migration.pk, task.pk])).content.decode()
    assert "Jo Bennett" in detail
    assert "no longer involved" in detail
    assert "Jo Bennett, Pathology lab provider" in " ".join(
        line for entry in history_entries(task) for line in entry.changes
    )
    # They leave every list of current people, and the page for them is gone.
    assert client.get(reverse("people", args=[plan_migration.pk])).content.decode().count("Jo Bennett") == 0
    assert client.get(remove_url(lab_contact)).status_code == 404


def test_the_same_contact_can_be_added_again_after_removal(plan_migration, manager, lab_contact):
    task = give(task_by_key(plan_migration, "cutover-pathology"), contact=lab_contact, by=manager)
    task_set_status(task=task, status="done", by=manager, version=task.version)
    stakeholder_remove(stakeholder=lab_contact, by=manager)
    again = stakeholder_create(
        migration=plan_migration,
        role=StakeholderRole.PATHOLOGY_LAB,
        name="Jo Bennett",
        organisation_name="City Pathology",
        email="jo.bennett@lab.example",
        by=manager,
    )
    assert again.pk != lab_contact.pk


def test_the_service_refuses_to_orphan_open_tasks(plan_migration, manager, contact_with_work):
    from practices.stakeholders import StakeholderInUse

    contact, open_tasks, _ = contact_with_work
    with pytest.raises(StakeholderInUse) as caught:
        stakeholder_remove(stakeholder=contact, by=manager)
    assert {t.pk for t in caught.value.blocking} == {t.pk for t in open_tasks}
    contact.refresh_from_db()
    assert not contact.is_removed


def test_removing_a_person_who_signs_in_asks_about_their_tasks_too(client, manager, it_lead, plan_migration, people):
    task = give(task_by_key(plan_migration, "backup-third-party-systems"), assignee=it_lead, by=manager)
    person = people[StakeholderRole.IT_LEAD]
    client.force_login(manager)
    page = client.get(remove_url(person)).content.decode()
    assert "1 open task assigned to them" in page
    assert f'value="user:{it_lead.pk}"' not in page
    response = client.post(remove_url(person), {"what": "reassign", "to": f"user:{manager.pk}"})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.assignee == manager
    assert not Stakeholder.objects.filter(pk=person.pk).exists()


def test_a_person_still_involved_in_another_role_keeps_their_tasks(client, manager, it_lead, plan_migration, people):
    task = give(task_by_key(plan_migration, "backup-third-party-systems"), assignee=it_lead, by=manager)
    other_role = stakeholder_create(
        migration=plan_migration, role=StakeholderRole.PRACTICE_STAFF, user=it_lead, by=manager
    )
    client.force_login(manager)
    assert "open task" not in client.get(remove_url(other_role)).content.decode()
    assert client.post(remove_url(other_role)).status_code == 302
    task.refresh_from_db()
    assert task.assignee == it_lead


def test_staff_cannot_remove_anyone(client, staff, contact_with_work):
    contact, _, _ = contact_with_work
    client.force_login(staff)
    assert client.post(remove_url(contact), {"what": "unassign"}).status_code == 403
    assert Task.objects.filter(assigned_contact=contact, status="open").count() == 2


def test_an_outsider_gets_not_found(client, outsider, contact_with_work):
    contact, _, _ = contact_with_work
    client.force_login(outsider)
    assert client.post(remove_url(contact), {"what": "unassign"}).status_code == 404


def test_anonymous_people_are_sent_to_sign_in(client, contact_with_work):
    contact, _, _ = contact_with_work
    response = client.post(remove_url(contact), {"what": "unassign"})
    assert response.status_code == 302
    assert "/accounts/login/" in response.url


def test_remove_answers_get_and_post_only(client, manager, contact_with_work):
    contact, _, _ = contact_with_work
    client.force_login(manager)
    assert client.put(remove_url(contact)).status_code == 405
