"""When FDP or go-live moves, open tasks anchored to it move; closed and fixed-date tasks stay."""

import datetime as dt

import pytest
from django.urls import reverse

from coordinator import services as migration_services
from cutover.workdays import add_working_days
from tasks.models import Anchor, Task, TaskDueDateChange
from tasks.services import task_create_custom, task_set_status, tasks_reschedule

from .conftest import task_by_key

pytestmark = pytest.mark.django_db


def d(text):
    return dt.date.fromisoformat(text)


@pytest.fixture
def mixed_plan(plan_migration, manager, staff):
    done = task_by_key(plan_migration, "smartcards")
    task_set_status(task=done, status=Task.Status.DONE, by=staff, version=done.version)
    na = task_by_key(plan_migration, "plan-third-party-suppliers")
    task_set_status(task=na, status=Task.Status.NOT_APPLICABLE, reason="No third-party systems", by=staff, version=1)
    task_create_custom(
        migration=plan_migration,
        title="Staff training day",
        guidance="",
        phase="preparation",
        anchor=Anchor.FIXED,
        offset_days=0,
        direction="before",
        fixed_date=d("2027-01-20"),
        by=manager,
    )
    return plan_migration


def move_a_week(migration, by):
    migration_services.migration_update(
        migration=migration, by=by, fdp_date=d("2027-02-17"), go_live_date=d("2027-02-24")
    )


def test_moving_fdp_and_go_live_moves_every_open_anchored_task(mixed_plan, manager):
    before = {t.pk: t.due_date for t in mixed_plan.tasks.all()}
    move_a_week(mixed_plan, manager)
    for task in mixed_plan.tasks.all():
        if task.is_open and task.anchor != Anchor.FIXED:
            # A week later, with no bank holidays in February, is seven days later; the lifecycle's
            # tasks before Christmas move five working days, across its bank holidays.
            expected = (
                add_working_days(before[task.pk], 5)
                if before[task.pk] < d("2027-01-04")
                else before[task.pk] + dt.timedelta(days=7)
            )
            assert task.due_date == expected, task.title
        else:
            assert task.due_date == before[task.pk], task.title


def test_done_not_applicable_and_fixed_date_tasks_keep_their_dates(mixed_plan, manager):
    move_a_week(mixed_plan, manager)
    assert task_by_key(mixed_plan, "smartcards").due_date == d("2027-01-27")  # 10 working days before the old FDP
    assert task_by_key(mixed_plan, "plan-third-party-suppliers").due_date == d("2027-01-20")
    assert mixed_plan.tasks.get(title="Staff training day").due_date == d("2027-01-20")


def test_the_history_says_what_moved_and_why(mixed_plan, manager):
    move_a_week(mixed_plan, manager)
    task = task_by_key(mixed_plan, "backup-third-party-systems")
    change = task.due_date_changes.get()
    assert (change.old_date, change.new_date) == (d("2027-02-03"), d("2027-02-10"))
    assert change.kind == TaskDueDateChange.Kind.RESCHEDULED
    assert change.changed_by == manager
    assert change.reason == "FDP moved from 10 Feb 2027 to 17 Feb 2027; Go-live moved from 17 Feb 2027 to 24 Feb 2027"
    record = task.history.first()
    assert record.history_user == manager
    assert record.history_change_reason == change.reason
    assert not task_by_key(mixed_plan, "smartcards").due_date_changes.exists()


def test_moving_only_go_live_leaves_fdp_tasks_alone(plan_migration, manager):
    fdp_task = task_by_key(plan_migration, "backup-third-party-systems")
    migration_services.migration_update(migration=plan_migration, by=manager, go_live_date=d("2027-02-19"))
    assert task_by_key(plan_migration, "backup-third-party-systems").due_date == fdp_task.due_date
    assert task_by_key(plan_migration, "import-templates").due_date == d("2027-02-19")
    assert task_by_key(plan_migration, "links-back-on").due_date == d("2027-02-22")  # over the weekend


def test_shorter_legacy_support_moves_the_legacy_task(plan_migration, manager):
    migration_services.migration_update(migration=plan_migration, by=manager, legacy_support_days=60)
    task = task_by_key(plan_migration, "finish-with-legacy-system")
    # Support now ends Sunday 18 Apr 2027; five working days back is Monday 12 Apr.
    assert task.due_date == d("2027-04-12")
    assert "Legacy support changed from 90 to 60 days" in task.due_date_changes.get().reason


def test_changing_something_other_than_the_dates_moves_nothing(plan_migration, manager):
    migration_services.migration_update(migration=plan_migration, by=manager, new_system="Medicus")
    assert not TaskDueDateChange.objects.exists()


def test_rescheduling_again_with_unchanged_dates_moves_nothing(plan_migration, manager):
    assert tasks_reschedule(migration=plan_migration, by=manager, reason="Checking") == []


def test_a_manager_moving_fdp_on_the_edit_page_moves_the_plan_and_shows_why(
    client, plan_migration, manager, frozen_today
):
    client.force_login(manager)
    response = client.post(
        reverse("migration-edit", args=[plan_migration.pk]),
        {
            "current_system": "EMIS Web",
            "current_supplier": plan_migration.current_supplier_id,
            "new_system": "TPP SystmOne",
            "new_supplier": plan_migration.new_supplier_id,
            "fdp_date": "2027-02-17",
            "go_live_date": "2027-02-24",
            "legacy_support_days": "90",
        },
    )
    assert response.status_code == 302
    task = task_by_key(plan_migration, "backup-third-party-systems")
    assert task.due_date == d("2027-02-10")
    page = client.get(reverse("task-detail", args=[plan_migration.pk, task.pk])).content.decode()
    assert "FDP moved from 10 Feb 2027 to 17 Feb 2027" in page
    assert "3 Feb 2027" in page and "10 Feb 2027" in page
