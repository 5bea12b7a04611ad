"""Each migration gets its plan when it is created, exactly once."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.urls import reverse

from cutover.models import Migration
from tasks.models import PlanTemplateItem, Task
from tasks.services import plan_create_for_migration

from .conftest import TODAY, task_by_key

pytestmark = pytest.mark.django_db


def test_creating_a_migration_through_the_form_creates_its_plan(
    client, manager, practice, suppliers, frozen_today, plan_template
):
    client.force_login(manager)
    response = client.post(
        reverse("migration-create"),
        {
            "practice": practice.pk,
            "current_system": "EMIS Web",
            "current_supplier": suppliers[0].pk,
            "new_system": "TPP SystmOne",
            "new_supplier": suppliers[1].pk,
            "fdp_date": "2027-02-10",
            "go_live_date": "2027-02-17",
            "legacy_support_days": "90",
        },
    )
    assert response.status_code == 302
    migration = Migration.objects.get(practice=practice)
    assert migration.tasks.count() == 46
    task = task_by_key(migration, "backup-third-party-systems")
    assert task.due_date == dt.date(2027, 2, 3)  # 5 working days before Wednesday 10 Feb
    assert task.created_by == manager
    assert task.status == Task.Status.OPEN


def test_creating_the_plan_twice_creates_nothing_twice(plan_migration, manager):
    assert plan_create_for_migration(migration=plan_migration, by=manager) == []
    assert plan_migration.tasks.count() == 46


def test_a_later_call_adds_only_what_is_missing(plan_migration, manager):
    task_by_key(plan_migration, "smartcards").delete()
    created = plan_create_for_migration(migration=plan_migration, by=manager)
    assert [task.template_item.key for task in created] == ["smartcards"]
    assert plan_migration.tasks.count() == 46


def test_the_database_refuses_a_second_copy_of_a_template_item(plan_migration):
    task = task_by_key(plan_migration, "smartcards")
    with pytest.raises(IntegrityError), transaction.atomic():
        Task.objects.create(
            migration=plan_migration,
            template_item=task.template_item,
            title="Duplicate",
            phase=task.phase,
            anchor=task.anchor,
            due_date=task.due_date,
        )


def test_every_created_task_has_a_history_record_naming_who_created_it(plan_migration, manager):
    for task in plan_migration.tasks.all():
        record = task.history.get()
        assert record.history_type == "+"
        assert record.history_user == manager


def test_a_task_copies_the_template_item_it_came_from(plan_migration):
    item = PlanTemplateItem.objects.get(key="cutover-pathology")
    task = task_by_key(plan_migration, "cutover-pathology")
    for field in ["title", "guidance", "why_it_matters", "done_when", "phase", "anchor", "offset_days", "direction"]:
        assert getattr(task, field) == getattr(item, field), field
    assert task.default_owner_role == item.default_owner_role


def test_demo_data_has_plans_with_work_done_where_the_migration_is_under_way(settings, frozen_today, plan_template):
    settings.DEBUG = True
    call_command("seed_demo", password="demo-password-123")
    # The three practices of the demo practice users (the dashboard's demo wave has its own).
    mine = Migration.objects.filter(practice__memberships__user__email="manager@example.org")
    by_stage = {m.stage(TODAY): m for m in mine}
    planning, cutover, after = by_stage["planning"], by_stage["cutover"], by_stage["after go-live"]

    # The national plan, and the demo ICB's own task ("Added by" the ICB: the programme app).
    assert planning.tasks.count() == 46 + 1
    assert planning.tasks.filter(local_item__organisation__name="NHS Demo Integrated Care Board").count() == 1
    assert not planning.tasks.exclude(status=Task.Status.OPEN).exists()
    assert not cutover.tasks.filter(phase="preparation", status=Task.Status.OPEN).exists()
    assert cutover.tasks.filter(phase="after_go_live", status=Task.Status.DONE).count() == 0
    assert after.practice.dispensing and after.tasks.count() == 48 + 1
    assert after.tasks.filter(status=Task.Status.DONE).count() > 20
    assert after.tasks.filter(status=Task.Status.OPEN, due_date__lt=TODAY).exists()  # one overdue to show
    assert cutover.tasks.filter(status=Task.Status.NOT_APPLICABLE).exclude(not_applicable_reason="").exists()
    assert not Task.objects.filter(migration__in=mine, assignee__isnull=True).exists()

    # Running it again leaves the plans exactly as they were.
    snapshot = sorted(Task.objects.values_list("pk", "status", "version"))
    call_command("seed_demo", password="demo-password-123")
    assert sorted(Task.objects.values_list("pk", "status", "version")) == snapshot
