"""Demo plans for `seed_demo`: every demo migration gets its plan, with work under way where the
migration is under way, so the plan, its filters and the overdue marks all have something to show.
"""

import contextlib
import datetime

from django.db.models import Q
from django.utils import timezone

from practices.models import PracticeMembership

from .models import Phase, Task
from .services import TaskNotReady, plan_create_for_migration, task_assign, task_note_add, task_set_status

# Left open on purpose in a migration after go-live, so the demo shows an overdue task.
LEFT_OVERDUE = {"re-register-new-patients"}
NOT_APPLICABLE = {
    "plan-third-party-suppliers": "We use no third-party document or scanning system: letters go straight into the "
    "clinical system, and the new supplier covers that.",
}
NOTES = {
    "notify-third-parties": "Pathology, the pharmacy hub and the online consultation provider have confirmed the "
    "dates. Still waiting to hear from the physiotherapy referral service.",
    "smartcards": "Two cards renewed; the reader in room 4 was replaced.",
}


def _demo_time(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10, 30)))


def seed_plan(*, migrations, today: datetime.date) -> int:
    """Create each migration's plan and, the first time only, assign and tick off plausible work."""
    created = 0
    for migration in migrations.select_related("practice"):
        people = {
            m.role: m.user
            for m in PracticeMembership.objects.filter(practice=migration.practice).select_related("user")
        }
        manager = people.get(PracticeMembership.Role.PRACTICE_MANAGER)
        created += len(plan_create_for_migration(migration=migration, by=manager))
        tasks = Task.objects.filter(migration=migration)
        # Assignments only come from here or from people, while ticks also come from the migration's
        # planning meeting date and the re-entry log seeded before this.
        if tasks.filter(Q(assignee__isnull=False) | Q(assigned_contact__isnull=False)).exists():
            continue  # already seeded: leave whatever people have done since
        stage = migration.stage(today)
        for task in tasks:
            owner = people.get(task.default_owner_role) or manager
            if owner is not None:
                task = task_assign(task=task, assignee=owner, by=manager, version=task.version)
            key = task.template_item.key if task.template_item else ""
            if stage in {"cutover", "after go-live"} and key in NOTES:
                task_note_add(task=task, text=NOTES[key], by=owner)
            if not _is_done_by_now(task, key, stage, today):
                continue
            when = _demo_time(min(task.due_date, today - datetime.timedelta(days=1)))
            if key in NOT_APPLICABLE:
                task_set_status(
                    task=task,
                    status=Task.Status.NOT_APPLICABLE,
                    reason=NOT_APPLICABLE[key],
                    by=manager,
                    version=task.version,
                    at=when,
                )
            else:
                # Systems or re-entry still to finish leave the task open: the plan shows what is left.
                with contextlib.suppress(TaskNotReady):
                    task_set_status(task=task, status=Task.Status.DONE, by=owner, version=task.version, at=when)
    return created


def _is_done_by_now(task: Task, key: str, stage: str, today: datetime.date) -> bool:
    if stage == "cutover":
        # Preparation is over, and the two things that start on FDP have started.
        return task.phase == Phase.PREPARATION or (task.phase == Phase.DURING_CUTOVER and task.due_date < today)
    if stage == "after go-live":
        return task.due_date < today and key not in LEFT_OVERDUE
    return False
