"""The plan's re-entry tasks follow the re-entry log: done only when nothing is left to re-enter."""

import datetime as dt
import uuid

import pytest
from django.urls import reverse

from reentry.models import Kind
from reentry.services import entries_mark_re_entered, entry_mark_re_entered, entry_record, entry_void
from tasks.following import tasks_follow_reentry
from tasks.models import Task
from tasks.services import TaskNotReady, task_set_status

from ..factories import MigrationFactory, PracticeFactory, PracticeMembershipFactory, at
from ..reentry.factories import EntryFactory, RegistrationEntryFactory
from .conftest import FDP, GO_LIVE, plan_url, status_url, task_by_key, travel

pytestmark = pytest.mark.django_db

AFTER_GO_LIVE = GO_LIVE + dt.timedelta(days=2)
RECORDS = "re-enter-cutover-records"
REGISTRATIONS = "re-register-new-patients"


@pytest.fixture
def entries(plan_migration, staff):
    """Two consultations and one in-person registration recorded during cutover."""
    return {
        "consultations": [EntryFactory(migration=plan_migration, recorded_by=staff) for _ in range(2)],
        "registration": RegistrationEntryFactory(migration=plan_migration, recorded_by=staff),
    }


def row_of(page: str, task) -> str:
    start = page.index(f'<li id="task-{task.pk}"')
    return page[start : page.index("</li>", start)]


def test_the_plan_shows_what_is_left_to_re_enter_for_each_task(client, plan_migration, staff, entries):
    client.force_login(staff)
    page = client.get(plan_url(plan_migration)).content.decode()
    task = task_by_key(plan_migration, RECORDS)
    assert "2 items still to re-enter" in row_of(page, task)
    detail = client.get(reverse("task-detail", args=[plan_migration.pk, task.pk])).content.decode()
    assert "2 items still to re-enter" in detail
    assert f'href="{reverse("reentry-worklist", args=[plan_migration.pk])}"' in detail
    assert "1 new patient still to re-register" in row_of(page, task_by_key(plan_migration, REGISTRATIONS))


def test_a_task_with_items_left_cannot_be_ticked(plan_migration, staff, entries):
    task = task_by_key(plan_migration, RECORDS)
    with pytest.raises(TaskNotReady) as refused:
        task_set_status(task=task, status="done", by=staff, version=task.version)
    assert "2 items still to re-enter" in str(refused.value)
    task.refresh_from_db()
    assert task.is_open


def test_ticking_too_early_on_the_page_says_how_many_are_left(client, plan_migration, staff, entries):
    task = task_by_key(plan_migration, REGISTRATIONS)
    client.force_login(staff)
    response = client.post(status_url(task), {"status": "done", "version": task.version}, follow=True)
    assert "1 new patient still to re-register" in response.content.decode()
    assert Task.objects.get(pk=task.pk).is_open


def test_with_nothing_recorded_the_task_can_be_ticked_by_hand(plan_migration, staff):
    task = task_by_key(plan_migration, REGISTRATIONS)
    assert task_set_status(task=task, status="done", by=staff, version=task.version).is_done


def test_re_entering_the_last_item_ticks_the_task_by_that_person(plan_migration, staff, manager, entries):
    first, last = entries["consultations"]
    with travel(AFTER_GO_LIVE):
        entry_mark_re_entered(entry=first, by=staff)
        assert task_by_key(plan_migration, RECORDS).is_open
        entry_mark_re_entered(entry=last, by=manager)
    task = task_by_key(plan_migration, RECORDS)
    assert task.is_done
    assert task.status_changed_by == manager
    assert task.history.latest().history_change_reason == "Ticked: the last item was re-entered"
    # The registration is its own task, still waiting.
    assert task_by_key(plan_migration, REGISTRATIONS).is_open


def test_re_entering_a_page_at_once_ticks_the_task(plan_migration, staff, entries):
    with travel(AFTER_GO_LIVE):
        entries_mark_re_entered(migration=plan_migration, entry_ids=[e.pk for e in entries["consultations"]], by=staff)
    assert task_by_key(plan_migration, RECORDS).status_changed_by == staff


