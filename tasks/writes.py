"""How every change to a task is written: under a row lock, checked against the version the
person saw, and saved with who did it and why in the task's history.

So two people acting at once never overwrite each other: the second is told what changed.
"""

from django.utils import timezone
from django.utils.text import Truncator

from .models import Task

HISTORY_REASON_LENGTH = 100  # simple-history's history_change_reason is a CharField(max_length=100)


class StaleTask(Exception):
    """The task changed after the form was shown; nothing was saved.

    `task` holds the task as it is now, so the person can be told what happened.
    """

    def __init__(self, task: Task):
        super().__init__("This task was changed by someone else after you opened the page.")
        self.task = task


def task_locked(task: Task, version: int) -> Task:
    """The task re-read under a row lock; StaleTask if it changed since `version`.

    The lock is taken on the bare row: after waiting for a lock, PostgreSQL re-reads the locked
    row but not rows joined to it, so a joined "who" could be out of date. It is read afterwards.
    """
    current = Task.objects.select_for_update().get(pk=task.pk)
    if current.version != version:
        raise StaleTask(Task.objects.select_related("status_changed_by", "assignee").get(pk=task.pk))
    return current


def task_save(task: Task, *, by, reason: str = "") -> None:
    task.version += 1
    task._history_user = by
    if reason:
        # The history's reason column holds 100 characters; the full reason stays in TaskDueDateChange.
        task._change_reason = Truncator(reason).chars(HISTORY_REASON_LENGTH)
    task.save()


def close_or_open(task: Task, *, status: str, by, reason: str) -> None:
    """Tick or reopen a task for a reason decided elsewhere (a recorded fact), with who and why."""
    task.status = status
    task.not_applicable_reason = ""
    task.status_changed_at = timezone.now()
    task.status_changed_by = by
    task_save(task, by=by, reason=reason)
