"""Reading a plan: progress, the plan grouped by phase, and the summary on the migration page.

Each function runs a fixed number of queries however many tasks and notes a plan has.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse

from cutover.models import Migration
from cutover.timeline import local_today
from practices.models import Stakeholder, User
from practices.stakeholders import Workload, stakeholders_by_role

from .completion import plan_gates
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


def tasks_for_plan(migration: Migration) -> QuerySet[Task]:
    """Tasks with everything a plan row shows: two queries in all (tasks, then notes)."""
    return (
        Task.objects.filter(migration=migration)
        .select_related(
            "assignee",
            "assigned_contact__organisation",
            "assigned_contact__user",
            "status_changed_by",
            "local_item__organisation",  # for the "Added by <ICB>" label (Task.added_by)
        )
        .annotate(template_key=F("template_item__key"))
        .prefetch_related(Prefetch("notes", queryset=TaskNote.objects.select_related("author")))
    )


def tasks_for_rows(migration: Migration) -> QuerySet[Task]:
    """Tasks with what a compact plan row shows, in one query: no guidance and no notes
    (both are on the task's own page)."""
    return (
        Task.objects.filter(migration=migration)
        .select_related("assignee", "assigned_contact__organisation", "assigned_contact__user", "status_changed_by")
        .annotate(template_key=F("template_item__key"))
        .defer("guidance", "why_it_matters", "done_when", "created_by", "created_at", "updated_at")
    )


def practice_members(migration: Migration) -> QuerySet[User]:
    """The practice members a task can be assigned to."""
    return User.objects.filter(practice_memberships__practice_id=migration.practice_id).order_by(
        "first_name", "last_name", "email"
    )


def user_choice(user_id: int) -> str:
    return f"user:{user_id}"


def contact_choice(stakeholder_id: int) -> str:
    return f"contact:{stakeholder_id}"


@dataclass
class AssignOptions:
    """Who a task of this migration can go to, for the one "Assign to" list: the practice's
    members and the migration's outside contacts, and each role's usual owner among them."""

    members: list[User]
    contacts: list[Stakeholder]
    default_for_role: dict[str, str]  # role -> choice value

    @cached_property
    def choices(self) -> list:
        """Grouped choices, as Django's Select renders them (an <optgroup> per group)."""
        groups: list = [("", "Nobody")]
        if self.members:
            groups.append(("Practice members", [(user_choice(m.pk), str(m)) for m in self.members]))
        if self.contacts:
            groups.append(("Outside contacts", [(contact_choice(c.pk), contact_label(c)) for c in self.contacts]))
        return groups

    def selected_for(self, task: Task) -> str:
        """The task's holder; for an unassigned task, the usual owner of its role, as a suggestion."""
        if task.assignee_id:
            return user_choice(task.assignee_id)
        if task.assigned_contact_id:
            return contact_choice(task.assigned_contact_id)
        return self.default_for_role.get(task.default_owner_role, "")

    def without(self, stakeholder: Stakeholder) -> "AssignOptions":
        """The same list less the given stakeholder (who is being removed)."""
        return AssignOptions(
            members=[m for m in self.members if not (stakeholder.is_user and m.pk == stakeholder.user_id)],
            contacts=[c for c in self.contacts if c.pk != stakeholder.pk],
            default_for_role={},
        )


def contact_label(contact: Stakeholder) -> str:
    """ "Jo Bennett (City Pathology), pathology lab provider" """
    organisation = contact.organisation_display
    name = contact.display_name
    if organisation and organisation != name:
        name = f"{name} ({organisation})"
    return f"{name}, {contact.get_role_display().lower()}"


def assign_options(migration: Migration) -> AssignOptions:
    """Two queries: the practice's members, and the migration's current stakeholders."""
    members = list(practice_members(migration))
    member_ids = {m.pk for m in members}
    by_role = stakeholders_by_role(migration)
    contacts = sorted(
        (s for people in by_role.values() for s in people if not s.is_user),
        key=lambda c: (c.display_name.lower(), c.pk),
    )
    defaults = {}
    for role, people in by_role.items():
        # The usual owner is the first of the role (stakeholder_for_role's order) that a task can go to.
        for person in people:
            if not person.is_user:
                defaults[role] = contact_choice(person.pk)
                break
            if person.user_id in member_ids:
                defaults[role] = user_choice(person.user_id)
                break
    return AssignOptions(members=members, contacts=contacts, default_for_role=defaults)


def stakeholder_workload(migration: Migration, people: list[Stakeholder]) -> dict[int, Workload]:
    """{stakeholder pk: their open tasks and how many are overdue}, for the "Who is involved" page.

    One query whatever the number of people or tasks. A person who signs in holds the tasks
    assigned to their account (in each role they have); an outside contact the tasks assigned to them.
    """
    today = local_today()
    tasks = list(
        Task.objects.filter(migration=migration, status=Task.Status.OPEN)
        .filter(Q(assignee__isnull=False) | Q(assigned_contact__isnull=False))
        .only("pk", "title", "due_date", "status", "assignee_id", "assigned_contact_id", "migration_id")
    )
    by_user: dict[int, list[Task]] = defaultdict(list)
    by_contact: dict[int, list[Task]] = defaultdict(list)
    for task in tasks:
        task.overdue = task.is_overdue(today)
        if task.assignee_id:
            by_user[task.assignee_id].append(task)
        else:
            by_contact[task.assigned_contact_id].append(task)
    loads = {}
    for person in people:
        held = by_user.get(person.user_id, []) if person.is_user else by_contact.get(person.pk, [])
        if held:
            loads[person.pk] = Workload(
                assigned=len(held), overdue=sum(task.overdue for task in held), tasks=tuple(held)
            )
    return loads


def task_mark_dates(task: Task, today: datetime.date) -> Task:
    """Set what a plan row reads but cannot work out itself (a template cannot pass today).

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
    tasks: list[Task] = field(default_factory=list)  # every task, in due-date order, whatever the filter


def tasks_mark_for_row(
    migration: Migration,
    tasks: list[Task],
    *,
    today: datetime.date,
    options: AssignOptions | None,
    third_party_states: list | None = None,
) -> list[Task]:
    """Everything a plan row reads: dates, its links, the gate of a third-party or re-entry task
    (what is left, tasks/completion.py), and the suggestion in the "Assign to" list."""
    gates = plan_gates(migration, tasks, states=third_party_states)
    tasks_mark_links(tasks)
    for task in tasks:
        task.migration = migration
        task_mark_dates(task, today)
        task.gate = gates.get(task.pk)
        task.assign_selected = options.selected_for(task) if options else ""
    return tasks


# A task pk no task has, reversed in place of the real one and then replaced by it.
_ANY_TASK = 987_654_321_012


def tasks_mark_links(tasks: list[Task]) -> None:
    """Each row's two links (the task's page, where its tick posts): reversed once per migration and
    filled in per task, since reversing two URLs for every row was a tenth of the plan page's time."""
    patterns: dict[int, tuple[tuple[str, str], tuple[str, str]]] = {}
    for task in tasks:
        if task.migration_id not in patterns:
            patterns[task.migration_id] = tuple(
                tuple(reverse(name, args=[task.migration_id, _ANY_TASK]).rsplit(str(_ANY_TASK), 1))
                for name in ("task-detail", "task-status")
            )
        (detail_head, detail_tail), (status_head, status_tail) = patterns[task.migration_id]
        task.detail_url = f"{detail_head}{task.pk}{detail_tail}"
        task.status_url = f"{status_head}{task.pk}{status_tail}"


