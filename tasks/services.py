"""Business actions on a migration's plan. Views, commands and the migration services call these.

Every change goes through tasks/writes.py (a row lock and a version check, so two people acting
at once never overwrite each other); tasks that follow facts recorded elsewhere are in
tasks/following.py.
"""

import copy
import datetime
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from cutover import timeline
from cutover.bulk import create_with_history
from cutover.formatting import day_text
from cutover.models import Migration
from practices.models import PracticeMembership, Stakeholder, User
from practices.stakeholders import stakeholders_by_role

from .completion import task_gate
from .models import Anchor, LocalPlanItem, PlanTemplateItem, Task, TaskDueDateChange, TaskNote, due_date_for
from .writes import StaleTask as StaleTask  # raised by the actions here, so callers catch it from here
from .writes import task_locked, task_save


class TaskNotReady(Exception):
    """The task cannot be ticked yet: the records it depends on are not finished. The message says what is left."""


def tasks_from_plan_item(
    *, item: PlanTemplateItem | LocalPlanItem, migrations: Sequence[Migration], at: datetime.datetime, by=None
) -> list[Task]:
    """Each migration's (unsaved) task for a national template item or an ICB's local task, dated
    from that migration's dates; the task remembers which item it came from.

    What the item decides is set once, on a first task; every migration's task is a copy of it with
    the migration and its due date filled in. A wave builds a quarter of a million tasks, and building
    each from scratch cost as much as saving it.
    """
    source = {"local_item": item} if isinstance(item, LocalPlanItem) else {"template_item": item}
    shared = Task(
        **source,
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
        created_at=at,
        created_by=by,
    )
    tasks = []
    for migration in migrations:
        task = copy.copy(shared)
        task.migration = migration
        task.due_date = item.due_date_in(migration)
        tasks.append(task)
    return tasks


def task_from_plan_item(
    *, migration: Migration, item: PlanTemplateItem | LocalPlanItem, at: datetime.datetime, by=None
) -> Task:
    """One migration's (unsaved) task for a plan item (``tasks_from_plan_item``)."""
    return tasks_from_plan_item(item=item, migrations=[migration], at=at, by=by)[0]


def plan_create_for_migration(*, migration: Migration, by=None) -> list[Task]:
    """Copy the active template items, and the active local tasks of the practice's ICB and
    delivery partner (tasks/local.py), into the migration's plan; returns the tasks it created.

    The same rules as a wave's (``plans_create`` with one migration).
    """
    return plans_create(migrations=[migration], by=by)


def plans_create(*, migrations: Sequence[Migration], by=None) -> list[Task]:
    """Copy the active template items, and the active local tasks of each practice's ICB and
    delivery partner (tasks/local.py), into each migration's plan; returns the tasks it created.

    The one plan builder: a single new migration and a wave of thousands come through here, so
    their plans follow the same rules, in a number of queries that does not grow with the wave.
    Each migration's ``practice`` should be loaded (it decides the dispensing-only items and whose
    local tasks apply).

    Idempotent: items already in a plan are skipped, and the unique constraints on
    (migration, template item) and (migration, local task) back that up. Locking the migrations'
    rows makes a second, simultaneous call wait and then find everything already there.
    """
    if not migrations:
        return []
    pks = sorted(migration.pk for migration in migrations)
    with transaction.atomic():
        # In pk order, so two callers locking overlapping sets never deadlock.
        list(Migration.objects.select_for_update().filter(pk__in=pks).order_by("pk").values_list("pk", flat=True))
        existing = Task.objects.filter(migration_id__in=pks)
        have_items = set(existing.filter(template_item__isnull=False).values_list("migration_id", "template_item_id"))
        have_local = set(existing.filter(local_item__isnull=False).values_list("migration_id", "local_item_id"))
        items = list(PlanTemplateItem.objects.filter(active=True))
        organisations = {m.practice.icb_id for m in migrations} | {m.practice.delivery_partner_id for m in migrations}
        local_items = list(
            LocalPlanItem.objects.filter(
                organisation_id__in=organisations - {None}, retired_at__isnull=True
            ).select_related("organisation")
        )
        now = timezone.now()

        def wants(migration: Migration, item: PlanTemplateItem | LocalPlanItem) -> bool:
            practice = migration.practice
            if isinstance(item, LocalPlanItem):
                applies = item.organisation_id in (practice.icb_id, practice.delivery_partner_id)
                if not applies or (migration.pk, item.pk) in have_local:
                    return False
            elif (migration.pk, item.pk) in have_items:
                return False
            return practice.dispensing or not item.dispensing_only

        tasks = []
        for item in [*items, *local_items]:
            wanted = [migration for migration in migrations if wants(migration, item)]
            tasks += tasks_from_plan_item(item=item, migrations=wanted, at=now, by=by)
        if not tasks:
            return []
        # Saved in bulk, which skips simple-history's signals: this also records a "created" row per task.
        return create_with_history(tasks, Task, by=by, reason="Plan created")


