"""Reading a plan: progress, the checklist grouped by phase, and the summary on the migration page.

Each function runs a fixed number of queries however many tasks and notes a plan has.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet

from cutover.models import Migration
from practices.models import User

from .models import Phase, Task, TaskNote


@dataclass(frozen=True)
class Progress:
    label: str
    done: int
    applicable: int
    key: str = "overall"

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.applicable) if self.applicable else 100


def plan_progress(statuses: list[tuple[str, str]]) -> tuple[Progress, list[Progress]]:
    """Overall and per-phase progress from (phase, status) pairs: done out of the tasks that apply."""

    def count(pairs):
        applicable = [status for _, status in pairs if status != Task.Status.NOT_APPLICABLE]
        return sum(status == Task.Status.DONE for status in applicable), len(applicable)

    phases = [
        Progress(label, *count([pair for pair in statuses if pair[0] == value]), key=value)
        for value, label in Phase.choices
    ]
    return Progress("Whole plan", *count(statuses), key="overall"), phases


def plan_progress_for(migration: Migration) -> tuple[Progress, list[Progress]]:
    return plan_progress(list(Task.objects.filter(migration=migration).values_list("phase", "status")))


def tasks_for_checklist(migration: Migration) -> QuerySet[Task]:
    """Tasks with everything a checklist row shows: two queries in all (tasks, then notes)."""
    return (
        Task.objects.filter(migration=migration)
        .select_related("assignee", "status_changed_by")
        .prefetch_related(Prefetch("notes", queryset=TaskNote.objects.select_related("author")))
    )


def practice_members(migration: Migration) -> QuerySet[User]:
    """The people a task can be assigned to."""
    return User.objects.filter(practice_memberships__practice_id=migration.practice_id).order_by(
        "first_name", "last_name", "email"
    )


def task_mark_dates(task: Task, today: datetime.date) -> Task:
    """Set what a checklist row reads but cannot work out itself (a template cannot pass today).

    A rejected form's errors and values sit in maps that answer "" for anything missing: a failed
    template lookup makes Django call dir() on the object, which costs more than the rest of a row.
    """
    task.overdue = task.is_overdue(today)
    task.due_soon = not task.overdue and task.is_due_soon(today)
    task.open_form = ""
    task.form_errors = defaultdict(str)
    task.form_values = defaultdict(str)
    return task


def task_attach_rejected(task: Task, *, kind: str, form) -> Task:
    """Show a rejected row form again, open, with its errors beside the fields and the text kept."""
    task.open_form = kind
    task.form_errors.update({name: " ".join(errors) for name, errors in form.errors.items()})
    task.form_values.update({name: form.data.get(name, "") for name in form.fields})
    return task


@dataclass
class PhaseGroup:
    key: str
    label: str
    progress: Progress
    tasks: list[Task] = field(default_factory=list)


@dataclass
class Checklist:
    overall: Progress
    phases: list[PhaseGroup]
    shown: int
    total: int

    @property
    def progress_items(self) -> list[Progress]:
        return [self.overall, *(group.progress for group in self.phases)]


def checklist_build(
    *, migration: Migration, today: datetime.date, user=None, mine: bool = False, overdue: bool = False
) -> Checklist:
    """The checklist grouped by phase. Filters narrow the tasks shown, never the progress."""
    tasks = [task_mark_dates(task, today) for task in tasks_for_checklist(migration)]
    for task in tasks:
        task.migration = migration
    overall, phase_progress = plan_progress([(task.phase, task.status) for task in tasks])
    shown = [
        task
        for task in tasks
        if (not mine or (user is not None and task.assignee_id == user.pk)) and (not overdue or task.overdue)
    ]
    groups = [PhaseGroup(key=progress.key, label=progress.label, progress=progress) for progress in phase_progress]
    by_key = {group.key: group for group in groups}
    for task in shown:
        by_key[task.phase].tasks.append(task)
    return Checklist(overall=overall, phases=groups, shown=len(shown), total=len(tasks))


@dataclass(frozen=True)
class PlanSummary:
    progress: Progress
    overdue: int
    next_deadlines: list[Task]


def plan_summary(migration: Migration, *, today: datetime.date, upcoming: int = 3) -> dict:
    """What the migration page shows of the plan, in one query: progress, overdue count, next deadlines."""
    tasks = list(Task.objects.filter(migration=migration).select_related("assignee"))
    overall, _ = plan_progress([(task.phase, task.status) for task in tasks])
    next_deadlines = [task for task in tasks if task.is_open and task.due_date >= today][:upcoming]
    for task in next_deadlines:
        task_mark_dates(task, today)
    return {
        "plan_summary": PlanSummary(
            progress=overall,
            overdue=sum(task.is_overdue(today) for task in tasks),
            next_deadlines=next_deadlines,
        )
    }