def plan_build(
    *,
    migration: Migration,
    today: datetime.date,
    user=None,
    mine: bool = False,
    overdue: bool = False,
    phase: str = "",
    third_party_states: list | None = None,
) -> Checklist:
    """The plan grouped by phase, as compact rows. Filters narrow the tasks shown, never the progress;
    a phase filter shows that phase alone. `third_party_states`: when the caller has them already."""
    tasks = tasks_mark_for_row(
        migration,
        list(tasks_for_rows(migration)),
        today=today,
        options=None,
        third_party_states=third_party_states,
    )
    overall, phase_progress = plan_progress([(task.phase, task.status) for task in tasks])
    shown = [
        task
        for task in tasks
        if (not mine or (user is not None and task.assignee_id == user.pk))
        and (not overdue or task.overdue)
        and (not phase or task.phase == phase)
    ]
    groups = [
        PhaseGroup(key=progress.key, label=progress.label, progress=progress)
        for progress in phase_progress
        if not phase or progress.key == phase
    ]
    by_key = {group.key: group for group in groups}
    for task in shown:
        by_key[task.phase].tasks.append(task)
    return Checklist(overall=overall, phases=groups, shown=len(shown), total=len(tasks), tasks=tasks)


@dataclass(frozen=True)
class Deadline:
    """One of the next deadlines: plain values, so a kept plan (tasks/plan_cache.py) can hold it."""

    pk: int
    title: str
    due_date: datetime.date
    assignee: str
    due_soon: bool