def _template_key(task: Task) -> str | None:
    if task.template_item_id is None:
        return None
    return PlanTemplateItem.objects.filter(pk=task.template_item_id).values_list("key", flat=True).first()


def task_set_status(
    *, task: Task, status: str, by, version: int, reason: str = "", at: datetime.datetime | None = None
) -> Task:
    """Tick (done), untick (open) or mark not applicable (with a reason), recording who and when.

    A task whose completion depends on other records (the third-party and re-entry tasks,
    see tasks/completion.py) is refused with TaskNotReady until they are finished.
    `at` back-dates the change (the demo data uses it); it defaults to now.
    """
    if status not in Task.Status.values:
        raise ValidationError({"status": "Choose done, open or not applicable."})
    reason = reason.strip()
    if status == Task.Status.NOT_APPLICABLE and not reason:
        raise ValidationError({"reason": "Say why this task does not apply to your practice."})
    with transaction.atomic():
        current = task_locked(task, version)
        if current.status == status and status != Task.Status.NOT_APPLICABLE:
            return current
        if status == Task.Status.DONE:
            current.migration = task.migration
            gate = task_gate(current, key=_template_key(current))
            if gate is not None and not gate.ready:
                raise TaskNotReady(gate.refusal)
        current.status = status
        current.not_applicable_reason = reason if status == Task.Status.NOT_APPLICABLE else ""
        current.status_changed_at = at or timezone.now()
        current.status_changed_by = by
        if at:
            current._history_date = at
        task_save(current, by=by)
    return current


ASSIGNEE_ERROR = "Choose someone who works at this practice or an outside contact of this migration."


def _check_assignable(migration: Migration, *, assignee: User | None, contact: Stakeholder | None) -> None:
    """A task goes to a member of the practice, or to a current outside contact of its migration."""
    if assignee is not None and contact is not None:
        raise ValidationError({"assignee": "Choose one person: a practice member or an outside contact, not both."})
    if (
        assignee is not None
        and not PracticeMembership.objects.filter(user=assignee, practice_id=migration.practice_id).exists()
    ):
        raise ValidationError({"assignee": ASSIGNEE_ERROR})
    if contact is not None and (contact.migration_id != migration.pk or contact.is_user or contact.is_removed):
        raise ValidationError({"assignee": ASSIGNEE_ERROR})


def _give(task: Task, *, assignee: User | None, contact: Stakeholder | None) -> bool:
    """Point the task at its new holder; False if it already had them."""
    if task.assignee_id == (assignee.pk if assignee else None) and task.assigned_contact_id == (
        contact.pk if contact else None
    ):
        return False
    task.assignee, task.assigned_contact = assignee, contact
    return True


def task_assign(
    *, task: Task, by, version: int, assignee: User | None = None, contact: Stakeholder | None = None
) -> Task:
    """Give the task to a member of the practice (`assignee`), to an outside contact of the
    migration (`contact`), or to nobody (neither). The history records each change."""
    _check_assignable(task.migration, assignee=assignee, contact=contact)
    with transaction.atomic():
        current = task_locked(task, version)
        if _give(current, assignee=assignee, contact=contact):
            task_save(current, by=by)
    return current


def tasks_of_stakeholder(stakeholder: Stakeholder):
    """The open tasks a stakeholder holds in their migration, soonest first.

    An outside contact holds the tasks assigned to them. A person who signs in holds the tasks
    assigned to their account, unless they stay involved in the migration in another role
    (then removing this role leaves their work with them).
    """
    open_tasks = Task.objects.filter(migration_id=stakeholder.migration_id, status=Task.Status.OPEN)
    if not stakeholder.is_user:
        return open_tasks.filter(assigned_contact=stakeholder)
    other_roles = Stakeholder.objects.current().filter(
        migration_id=stakeholder.migration_id, user_id=stakeholder.user_id
    )
    if other_roles.exclude(pk=stakeholder.pk).exists():
        return open_tasks.none()
    return open_tasks.filter(assignee_id=stakeholder.user_id)


def tasks_hand_over(
    *, stakeholder: Stakeholder, by, assignee: User | None = None, contact: Stakeholder | None = None
) -> list[Task]:
    """Move a stakeholder's open tasks to someone else, or to nobody, before they are removed.

    Done and not-applicable tasks keep the person who held them: that is their history.
    """
    migration = stakeholder.migration
    if contact is not None and contact.pk == stakeholder.pk:
        raise ValidationError({"assignee": "Choose someone other than the person being removed."})
    if assignee is not None and stakeholder.is_user and assignee.pk == stakeholder.user_id:
        raise ValidationError({"assignee": "Choose someone other than the person being removed."})
    _check_assignable(migration, assignee=assignee, contact=contact)
    reason = f"Handed over: {stakeholder.display_name} was removed from the migration"
    return _move_open_tasks(stakeholder, by=by, reason=reason, assignee=assignee, contact=contact)


