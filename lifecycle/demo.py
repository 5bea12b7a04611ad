"""Demo data for closing: a practice's earlier migration, completed, before the one under way now."""

import datetime

from django.utils import timezone

from cutover.models import Migration
from cutover.workdays import working_day_on_or_after
from practices.models import Organisation, PracticeMembership
from tasks.models import Task
from tasks.services import TaskNotReady, plan_create_for_migration, task_set_status

from .closing import migration_complete

ON_PAPER = "Recorded on paper: the practice did not use Cutover Coordinator for this migration."
LESSONS = (
    "Book the suppliers' go-live support before fixing FDP: we waited a week for a slot.\n"
    "Staff who practised on the training system re-entered twice as fast.\n"
    "Ask the pharmacy and the lab to confirm their switch-off in writing."
)


def seed_earlier_migration(*, practice, manager, current_supplier: Organisation, new_supplier: Organisation, today):
    """A migration of `practice` that went live about a year ago, its plan done, completed with lessons.

    Called before the practice's current migration is created (one active migration per practice).
    Returns the number of records created (0 when the practice already has migrations).
    """
    if Migration.objects.filter(practice=practice).exists():
        return 0
    fdp = working_day_on_or_after(today - datetime.timedelta(days=400))
    go_live = working_day_on_or_after(fdp + datetime.timedelta(days=7))
    migration = Migration(
        practice=practice,
        current_system="Vision",
        current_supplier=current_supplier,
        new_system="EMIS Web",
        new_supplier=new_supplier,
        fdp_date=fdp,
        go_live_date=go_live,
        created_by=manager,
        updated_by=manager,
    )
    migration.planning_meeting_date = working_day_on_or_after(fdp - datetime.timedelta(days=35))
    migration._history_user = manager
    migration.save()
    tasks = plan_create_for_migration(migration=migration, by=manager)
    for task in Task.objects.filter(migration=migration):
        at = timezone.make_aware(datetime.datetime.combine(task.due_date, datetime.time(11, 0)))
        try:
            task_set_status(task=task, status=Task.Status.DONE, by=manager, version=task.version, at=at)
        except TaskNotReady:
            # Its records (linked systems, the re-entry log) were kept on paper back then.
            task_set_status(
                task=task, status=Task.Status.NOT_APPLICABLE, reason=ON_PAPER, by=manager, version=task.version, at=at
            )
    closed_on = go_live + datetime.timedelta(days=30)
    at = timezone.make_aware(datetime.datetime.combine(closed_on, datetime.time(16, 0)))
    migration_complete(migration=migration, lessons_learned=LESSONS, by=manager, today=closed_on, at=at)
    return 2 + len(tasks)


def seed_clinical_lead(*, user, practices) -> int:
    """Make the demo manager the clinical lead of the demo practices, so one sign-in shows every sign-off."""
    changed = 0
    for membership in PracticeMembership.objects.filter(user=user, practice__in=practices, is_clinical_lead=False):
        membership.is_clinical_lead = True
        membership.save(update_fields=["is_clinical_lead"])
        changed += 1
    return changed