@dataclass(frozen=True)
class PlanSummary:
    """What the migration page says of the plan besides its progress (the plan's own `overall`)."""

    overdue: int
    next_deadlines: list[Deadline]


def plan_summary(tasks: list[Task], *, today: datetime.date, upcoming: int = 3) -> PlanSummary:
    """The overdue count and next deadlines of a plan's tasks as plan_build gives them: in due-date
    order (Task.Meta.ordering) and marked for their rows on `today`."""
    ahead = [task for task in tasks if task.is_open and task.due_date >= today][:upcoming]
    return PlanSummary(
        overdue=sum(task.overdue for task in tasks),
        next_deadlines=[
            Deadline(task.pk, task.title, task.due_date, str(task.assignee) if task.assignee_id else "", task.due_soon)
            for task in ahead
        ],
    )


@dataclass
class MyTasks:
    overdue: list[Task]
    this_week: list[Task]
    later: list[Task]

    @property
    def count(self) -> int:
        return len(self.overdue) + len(self.this_week) + len(self.later)


def my_tasks(*, user, today: datetime.date) -> MyTasks:
    """The open tasks assigned to `user` across the active migrations of the practices they work at,
    grouped overdue / due by Sunday / later. One query, whatever the number of migrations."""
    tasks = list(
        Task.objects.filter(
            assignee=user,
            status=Task.Status.OPEN,
            migration__status=Migration.Status.ACTIVE,
            migration__practice__memberships__user=user,
        )
        .select_related("migration__practice", "assignee", "status_changed_by")
        .annotate(template_key=F("template_item__key"))
        .defer("guidance", "why_it_matters", "done_when", "created_by", "created_at", "updated_at")
        .order_by("due_date", "position", "pk")
        .distinct()
    )
    sunday = today + datetime.timedelta(days=6 - today.weekday())
    groups = MyTasks(overdue=[], this_week=[], later=[])
    tasks = list(tasks)
    tasks_mark_links(tasks)
    for task in tasks:
        task_mark_dates(task, today)
        task.gate = None  # what is left of a gated task is on its own page
        if task.overdue:
            groups.overdue.append(task)
        elif task.due_date <= sunday:
            groups.this_week.append(task)
        else:
            groups.later.append(task)
    return groups


def with_plan_progress(migrations: QuerySet[Migration], *, today: datetime.date) -> QuerySet[Migration]:
    """Each migration with its plan's progress (`tasks_done` of `tasks_applicable`) and its next
    deadline (`next_task_title`, `next_task_due`), in the same query as the migrations."""
    upcoming = Task.objects.filter(migration=OuterRef("pk"), status=Task.Status.OPEN, due_date__gte=today).order_by(
        "due_date", "position", "pk"
    )
    done = Task.objects.filter(migration=OuterRef("pk"), status=Task.Status.DONE)
    applicable = Task.objects.filter(migration=OuterRef("pk")).exclude(status=Task.Status.NOT_APPLICABLE)
    return migrations.annotate(
        tasks_done=_count(done),
        tasks_applicable=_count(applicable),
        next_task_title=Subquery(upcoming.values("title")[:1]),
        next_task_due=Subquery(upcoming.values("due_date")[:1]),
    )


def _count(tasks: QuerySet[Task]):
    return Coalesce(Subquery(tasks.order_by().values("migration").annotate(n=Count("pk")).values("n")[:1]), 0)
