"""Business actions on a migration's plan. Views, commands and the migration services call these.

Every change to a task takes a row lock and compares the version the person saw with the one
stored, so two people acting at once never overwrite each other: the second is told what changed.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import Truncator
from simple_history.utils import bulk_create_with_history

from cutover.models import Migration
from practices.models import PracticeMembership

from .models import Anchor, PlanTemplateItem, Task, TaskDueDateChange, TaskNote, due_date_for

HISTORY_REASON_LENGTH = 100  # simple-history's history_change_reason is a CharField(max_length=100)


class StaleTask(Exception):
    """The task changed after the form was shown; nothing was saved.

    `task` holds the task as it is now, so the person can be told what happened.
    """

    def __init__(self, task: Task):
        super().__init__("This task was changed by someone else after you opened the page.")
        self.task = task


def plan_create_for_migration(*, migration: Migration, by=None) -> list[Task]:
    """Copy the active template items into the migration's plan; returns the tasks it created.

    Idempotent: items already in the plan are skipped, and the unique constraint on
    (migration, template item) backs that up. Locking the migration row makes a second,
    simultaneous call wait and then find everything already there.
    """
    with transaction.atomic():
        Migration.objects.select_for_update().get(pk=migration.pk)
        existing = set(
            Task.objects.filter(migration=migration, template_item__isnull=False).values_list(
                "template_item_id", flat=True
            )
        )
        items = PlanTemplateItem.objects.filter(active=True).exclude(pk__in=existing)
        if not migration.practice.dispensing:
            items = items.exclude(dispensing_only=True)
        now = timezone.now()
        tasks = [
            Task(
                migration=migration,
                template_item=item,
                title=item.title,
                guidance=item.guidance,
                why_it_matters=item.why_it_matters,
                done_when=item.done_when,
                phase=item.phase,
                anchor=item.anchor,
                offset_days=item.offset_days,
                direction=item.direction,
                default_owner_role=item.default_owner_role,
                dispensing_only=item.dispensing_only,
                position=item.position,
                due_date=due_date_for(
                    migration=migration, anchor=item.anchor, offset_days=item.offset_days, direction=item.direction
                ),
                created_at=now,
                created_by=by,
            )
            for item in items
        ]
        if not tasks:
            return []
        # bulk_create skips simple-history's signals; this records a "created" row per task.
        return bulk_create_with_history(tasks, Task, default_user=by, default_change_reason="Plan created")


def _locked(task: Task, version: int) -> Task:
    """The task re-read under a row lock; StaleTask if it changed since `version`.

    The lock is taken on the bare row: after waiting for a lock, PostgreSQL re-reads the locked
    row but not rows joined to it, so a joined "who" could be out of date. It is read afterwards.
    """
    current = Task.objects.select_for_update().get(pk=task.pk)
    if current.version != version:
        raise StaleTask(Task.objects.select_related("status_changed_by", "assignee").get(pk=task.pk))
    return current


def _save(task: Task, *, by, reason: str = "") -> None:
    task.version += 1
    task._history_user = by
    if reason:
        # The history's reason column holds 100 characters; the full reason stays in TaskDueDateChange.
        task._change_reason = Truncator(reason).chars(HISTORY_REASON_LENGTH)
    task.save()


def task_set_status(
    *, task: Task, status: str, by, version: int, reason: str = "", at: datetime.datetime | None = None
) -> Task:
    """Tick (done), untick (open) or mark not applicable (with a reason), recording who and when.

    `at` back-dates the change (the demo data uses it); it defaults to now.
    """
    if status not in Task.Status.values:
        raise ValidationError({"status": "Choose done, open or not applicable."})
    reason = reason.strip()
    if status == Task.Status.NOT_APPLICABLE and not reason:
        raise ValidationError({"reason": "Say why this task does not apply to your practice."})
    with transaction.atomic():
        current = _locked(task, version)
        if current.status == status and status != Task.Status.NOT_APPLICABLE:
            return current
        current.status = status
        current.not_applicable_reason = reason if status == Task.Status.NOT_APPLICABLE else ""
        current.status_changed_at = at or timezone.now()
        current.status_changed_by = by
        if at:
            current._history_date = at
        _save(current, by=by)
    return current


def task_assign(*, task: Task, assignee, by, version: int) -> Task:
    """Give the task to a member of the practice, or to nobody (assignee=None).

    The one place assignment happens, so that assigning to people outside the practice
    (stakeholder contacts) can be added here later.
    """
    if (
        assignee is not None
        and not PracticeMembership.objects.filter(user=assignee, practice_id=task.migration.practice_id).exists()
    ):
        raise ValidationError({"assignee": "Choose someone who works at this practice."})
    with transaction.atomic():
        current = _locked(task, version)
        if current.assignee_id == (assignee.pk if assignee else None):
            return current
        current.assignee = assignee
        _save(current, by=by)
    return current


def task_note_add(*, task: Task, text: str, by) -> TaskNote:
    text = text.strip()
    if not text:
        raise ValidationError({"text": "Write the note before adding it."})
    return TaskNote.objects.create(task=task, text=text, author=by)


def task_create_custom(
    *,
    migration: Migration,
    title: str,
    guidance: str,
    phase: str,
    anchor: str,
    offset_days: int,
    direction: str,
    fixed_date: datetime.date | None,
    by,
) -> Task:
    """A task the practice adds to its own plan, placed after the others of its phase."""
    if anchor == Anchor.FIXED:
        offset_days = 0
    else:
        fixed_date = None
    last = Task.objects.filter(migration=migration, phase=phase).aggregate(last=Max("position"))["last"] or 0
    task = Task(
        migration=migration,
        title=title.strip(),
        guidance=guidance.strip(),
        phase=phase,
        anchor=anchor,
        offset_days=offset_days,
        direction=direction,
        fixed_date=fixed_date,
        due_date=due_date_for(
            migration=migration, anchor=anchor, offset_days=offset_days, direction=direction, fixed_date=fixed_date
        ),
        position=last + 1,
        created_by=by,
    )
    task._history_user = by
    task._change_reason = "Added by the practice"
    task.full_clean()
    task.save()
    return task


def task_change_due(
    *,
    task: Task,
    anchor: str,
    offset_days: int,
    direction: str,
    fixed_date: datetime.date | None,
    reason: str,
    by,
    version: int,
) -> Task:
    """Change a task's due rule by hand. The old and new dates and the reason are kept."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why the due date is changing."})
    if anchor == Anchor.FIXED:
        offset_days = 0
    else:
        fixed_date = None
    with transaction.atomic():
        current = _locked(task, version)
        old_date = current.due_date
        current.anchor, current.offset_days, current.direction, current.fixed_date = (
            anchor,
            offset_days,
            direction,
            fixed_date,
        )
        current.due_date = current.computed_due_date()
        _save(current, by=by, reason=reason)
        TaskDueDateChange.objects.create(
            task=current,
            kind=TaskDueDateChange.Kind.EDITED,
            old_date=old_date,
            new_date=current.due_date,
            reason=reason,
            changed_by=by,
        )
    return current


