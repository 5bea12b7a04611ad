"""A task goes to a practice member or to an outside contact of the migration, from one list."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from cutover.history import history_entries
from practices.models import StakeholderRole
from practices.stakeholders import stakeholder_remove
from tasks.models import Task
from tasks.services import task_assign

from ..factories import ContactFactory, MigrationFactory
from .conftest import assign_url, detail_url, plan_url, task_by_key

pytestmark = pytest.mark.django_db


# The service ------------------------------------------------------------------------------------


def test_a_task_can_be_given_to_an_outside_contact_and_history_says_so(plan_migration, manager, lab_contact):
    task = task_by_key(plan_migration, "cutover-pathology")
    task = task_assign(task=task, contact=lab_contact, by=manager, version=task.version)
    task.refresh_from_db()
    assert task.assigned_contact == lab_contact
    assert task.assignee is None
    latest = history_entries(task)[0]
    assert latest.who == manager
    assert "Assigned outside contact: (empty) → Jo Bennett, Pathology lab provider" in latest.changes


def test_giving_a_contacts_task_to_a_member_takes_it_off_the_contact(plan_migration, manager, staff, lab_contact):
    task = task_by_key(plan_migration, "cutover-pathology")
    task = task_assign(task=task, contact=lab_contact, by=manager, version=task.version)
    task = task_assign(task=task, assignee=staff, by=manager, version=task.version)
    task.refresh_from_db()
    assert (task.assignee, task.assigned_contact) == (staff, None)


def test_a_task_cannot_go_to_a_member_and_a_contact_at_once(plan_migration, manager, staff, lab_contact):
    task = task_by_key(plan_migration, "cutover-pathology")
    with pytest.raises(ValidationError, match="not both"):
        task_assign(task=task, assignee=staff, contact=lab_contact, by=manager, version=task.version)


def test_the_database_refuses_a_task_with_two_holders(plan_migration, staff, lab_contact):
    task = task_by_key(plan_migration, "cutover-pathology")
    with pytest.raises(IntegrityError), transaction.atomic():
        Task.objects.filter(pk=task.pk).update(assignee=staff, assigned_contact=lab_contact)


def test_a_contact_of_another_migration_is_refused(plan_migration, manager, other_practice):
    elsewhere = ContactFactory(migration=MigrationFactory(practice=other_practice))
    task = task_by_key(plan_migration, "cutover-pathology")
    with pytest.raises(ValidationError):
        task_assign(task=task, contact=elsewhere, by=manager, version=task.version)
    task.refresh_from_db()
    assert task.assigned_contact is None


def test_a_removed_contact_cannot_be_given_new_work(plan_migration, manager, lab_contact):
    done = task_by_key(plan_migration, "cutover-pathology")
    done = task_assign(task=done, contact=lab_contact, by=manager, version=done.version)
    Task.objects.filter(pk=done.pk).update(status="done", status_changed_at=done.created_at)
    stakeholder_remove(stakeholder=lab_contact, by=manager)  # kept, marked removed, for the done task
    lab_contact.refresh_from_db()
    task = task_by_key(plan_migration, "cutover-referrals")
    with pytest.raises(ValidationError):
        task_assign(task=task, contact=lab_contact, by=manager, version=task.version)


# The task page's assign form ---------------------------------------------------------------------


def test_the_assign_list_groups_members_and_outside_contacts(client, manager, staff, plan_migration, lab_contact):
    client.force_login(manager)
    page = client.get(detail_url(task_by_key(plan_migration, "cutover-pathology"))).content.decode()
    assert '<optgroup label="Practice members">' in page
    assert '<optgroup label="Outside contacts">' in page
    assert f'<option value="contact:{lab_contact.pk}"' in page
    assert "Jo Bennett (City Pathology), pathology lab provider" in page
    assert f'<option value="user:{staff.pk}"' in page


def test_assigning_to_a_contact_without_javascript_redirects_back(client, manager, plan_migration, lab_contact):
    task = task_by_key(plan_migration, "cutover-pathology")
    client.force_login(manager)
    response = client.post(
        assign_url(task),
        {"assignee": f"contact:{lab_contact.pk}", "version": task.version, "next": plan_url(plan_migration)},
    )
    assert response.status_code == 302
    assert response.url == f"{plan_url(plan_migration)}#task-{task.pk}"
    task.refresh_from_db()
    assert task.assigned_contact == lab_contact
    page = client.get(plan_url(plan_migration)).content.decode()
    assert f"“{task.title}” assigned to Jo Bennett." in page


def test_assigning_to_a_contact_with_htmx_returns_the_row_naming_them(client, manager, plan_migration, lab_contact):
    task = task_by_key(plan_migration, "cutover-pathology")
    client.force_login(manager)
    response = client.post(
        assign_url(task), {"assignee": f"contact:{lab_contact.pk}", "version": task.version}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    row = response.content.decode()
    assert row.lstrip().startswith(f'<li id="task-{task.pk}"')
    assert '<div class="plan-row__who">Jo Bennett</div>' in row
    assert Task.objects.get(pk=task.pk).assigned_contact == lab_contact


def test_the_task_page_names_the_contact_and_their_organisation(client, manager, plan_migration, lab_contact):
    task = task_by_key(plan_migration, "cutover-pathology")
    task_assign(task=task, contact=lab_contact, by=manager, version=task.version)
    client.force_login(manager)
    page = client.get(detail_url(task)).content.decode()
    assert (
        '<strong>Jo Bennett</strong> <span class="nhsuk-u-secondary-text-colour">(outside contact, City Pathology)'
        in page
    )
    assert f'<option value="contact:{lab_contact.pk}" selected>' in page


def test_assigning_to_nobody_clears_a_contact(client, manager, plan_migration, lab_contact):
    task = task_by_key(plan_migration, "cutover-pathology")
    task = task_assign(task=task, contact=lab_contact, by=manager, version=task.version)
    client.force_login(manager)
    client.post(assign_url(task), {"assignee": "", "version": task.version})
    task.refresh_from_db()
    assert (task.assignee, task.assigned_contact) == (None, None)


@pytest.mark.parametrize("value", ["contact:999999", "user:999999", "nonsense", "contact:"])
def test_an_unknown_choice_is_refused_beside_the_field_and_nothing_saved(client, manager, plan_migration, value):
    task = task_by_key(plan_migration, "cutover-pathology")
    client.force_login(manager)
    response = client.post(assign_url(task), {"assignee": value, "version": task.version})
    assert response.status_code == 400
    page = response.content.decode()
    assert f'id="assignee-{task.pk}-error"' in page
    assert "Choose someone who works at this practice or an outside contact of this migration." in page
    task.refresh_from_db()
    assert (task.assignee, task.assigned_contact, task.version) == (None, None, 1)


def test_a_contact_of_another_migration_is_refused_by_the_form(client, manager, plan_migration, other_practice):
    elsewhere = ContactFactory(migration=MigrationFactory(practice=other_practice))
    task = task_by_key(plan_migration, "cutover-pathology")
    client.force_login(manager)
    response = client.post(
        assign_url(task), {"assignee": f"contact:{elsewhere.pk}", "version": task.version}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200  # the row comes back with the error inside it
    assert "Choose someone who works at this practice" in response.content.decode()
    task.refresh_from_db()
    assert task.assigned_contact is None


def test_staff_may_not_assign_to_a_contact(client, staff, plan_migration, lab_contact):
    task = task_by_key(plan_migration, "cutover-pathology")
    client.force_login(staff)
    response = client.post(assign_url(task), {"assignee": f"contact:{lab_contact.pk}", "version": task.version})
    assert response.status_code == 403
    task.refresh_from_db()
    assert task.assigned_contact is None


def test_the_icb_may_not_assign(client, icb_user, plan_migration, lab_contact):
    task = task_by_key(plan_migration, "cutover-pathology")
    client.force_login(icb_user)
    assert client.post(assign_url(task), {"assignee": f"contact:{lab_contact.pk}", "version": 1}).status_code == 403


def test_an_outsider_gets_not_found(client, outsider, plan_migration, lab_contact):
    task = task_by_key(plan_migration, "cutover-pathology")
    client.force_login(outsider)
    assert client.post(assign_url(task), {"assignee": f"contact:{lab_contact.pk}", "version": 1}).status_code == 404


def test_anonymous_people_are_sent_to_sign_in(client, plan_migration, lab_contact):
    task = task_by_key(plan_migration, "cutover-pathology")
    response = client.post(assign_url(task), {"assignee": f"contact:{lab_contact.pk}", "version": 1})
    assert response.status_code == 302
    assert "/accounts/login/" in response.url


def test_assigning_is_post_only(client, manager, plan_migration):
    client.force_login(manager)
    assert client.get(assign_url(task_by_key(plan_migration, "cutover-pathology"))).status_code == 405


# The usual owner, suggested in the list ------------------------------------------------------------


def test_an_unassigned_task_suggests_the_stakeholder_of_its_usual_role(client, manager, plan_migration, people):
    task = task_by_key(plan_migration, "backup-third-party-systems")  # usually done by the IT lead
    assert task.default_owner_role == StakeholderRole.IT_LEAD
    client.force_login(manager)
    page = client.get(detail_url(task)).content.decode()
    start = page.index(f'id="assignee-{task.pk}"')
    select = page[start : page.index("</select>", start)]
    it_lead = people[StakeholderRole.IT_LEAD].user
    assert f'<option value="user:{it_lead.pk}" selected>' in select
    assert "Suggested: the usual owner of this task" in page
    assert f'aria-describedby="assignee-{task.pk}-hint"' in page
    task.refresh_from_db()
    assert task.assignee is None  # only suggested until someone saves it


def test_an_outside_contact_is_suggested_when_they_hold_the_usual_role(client, manager, plan_migration):
    contact = ContactFactory(migration=plan_migration, role=StakeholderRole.IT_LEAD, name="Agency IT")
    task = task_by_key(plan_migration, "backup-third-party-systems")
    client.force_login(manager)
    page = client.get(detail_url(task)).content.decode()
    start = page.index(f'id="assignee-{task.pk}"')
    assert f'<option value="contact:{contact.pk}" selected>' in page[start : page.index("</select>", start)]


def test_an_assigned_task_shows_its_holder_not_the_suggestion(client, manager, staff, plan_migration, people):
    task = task_by_key(plan_migration, "backup-third-party-systems")
    task_assign(task=task, assignee=staff, by=manager, version=task.version)
    client.force_login(manager)
    page = client.get(detail_url(task)).content.decode()
    start = page.index(f'id="assignee-{task.pk}"')
    select = page[start : page.index("</select>", start)]
    assert f'<option value="user:{staff.pk}" selected>' in select
    assert select.count("selected") == 1


def test_without_a_stakeholder_in_the_role_nothing_is_suggested(client, manager, plan_migration):
    task = task_by_key(plan_migration, "backup-third-party-systems")
    client.force_login(manager)
    page = client.get(detail_url(task)).content.decode()
    start = page.index(f'id="assignee-{task.pk}"')
    assert "selected" not in page[start : page.index("</select>", start)]
