"""Every change to a migration and what belongs to it says who made it, when, and what changed.

Each test makes one kind of change through the business function the pages use (no request, so
simple-history's request middleware cannot fill the person in) and finds the record naming the person.
"""

import ast
import datetime
import uuid
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.utils import timezone

from audit.coverage import AUDITED_APPS, SELF_RECORDED, SYSTEM_RECORDS
from coordinator.services import migration_create, migration_update
from cutover.models import Migration
from practices import invitations, stakeholders
from practices.models import PracticeMembership, StakeholderConfirmation, StakeholderRole, ThirdPartyState
from reentry import services as reentry
from reentry.models import Kind
from systems import third_party
from tasks.models import Anchor, Phase, Task, TaskDueDateChange
from tasks.services import task_assign, task_change_due, task_create_custom, task_note_add, task_set_status

from ..factories import at
from ..reentry.conftest import FDP, GO_LIVE, travel
from ..reentry.factories import EntryFactory
from ..tasks.factories import TaskFactory, load_plan_template

pytestmark = pytest.mark.django_db


def latest(obj):
    return obj.history.order_by("-history_date", "-history_id").first()


# Migrations and their plans -------------------------------------------------------------------------


def test_creating_a_migration_records_the_manager_on_it_and_on_every_task_of_its_plan(practice, suppliers, manager):
    load_plan_template()
    migration = migration_create(
        practice=practice,
        current_system="EMIS Web",
        current_supplier=suppliers[0],
        new_system="TPP SystmOne",
        new_supplier=suppliers[1],
        fdp_date=datetime.date(2027, 3, 1),
        go_live_date=datetime.date(2027, 3, 8),
        by=manager,
    )
    assert latest(migration).history_type == "+"
    assert latest(migration).history_user == manager
    tasks = Task.history.filter(migration_id=migration.pk)
    assert tasks.count() == migration.tasks.count() > 0
    assert set(tasks.values_list("history_user", flat=True)) == {manager.pk}


def test_moving_the_dates_records_the_manager_on_the_migration_and_on_each_task_that_moved(
    practice, suppliers, manager
):
    load_plan_template()
    migration = migration_create(
        practice=practice,
        current_system="EMIS Web",
        current_supplier=suppliers[0],
        new_system="TPP SystmOne",
        new_supplier=suppliers[1],
        fdp_date=datetime.date(2027, 3, 1),
        go_live_date=datetime.date(2027, 3, 8),
        by=manager,
    )
    migration_update(
        migration=migration, by=manager, fdp_date=datetime.date(2027, 3, 15), go_live_date=datetime.date(2027, 3, 22)
    )
    record = latest(migration)
    assert (record.history_type, record.history_user, record.fdp_date) == ("~", manager, datetime.date(2027, 3, 15))
    moved = TaskDueDateChange.objects.filter(task__migration=migration)
    assert moved.exists()
    assert set(moved.values_list("changed_by", flat=True)) == {manager.pk}
    for change in moved.select_related("task"):
        task_record = latest(change.task)
        assert task_record.history_user == manager
        assert task_record.due_date == change.new_date
        assert task_record.history_change_reason.startswith("FDP moved from 1 Mar 2027 to 15 Mar 2027")


def test_ticking_assigning_and_adding_tasks_each_record_who(migration, manager, staff):
    task = TaskFactory(migration=migration)
    task = task_set_status(task=task, status=Task.Status.DONE, by=staff, version=task.version)
    assert (latest(task).history_user, latest(task).status) == (staff, "done")
    task = task_assign(task=task, assignee=staff, by=manager, version=task.version)
    assert (latest(task).history_user, latest(task).assignee_id) == (manager, staff.pk)
    custom = task_create_custom(
        migration=migration,
        title="Print the paper forms",
        guidance="",
        phase=Phase.PREPARATION,
        anchor=Anchor.FDP,
        offset_days=2,
        direction="before",
        fixed_date=None,
        by=manager,
    )
    assert (latest(custom).history_type, latest(custom).history_user) == ("+", manager)


def test_a_note_records_its_author_and_time(migration, staff):
    task = TaskFactory(migration=migration)
    note = task_note_add(task=task, text="Asked the supplier about the date.", by=staff)
    assert note.author == staff
    assert note.created_at is not None