def tasks_reschedule(*, migration: Migration, by, reason: str) -> list[Task]:
    """Move the open tasks whose anchor date moved; returns the tasks that moved.

    Done and not-applicable tasks keep the date they had when they were closed, and fixed
    dates never move. Each move is kept with its reason and shows in the task's history.
    """
    moved = []
    with transaction.atomic():
        open_tasks = (
            Task.objects.select_for_update()
            .filter(migration=migration, status=Task.Status.OPEN)
            .exclude(anchor=Anchor.FIXED)
        )
        for task in open_tasks:
            new_date = task.computed_due_date(migration)
            if new_date == task.due_date:
                continue
            old_date, task.due_date = task.due_date, new_date
            _save(task, by=by, reason=reason)
            moved.append(
                TaskDueDateChange(
                    task=task,
                    kind=TaskDueDateChange.Kind.RESCHEDULED,
                    old_date=old_date,
                    new_date=new_date,
                    reason=reason,
                    changed_by=by,
                )
            )
        # Audit: each moved task was saved above with its history row (who, reason); these rows are
        # themselves a record, written once and never changed, so bulk_create loses nothing.
        TaskDueDateChange.objects.bulk_create(moved)
    return [change.task for change in moved]


def date_moves_text(migration: Migration, changes: dict) -> str:
    """Describe how saving `changes` moves the dates tasks count from; empty if none of them move.

    Compared with the stored row, not the instance: a ModelForm has already copied the new
    values onto the instance by the time migration_update runs.
    """

    def day(value: datetime.date) -> str:
        return date_format(value, "DATE_FORMAT")

    stored = Migration.objects.filter(pk=migration.pk).values("fdp_date", "go_live_date", "legacy_support_days").first()
    if stored is None:
        return ""
    moves = []
    for field, label in [("fdp_date", "FDP"), ("go_live_date", "Go-live")]:
        new = changes.get(field, getattr(migration, field))
        if new != stored[field]:
            moves.append(f"{label} moved from {day(stored[field])} to {day(new)}")
    days = changes.get("legacy_support_days", migration.legacy_support_days)
    if days != stored["legacy_support_days"]:
        moves.append(f"Legacy support changed from {stored['legacy_support_days']} to {days} days")
    return "; ".join(moves)
