"""Recording the planning meeting's date on the migration ticks the plan's planning-meeting task."""

import datetime as dt

import pytest
from django.urls import reverse

from coordinator.services import migration_update
from tasks.services import task_set_status

from .conftest import TODAY, task_by_key, travel

pytestmark = pytest.mark.django_db

MEETING = "planning-meeting"
HELD_ON = dt.date(2026, 11, 24)


def test_recording_the_meeting_date_ticks_the_task_by_whoever_recorded_it(plan_migration, manager):
    migration_update(migration=plan_migration, by=manager, planning_meeting_date=HELD_ON)
    task = task_by_key(plan_migration, MEETING)
    assert task.is_done
    assert task.status_changed_by == manager
    record = task.history.order_by("history_id").last()
    assert record.history_user == manager
    assert record.history_change_reason == "Planning meeting held on 24 Nov 2026, recorded on the migration"


def test_other_changes_to_the_migration_leave_the_task_alone(plan_migration, manager):
    migration_update(migration=plan_migration, by=manager, new_system="Medicus")
    assert task_by_key(plan_migration, MEETING).is_open


def test_saving_the_same_date_again_does_not_re_tick_a_reopened_task(plan_migration, manager, staff):
    migration_update(migration=plan_migration, by=manager, planning_meeting_date=HELD_ON)
    task = task_by_key(plan_migration, MEETING)
    task_set_status(task=task, status="open", by=staff, version=task.version)
    migration_update(migration=plan_migration, by=manager, planning_meeting_date=HELD_ON, new_system="Medicus")
    assert task_by_key(plan_migration, MEETING).is_open


def test_a_task_marked_not_applicable_stays_so(plan_migration, manager):
    task = task_by_key(plan_migration, MEETING)
    task_set_status(task=task, status="not_applicable", reason="Held by the ICB", by=manager, version=task.version)
    migration_update(migration=plan_migration, by=manager, planning_meeting_date=HELD_ON)
    assert task_by_key(plan_migration, MEETING).is_not_applicable


def test_clearing_the_date_does_not_reopen_the_task(plan_migration, manager):
    migration_update(migration=plan_migration, by=manager, planning_meeting_date=HELD_ON)
    migration_update(migration=plan_migration, by=manager, planning_meeting_date=None)
    assert task_by_key(plan_migration, MEETING).is_done


def test_the_migration_form_ticks_the_task(client, plan_migration, manager):
    with travel(TODAY):
        client.force_login(manager)
        response = client.post(
            reverse("migration-edit", args=[plan_migration.pk]),
            {
                "current_system": plan_migration.current_system,
                "current_supplier": plan_migration.current_supplier_id,
                "new_system": plan_migration.new_system,
                "new_supplier": plan_migration.new_supplier_id,
                "fdp_date": plan_migration.fdp_date.isoformat(),
                "go_live_date": plan_migration.go_live_date.isoformat(),
                "legacy_support_days": plan_migration.legacy_support_days,
                "planning_meeting_date": HELD_ON.isoformat(),
            },
        )
    assert response.status_code == 302
    assert task_by_key(plan_migration, MEETING).status_changed_by == manager


def test_a_meeting_date_in_the_future_is_refused_and_ticks_nothing(client, plan_migration, manager):
    with travel(TODAY):
        client.force_login(manager)
        response = client.post(
            reverse("migration-edit", args=[plan_migration.pk]),
            {
                "current_system": plan_migration.current_system,
                "current_supplier": plan_migration.current_supplier_id,
                "new_system": plan_migration.new_system,
                "new_supplier": plan_migration.new_supplier_id,
                "fdp_date": plan_migration.fdp_date.isoformat(),
                "go_live_date": plan_migration.go_live_date.isoformat(),
                "legacy_support_days": plan_migration.legacy_support_days,
                "planning_meeting_date": (TODAY + dt.timedelta(days=3)).isoformat(),
            },
        )
    assert response.status_code == 200
    assert "this date is in the future" in response.content.decode()
    assert task_by_key(plan_migration, MEETING).is_open
