"""The planning meeting: the day it was held, on the migration, and its task in the plan, kept in step.

The day is kept in one place, Migration.planning_meeting_date: the stage, the key dates, the
dashboard's RAG and the reminders all read it. The task follows it: recording the date ticks the
task (coordinator.services.migration_update calls tasks_record_planning_meeting), and ticking the
task records the date (planning_meeting_mark_held).
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from cutover import timeline
from cutover.formatting import day_text
from cutover.models import Migration
from cutover.timeline import local_today

from .completion import PLANNING_MEETING_TASK
from .models import Task
from .signals import planning_meeting_changed
from .writes import close_or_open, task_locked


def tasks_record_planning_meeting(*, migration: Migration, held_on: datetime.date, by) -> Task | None:
    """Tick the planning-meeting task once the meeting's date is recorded on the migration.

    Returns the task if it was ticked. A task already done, or marked not applicable, is left as it is.
    """
    with transaction.atomic():
        task = (
            Task.objects.select_for_update(of=("self",))
            .filter(migration=migration, template_item__key=PLANNING_MEETING_TASK, status=Task.Status.OPEN)
            .first()
        )
        if task is None:
            return None
        close_or_open(
            task,
            status=Task.Status.DONE,
            by=by,
            reason=f"Planning meeting held on {day_text(held_on)}, recorded on the migration",
        )
    return task


def task_planning_meeting_set(*, task: Task, status: str, by, version: int, reason: str) -> Task:
    """Tick or reopen the planning-meeting task, with why in its history.

    Only for planning_meeting_mark_held and planning_meeting_reopen (below), which change
    the migration's meeting date (the fact the stage, dashboard and reminders read) in the same
    transaction, holding the migration row first as migration_update does.
    """
    with transaction.atomic():
        current = task_locked(task, version)
        if current.status != status:
            close_or_open(current, status=status, by=by, reason=reason)
    return current


def _meeting_save(migration: Migration, held_on: datetime.date | None, *, by, why: str) -> None:
    migration.planning_meeting_date = held_on
    migration.updated_by = by
    migration._history_user = by
    migration._change_reason = why
    migration.save(update_fields=["planning_meeting_date", "updated_by", "updated_at"])


def planning_meeting_mark_held(*, task: Task, held_on: datetime.date, by, version: int) -> Task:
    """Mark the planning-meeting task done and record on its migration the day the meeting was held.

    ValidationError (on "held_on") for a day in the future or absurdly long before FDP;
    tasks.writes.StaleTask if the task changed since `version`. Nothing is saved then.
    """
    migration = task.migration
    if error := timeline.planning_meeting_held_error(held_on, fdp=migration.fdp_date, today=local_today()):
        raise ValidationError({"held_on": error})
    day = day_text(held_on)
    with transaction.atomic():
        locked = Migration.objects.select_for_update().get(pk=migration.pk)
        task = task_planning_meeting_set(
            task=task, status=Task.Status.DONE, by=by, version=version, reason=f"Marked done: meeting held on {day}"
        )
        if locked.planning_meeting_date != held_on:
            _meeting_save(locked, held_on, by=by, why="Planning meeting recorded by marking its plan task done")
        planning_meeting_changed.send(sender=Migration, migration=locked)
    migration.planning_meeting_date = held_on
    return task


def planning_meeting_reopen(*, task: Task, by, version: int, clear_meeting: bool) -> Task:
    """Reopen the planning-meeting task and, if `clear_meeting`, clear the meeting recorded on the migration.

    Clearing puts the stage, the dashboard and the reminders back to "no meeting recorded" (the
    ICB and delivery partner hear about it again once the deadline has passed).
    """
    migration = task.migration
    with transaction.atomic():
        locked = Migration.objects.select_for_update().get(pk=migration.pk)
        held = locked.planning_meeting_date
        reason = "Reopened"
        if held is not None:
            day = day_text(held)
            reason += (
                f"; the meeting recorded as held on {day} was cleared"
                if clear_meeting
                else f"; the meeting held on {day} stays recorded"
            )
        task = task_planning_meeting_set(task=task, status=Task.Status.OPEN, by=by, version=version, reason=reason)
        if clear_meeting and held is not None:
            _meeting_save(locked, None, by=by, why="Planning meeting cleared: its plan task was reopened")
            planning_meeting_changed.send(sender=Migration, migration=locked)
    migration.planning_meeting_date = locked.planning_meeting_date
    return task
