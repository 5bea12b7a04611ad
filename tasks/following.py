"""Plan tasks that follow the re-entry log (the planning meeting's task follows its date: tasks/meeting.py).

Each is called by the service that records the fact, in the same transaction, so the task and the
fact never disagree (see tasks/completion.py for when a task may be ticked at all).
"""

from collections.abc import Iterable

from django.db import transaction

from cutover.models import Migration
from cutover.timeline import local_today
from reentry.models import re_entry_open

from .completion import REENTRY_TASKS, reentry_backlog_by_task
from .models import Task
from .writes import close_or_open


def follow_reentry_entries(*, migration: Migration, kinds: Iterable[str], by, **_signal) -> None:
    """Receiver of reentry.signals.entries_changed (connected in tasks/apps.py)."""
    tasks_follow_reentry(migration=migration, kinds=kinds, by=by)


def tasks_follow_reentry(*, migration: Migration, kinds: Iterable[str], by) -> list[Task]:
    """Keep the re-entry tasks in step with the log after entries of `kinds` changed.

    Called, through reentry.signals.entries_changed, in the same transaction as the change. A task whose part
    of the log is now empty is ticked, by the person who re-entered (or voided) the last
    item, from go-live on, when re-entering is possible. A done task that has something to
    re-enter again (a paper entry keyed in late) is reopened. Not-applicable tasks stay so.

    The task rows are locked before counting, so when two people re-enter the last two
    items at once, the second to commit waits and then counts both.
    """
    kinds = set(kinds)
    keys = [key for key, covered in REENTRY_TASKS.items() if covered & kinds]
    if not keys:
        return []
    changed = []
    with transaction.atomic():
        tasks = list(
            Task.objects.select_for_update(of=("self",))
            .filter(
                migration=migration,
                template_item__key__in=keys,
                status__in=[Task.Status.OPEN, Task.Status.DONE],
            )
            .select_related("template_item")
        )
        if not tasks:
            return []
        backlog = reentry_backlog_by_task(migration)
        can_finish = re_entry_open(migration, local_today())
        for task in tasks:
            left = backlog[task.template_item.key]
            if task.is_open and left == 0 and can_finish:
                close_or_open(task, status=Task.Status.DONE, by=by, reason="Ticked: the last item was re-entered")
            elif task.is_done and left > 0:
                close_or_open(
                    task, status=Task.Status.OPEN, by=by, reason="Reopened: something new to re-enter was recorded"
                )
            else:
                continue
            changed.append(task)
    return changed