def _move_open_tasks(
    stakeholder: Stakeholder, *, by, reason: str, assignee: User | None, contact: Stakeholder | None
) -> list[Task]:
    moved = []
    with transaction.atomic():
        for task in tasks_of_stakeholder(stakeholder).select_for_update():
            if _give(task, assignee=assignee, contact=contact):
                task_save(task, by=by, reason=reason)
                moved.append(task)
    return moved


def tasks_move_to_account(*, contact: Stakeholder, user: User, by) -> list[Task]:
    """Give an outside contact's open tasks to their own account, now that they have joined.

    Called before the contact's entry becomes the user's: the tasks then show in their list and
    digest like any member's, and the history says why they moved.
    """
    reason = f"{user.email} joined the practice: tasks held as an outside contact are now theirs"
    return _move_open_tasks(contact, by=by, reason=reason, assignee=user, contact=None)


def move_tasks_of_joined_contact(*, contact: Stakeholder, user: User, by, **_signal) -> None:
    """Receiver of practices.signals.contact_joined (connected in tasks/apps.py)."""
    tasks_move_to_account(contact=contact, user=user, by=by)


def _ever_assigned(migration: Migration) -> set[int]:
    """Tasks that have had someone at some point: emptying them was then somebody's choice."""
    return set(
        Task.history.filter(migration_id=migration.pk)
        .filter(Q(assignee__isnull=False) | Q(assigned_contact__isnull=False))
        .values_list("id", flat=True)
        .distinct()
    )


def tasks_assign_default_owners(*, migration: Migration, by) -> list[Task]:
    """Give each open, unassigned task to the one stakeholder who holds its usual owner's role.

    Run when the manager confirms who is involved. It never overrides a choice someone made:
    tasks that have an assignee, or had one and were emptied, are left alone; so running it
    again changes nothing. A role held by several people (practice staff, usually) is left
    for the manager to share out: handing every staff task to whoever was recorded first
    would be a guess. The assign form still suggests that first person.
    """
    members = set(
        PracticeMembership.objects.filter(practice_id=migration.practice_id).values_list("user_id", flat=True)
    )
    owners: dict[str, Stakeholder] = {}
    for role, people in stakeholders_by_role(migration).items():
        assignable = [p for p in people if (p.user_id in members if p.is_user else True)]
        if len(assignable) == 1:
            owners[role] = assignable[0]
    if not owners:
        return []
    assigned = []
    with transaction.atomic():
        candidates = Task.objects.select_for_update().filter(
            migration=migration,
            status=Task.Status.OPEN,
            assignee__isnull=True,
            assigned_contact__isnull=True,
            default_owner_role__in=list(owners),
        )
        touched = _ever_assigned(migration)
        for task in candidates:
            if task.pk in touched:
                continue
            owner = owners[task.default_owner_role]
            task.assignee, task.assigned_contact = (owner.user, None) if owner.is_user else (None, owner)
            task_save(task, by=by, reason="Given to its usual owner when the people involved were confirmed")
            assigned.append(task)
    return assigned


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
            migration=migration,
            phase=phase,
            anchor=anchor,
            offset_days=offset_days,
            direction=direction,
            fixed_date=fixed_date,
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
        current = task_locked(task, version)
        old_date = current.due_date
        current.anchor, current.offset_days, current.direction, current.fixed_date = (
            anchor,
            offset_days,
            direction,
            fixed_date,
        )
        current.due_date = current.computed_due_date()
        task_save(current, by=by, reason=reason)
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
            task_save(task, by=by, reason=reason)
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


def date_moves_text(stored: dict, changes: dict) -> str:
    """Describe how saving `changes` over the `stored` values moves the dates tasks count from;
    empty if none of them move."""

    moves = []
    for field, label in [("fdp_date", "FDP"), ("go_live_date", "Go-live")]:
        new = changes.get(field, stored[field])
        if new != stored[field]:
            moves.append(f"{label} moved from {day_text(stored[field])} to {day_text(new)}")
    for field, label in timeline.LIFECYCLE_LABELS.items():
        if field not in stored:
            continue
        new = changes.get(field, stored[field])
        if new != stored[field]:
            if new is None:
                moves.append(f"{label} cleared: worked out from FDP again")
            elif stored[field] is None:
                moves.append(f"{label} set to {day_text(new)}")
            else:
                moves.append(f"{label} moved from {day_text(stored[field])} to {day_text(new)}")
    days = changes.get("legacy_support_days", stored["legacy_support_days"])
    if days != stored["legacy_support_days"]:
        moves.append(f"Legacy support changed from {stored['legacy_support_days']} to {days} days")
    return "; ".join(moves)