def test_voiding_the_last_item_left_ticks_the_task(plan_migration, staff, manager, entries):
    with travel(AFTER_GO_LIVE):
        entry_void(entry=entries["registration"], reason="Registered twice", by=manager)
    task = task_by_key(plan_migration, REGISTRATIONS)
    assert task.is_done
    assert task.status_changed_by == manager


def test_nothing_is_ticked_before_go_live(plan_migration, staff, manager, entries):
    with travel(FDP + dt.timedelta(days=1)):
        entry_void(entry=entries["registration"], reason="Registered twice", by=manager)
    assert task_by_key(plan_migration, REGISTRATIONS).is_open


def test_a_paper_entry_keyed_in_after_the_tick_reopens_the_task(plan_migration, staff, manager, entries):
    with travel(AFTER_GO_LIVE):
        for entry in entries["consultations"]:
            entry_mark_re_entered(entry=entry, by=staff)
        assert task_by_key(plan_migration, RECORDS).is_done
        entry_record(
            migration=plan_migration,
            kind=Kind.TELEPHONE_CALL,
            occurred_at=at(FDP + dt.timedelta(days=1)),
            token=uuid.uuid4(),
            nhs_number="943 476 5919",
            summary="Called about results",
            by=manager,
        )
    task = task_by_key(plan_migration, RECORDS)
    assert task.is_open
    assert task.status_changed_by == manager
    assert task.history.latest().history_change_reason == "Reopened: something new to re-enter was recorded"


def test_a_task_marked_not_applicable_stays_so(plan_migration, staff, entries):
    task = task_by_key(plan_migration, REGISTRATIONS)
    task_set_status(task=task, status="not_applicable", reason="No walk-ins", by=staff, version=task.version)
    with travel(AFTER_GO_LIVE):
        entry_mark_re_entered(entry=entries["registration"], by=staff)
    assert task_by_key(plan_migration, REGISTRATIONS).is_not_applicable


def test_an_entry_of_another_migration_changes_nothing_here(plan_migration, staff, suppliers):
    other = MigrationFactory(
        practice=PracticeFactory(), fdp_date=FDP, go_live_date=GO_LIVE, current_supplier=suppliers[0]
    )
    PracticeMembershipFactory(practice=other.practice, user=staff)
    entry = EntryFactory(migration=other, recorded_by=staff)
    with travel(AFTER_GO_LIVE):
        entry_mark_re_entered(entry=entry, by=staff)
    assert task_by_key(plan_migration, RECORDS).is_open


def test_following_kinds_without_a_task_does_nothing(plan_migration, staff):
    with travel(AFTER_GO_LIVE):
        assert tasks_follow_reentry(migration=plan_migration, kinds=["nonsense"], by=staff) == []


def test_the_dispensary_stock_task_follows_stock_entries(dispensing_plan, staff):
    migration, entry = dispensing_plan
    task = task_by_key(migration, "re-enter-dispensary-stock")
    with pytest.raises(TaskNotReady, match="1 stock entry still to re-enter"):
        task_set_status(task=task, status="done", by=staff, version=task.version)
    with travel(AFTER_GO_LIVE):
        entry_mark_re_entered(entry=entry, by=staff)
    assert task_by_key(migration, "re-enter-dispensary-stock").is_done
    assert task_by_key(migration, RECORDS).is_open  # stock is not part of "everything else"


@pytest.fixture
def dispensing_plan(plan_migration, suppliers, staff, manager):
    from tasks.services import plan_create_for_migration

    practice = PracticeFactory(name="Moorland Dispensing Practice", ods_code="C83003", dispensing=True)
    PracticeMembershipFactory(practice=practice, user=staff)
    migration = MigrationFactory(
        practice=practice, current_supplier=suppliers[0], new_supplier=suppliers[1], fdp_date=FDP, go_live_date=GO_LIVE
    )
    plan_create_for_migration(migration=migration, by=manager)
    entry = EntryFactory(
        migration=migration,
        kind=Kind.DISPENSARY_STOCK,
        nhs_number="",
        summary="",
        stock_item="Amoxicillin 500mg capsules",
        stock_quantity=42,
        stock_unit="capsules",
        recorded_by=staff,
    )
    return migration, entry