def test_a_due_date_change_keeps_who_when_and_a_long_reason_in_full(migration, manager):
    """The history's reason column holds 100 characters: a longer reason must not fail the save."""
    task = TaskFactory(migration=migration)
    reason = "The supplier asked us to move it because " + "their engineer is booked elsewhere that week. " * 6
    task = task_change_due(
        task=task,
        anchor=Anchor.FDP,
        offset_days=5,
        direction="before",
        fixed_date=None,
        reason=reason,
        by=manager,
        version=task.version,
    )
    change = TaskDueDateChange.objects.get(task=task)
    assert (change.changed_by, change.reason) == (manager, reason.strip())
    record = latest(task)
    assert record.history_user == manager
    assert len(record.history_change_reason) <= 100
    assert record.history_change_reason.startswith("The supplier asked us")


# People, invitations and third parties --------------------------------------------------------------


def test_adding_changing_and_removing_a_stakeholder_each_record_who(migration, manager):
    contact = stakeholders.stakeholder_create(
        migration=migration, role=StakeholderRole.PATHOLOGY_LAB, name="Sam Patel", email="sam@lab.example", by=manager
    )
    assert (latest(contact).history_type, latest(contact).history_user) == ("+", manager)
    stakeholders.stakeholder_update(stakeholder=contact, phone="0113 496 0000", by=manager)
    assert (latest(contact).history_type, latest(contact).phone) == ("~", "0113 496 0000")
    pk = contact.pk
    stakeholders.stakeholder_remove(stakeholder=contact, by=manager)
    removed = type(contact).history.filter(id=pk).order_by("-history_id").first()
    assert (removed.history_type, removed.history_user) == ("-", manager)


def test_confirming_who_is_involved_records_the_manager(migration, manager):
    stakeholders.stakeholders_confirm(migration=migration, chosen=[], by=manager)
    confirmation = StakeholderConfirmation.objects.get(migration=migration)
    assert confirmation.confirmed_by == manager


def test_an_invitation_records_who_sent_it_who_accepted_it_and_what_it_replaced(
    migration, practice, manager, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), travel(timezone.now()) as traveller:
        first = invitations.invitation_create(
            practice=practice, email="new@riverside.example", role="practice_staff", migration=migration, by=manager
        )
        traveller.shift(invitations.REPEAT_WINDOW)  # later than a double submit, which is the same invitation
        second = invitations.invitation_create(
            practice=practice, email="new@riverside.example", role="practice_staff", migration=migration, by=manager
        )
    first.refresh_from_db()
    assert first.replaced_at == second.created_at
    assert (second.invited_by, second.created_at is not None) == (manager, True)
    user = invitations.invitation_accept_as_new_user(
        invitation=second, first_name="Nia", last_name="Jones", password="a-long-test-password-1"
    )
    second.refresh_from_db()
    assert (second.accepted_by, second.accepted_at is not None) == (user, True)
    membership = PracticeMembership.objects.get(user=user, practice=practice)
    assert latest(membership).history_user == manager  # the person who let them in


def test_third_party_systems_and_every_step_record_who(cutover, manager, staff):
    system = third_party.third_party_system_create(
        practice=cutover.practice, name="Docman", category="document_management", by=manager
    )
    assert latest(system).history_user == manager
    third_party.third_party_system_update(system=system, notes="Backed up on Fridays", by=manager)
    assert (latest(system).history_type, latest(system).history_user) == ("~", manager)
    with travel(at(FDP - datetime.timedelta(days=10))):
        third_party.third_party_step_record(migration=cutover, system=system, step="notified", by=staff)
        state = ThirdPartyState.objects.get(migration=cutover, system=system)
        # The row is created by the first step, and its creation is that person's change too.
        assert set(state.history.values_list("history_user", flat=True)) == {staff.pk}
        third_party.third_party_step_undo(migration=cutover, system=system, step="notified", by=manager)
        assert (latest(state).history_user, latest(state).notified_at) == (manager, None)
        third_party.third_party_mark_not_applicable(migration=cutover, system=system, reason="Not used here", by=staff)
        assert (latest(state).history_user, latest(state).not_applicable_reason) == (staff, "Not used here")
        third_party.third_party_mark_applicable(migration=cutover, system=system, by=manager)
        assert latest(state).history_user == manager


# The re-entry log ------------------------------------------------------------------------------------


