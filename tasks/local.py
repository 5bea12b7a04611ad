"""An ICB's or delivery partner's own tasks ("local tasks"), added to the plans of its practices.

Its programme lead keeps the list (the programme app's pages call these). plan_create_for_migration
copies the active ones into every migration created afterwards at a practice the organisation
covers, next to the national template; local_item_push adds one to migrations already under way.
"""

import dataclasses
import datetime

from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone
from django.utils.text import Truncator

from cutover.bulk import create_with_history
from cutover.models import Migration
from practices.models import Organisation

from .models import LocalPlanItem, PlanTemplateItem, Task
from .services import tasks_from_plan_item
from .writes import HISTORY_REASON_LENGTH

# The fields a programme lead chooses; the rest are the organisation's and the history's.
EDITABLE_FIELDS = ("title", "guidance", "phase", "anchor", "direction", "offset_days", "default_owner_role")


def local_item_create(*, organisation: Organisation, by, **fields) -> LocalPlanItem:
    """A new local task, placed after the national template's items when two fall on the same day."""
    last_template = PlanTemplateItem.objects.aggregate(last=Max("position"))["last"] or 0
    last_local = LocalPlanItem.objects.filter(organisation=organisation).aggregate(last=Max("position"))["last"] or 0
    item = LocalPlanItem(organisation=organisation, created_by=by, position=max(last_template, last_local) + 1)
    _set_fields(item, fields)
    item._history_user = by
    item._change_reason = "Added by the programme lead"
    item.full_clean()
    item.save()
    return item


def local_item_update(*, item: LocalPlanItem, by, **fields) -> LocalPlanItem:
    """Change a local task. Plans that already hold a copy keep it, as with the national template."""
    _set_fields(item, fields)
    item._history_user = by
    item._change_reason = "Changed by the programme lead"
    item.full_clean()
    item.save()
    return item


def local_item_retire(*, item: LocalPlanItem, by) -> bool:
    """Leave the task out of plans created from now on; False if it was already retired.

    Copies already in plans stay: the practice may be half-way through it.
    """
    with transaction.atomic():
        current = LocalPlanItem.objects.select_for_update().get(pk=item.pk)
        if current.retired_at is not None:
            return False
        current.retired_at = timezone.now()
        current._history_user = by
        current._change_reason = "Retired by the programme lead"
        current.save()
    item.retired_at = current.retired_at
    return True


def _set_fields(item: LocalPlanItem, fields: dict) -> None:
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"Not a field a programme lead sets: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(item, name, value.strip() if isinstance(value, str) else value)


@dataclasses.dataclass(frozen=True)
class PushTarget:
    migration: Migration
    due_date: datetime.date


@dataclasses.dataclass(frozen=True)
class PushPlan:
    """What pushing a local task would do: the migrations that get it, and those left out and why."""

    adds: list[PushTarget]
    already: list[Migration]
    too_late: list[PushTarget]


def open_migrations_of(organisation: Organisation) -> QuerySet[Migration]:
    """Active (not closed) migrations at the practices the organisation covers, as ICB or partner."""
    return (
        Migration.objects.active()
        .filter(Q(practice__icb=organisation) | Q(practice__delivery_partner=organisation))
        .select_related("practice")
        .order_by("fdp_date", "practice__name", "pk")
    )


def local_item_push_plan(*, item: LocalPlanItem, today: datetime.date) -> PushPlan:
    """Which open migrations a push would add the task to.

    A migration that already has the task is left alone (pushing twice adds nothing). So is one
    where the task's date has already passed: it would arrive overdue, raising overdue reminders,
    escalations and a red dashboard row for work nobody could have done. The lead sees those
    practices listed and can ask them directly.
    """
    holding = set(Task.objects.filter(local_item=item).values_list("migration_id", flat=True))
    adds, already, too_late = [], [], []
    for migration in open_migrations_of(item.organisation):
        if migration.pk in holding:
            already.append(migration)
            continue
        if item.dispensing_only and not migration.practice.dispensing:
            continue
        target = PushTarget(migration, item.due_date_in(migration))
        (adds if target.due_date >= today else too_late).append(target)
    return PushPlan(adds=adds, already=already, too_late=too_late)


def local_item_push(*, item: LocalPlanItem, by, today: datetime.date) -> list[Task]:
    """Add a local task to the open migrations of its organisation's practices; returns the tasks added.

    Idempotent: each migration's row is locked and checked again before its task is added, and the
    unique (migration, local task) constraint backs that up, so two pushes at once add it once.
    Each added task's history records who pushed it and from which organisation's list.
    """
    if item.is_retired:
        return []
    reason = Truncator(f"Pushed to open migrations from {item.organisation.name}'s own tasks").chars(
        HISTORY_REASON_LENGTH
    )
    with transaction.atomic():
        plan = local_item_push_plan(item=item, today=today)
        ids = [target.migration.pk for target in plan.adds]
        # Locked in one order so two pushes of different tasks cannot deadlock.
        locked = Migration.objects.select_for_update().filter(pk__in=ids, status=Migration.Status.ACTIVE)
        locked = list(locked.order_by("pk"))
        holding = set(Task.objects.filter(local_item=item, migration_id__in=ids).values_list("migration_id", flat=True))
        still_open = {migration.pk for migration in locked} - holding
        now = timezone.now()
        tasks = tasks_from_plan_item(
            item=item,
            migrations=[target.migration for target in plan.adds if target.migration.pk in still_open],
            at=now,
            by=by,
        )
        if not tasks:
            return []
        # Saved in bulk, which skips simple-history's signals: this also records each task's "created" row.
        return create_with_history(tasks, Task, by=by, reason=reason)