def test_recording_re_entering_checking_and_voiding_an_entry_each_record_who(cutover, staff, colleague):
    with travel(at(FDP + datetime.timedelta(days=1))):
        entry, _ = reentry.entry_record(
            migration=cutover,
            kind=Kind.CONSULTATION,
            occurred_at=at(FDP + datetime.timedelta(days=1), 9),
            token=uuid.uuid4(),
            nhs_number="943 476 5919",
            summary="Seen for a cough",
            by=staff,
        )
        other, _ = reentry.entry_record(
            migration=cutover,
            kind=Kind.TELEPHONE_CALL,
            occurred_at=at(FDP + datetime.timedelta(days=1), 9),
            token=uuid.uuid4(),
            nhs_number="943 476 5919",
            summary="Duplicate",
            by=colleague,
        )
    assert (latest(entry).history_type, latest(entry).history_user) == ("+", staff)
    with travel(at(GO_LIVE)):
        reentry.entry_mark_re_entered(entry=entry, by=staff)
        assert latest(entry).history_user == staff
        reentry.entry_mark_checked(entry=entry, by=colleague)
        assert latest(entry).history_user == colleague
        reentry.entry_void(entry=other, reason="Recorded twice", by=staff)
        assert (latest(other).history_user, latest(other).void_reason) == (staff, "Recorded twice")


def test_marking_several_entries_at_once_records_the_person_on_each(cutover, staff):
    entries = [EntryFactory(migration=cutover) for _ in range(3)]
    with travel(at(GO_LIVE)):
        assert reentry.entries_mark_re_entered(migration=cutover, entry_ids=[e.pk for e in entries], by=staff) == 3
    for entry in entries:
        assert latest(entry).history_user == staff
        assert latest(entry).re_entered_at is not None


# Coverage: no model and no bulk write is left out ----------------------------------------------------


def test_every_model_of_the_audited_apps_has_history_or_is_its_own_record():
    unaudited = []
    for label in AUDITED_APPS:
        for model in apps.get_app_config(label).get_models():
            if model.__name__.startswith("Historical"):
                continue
            name = f"{label}.{model.__name__}"
            if not hasattr(model, "history") and name not in SELF_RECORDED and name not in SYSTEM_RECORDS:
                unaudited.append(name)
    assert unaudited == [], "add HistoricalRecords, or say in audit/coverage.py why the row is its own record"


def test_the_lists_of_exceptions_name_only_real_models_without_history():
    for name in [*SELF_RECORDED, *SYSTEM_RECORDS]:
        model = apps.get_model(name)
        assert not hasattr(model, "history"), f"{name} has history now: take it out of SELF_RECORDED"


AUDITED_MODEL_NAMES = {
    model.__name__
    for label in AUDITED_APPS
    for model in apps.get_app_config(label).get_models()
    if not model.__name__.startswith("Historical") and f"{label}.{model.__name__}" not in SYSTEM_RECORDS
}
BULK_WRITES = ("update", "bulk_create", "bulk_update")


def bulk_writes_without_history(tree: ast.AST):
    """Calls like Task.objects.filter(...).update(...) or Entry.history.update(...) on an audited model."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in BULK_WRITES:
            receiver = node.func.value
            while isinstance(receiver, ast.Call | ast.Attribute):
                receiver = receiver.func if isinstance(receiver, ast.Call) else receiver.value
            if isinstance(receiver, ast.Name) and receiver.id in AUDITED_MODEL_NAMES:
                yield node


def project_files():
    root = Path(settings.BASE_DIR)
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).parts
        if parts[0] in {".venv", "tests", "staticfiles", "node_modules"} or "migrations" in parts:
            continue
        yield root, path


def test_every_bulk_write_on_an_audited_model_says_why_nothing_is_lost():
    """QuerySet.update(), bulk_create() and bulk_update() skip simple-history, so each needs a reason.

    The reason is a comment starting "Audit:" on the line or within the three lines above. The
    history-keeping helpers (bulk_create_with_history, bulk_update_with_history) need none.
    """
    unexplained = []
    found = 0
    for root, path in project_files():
        source = path.read_text()
        lines = source.splitlines()
        for call in bulk_writes_without_history(ast.parse(source)):
            found += 1
            window = lines[max(0, call.lineno - 4) : call.end_lineno]
            if not any("# Audit:" in line for line in window):
                unexplained.append(f"{path.relative_to(root)}:{call.lineno}")
    assert unexplained == []
    assert found >= 4, "the scan should find the known bulk writes (invitations, due-date moves, retention)"


def test_the_scan_notices_an_unexplained_bulk_write():
    tree = ast.parse("Task.objects.filter(pk=1).update(title='x')\nsettings.update(a=1)\n")
    assert [call.lineno for call in bulk_writes_without_history(tree)] == [1]


def test_a_migration_saved_without_a_person_is_recorded_as_nobody(migration):
    """The demo data and jobs save without a person: the row says so rather than guessing."""
    migration.current_system = "EMIS Web (cloud)"
    migration.save()
    assert latest(migration).history_user is None
    assert Migration.history.filter(id=migration.pk).count() == 2
