"""Business actions on migrations. Views, commands and jobs call these, never the ORM directly."""

import datetime

from django.db import IntegrityError, transaction
from django.utils.text import Truncator

from cutover import timeline
from cutover.bulk import create_with_history
from cutover.models import Migration
from practices.models import Organisation, Practice
from reminders.sweep import reminders_refresh, reminders_sweep
from systems.national import national_services_add
from tasks.meeting import tasks_record_planning_meeting
from tasks.services import date_moves_text, plans_create, tasks_reschedule


class MigrationConflict(Exception):
    """The practice already has an active migration."""


def migration_create(
    *,
    practice: Practice,
    current_system: str,
    current_supplier: Organisation,
    new_system: str,
    new_supplier: Organisation,
    fdp_date: datetime.date,
    go_live_date: datetime.date,
    legacy_support_days: int | None = None,
    by,
    refresh_reminders: bool = True,
) -> Migration:
    """Create a migration with its plan and the national services catalogue, and log the reminders
    already due for it (``migrations_create`` with one: the form and the wave import both come
    through there)."""
    migration = Migration(
        practice=practice,
        current_system=current_system,
        current_supplier=current_supplier,
        new_system=new_system,
        new_supplier=new_supplier,
        fdp_date=fdp_date,
        go_live_date=go_live_date,
    )
    if legacy_support_days is not None:
        migration.legacy_support_days = legacy_support_days
    return migrations_create(migrations=[migration], by=by, refresh_reminders=refresh_reminders)[0]


def migrations_create(*, migrations: list[Migration], by, refresh_reminders: bool = True) -> list[Migration]:
    """Save these new (unsaved) migrations, each with its plan (``plans_create``, the one plan
    builder), and log the reminders already due for them: one migration from the form, or a wave
    of thousands, in a number of queries that does not grow with their number.

    Raises MigrationConflict, saving none of them, if a practice already has an active migration.
    ``refresh_reminders=False`` is for callers that sweep themselves afterwards.
    """
    for migration in migrations:
        migration.created_by = migration.updated_by = by
    try:
        # The savepoint keeps an outer transaction usable after a lost race.
        with transaction.atomic():
            # Saved in bulk, which skips simple-history's signals: this also records a "created" row for each.
            created = create_with_history(migrations, Migration, by=by)
            plans_create(migrations=created, by=by)
            national_services_add(migrations=created, by=by)
    except IntegrityError as exc:
        if Migration.objects.active().filter(practice__in=[m.practice_id for m in migrations]).exists():
            raise MigrationConflict("This practice already has an active migration.") from exc
        raise
    if refresh_reminders:
        reminders_sweep(migration_ids=[migration.pk for migration in created])
    return created


def migration_update(*, migration: Migration, by, reason: str = "", **changes) -> Migration:
    """Save `changes` to a migration; open tasks follow moved dates, a newly recorded meeting ticks
    its task, and the reminders are worked out again. `reason` (a data-checking no-go, say) goes
    before the moves in the tasks' history and on the migration's.

    What changed is judged against the stored row, read once under a lock (a ModelForm has already
    put the new values on the instance, and two managers saving at once must not both see "no move").
    """
    with transaction.atomic():
        stored = (
            Migration.objects.select_for_update()
            .values(
                "fdp_date", "go_live_date", "legacy_support_days", "planning_meeting_date", *timeline.LIFECYCLE_FIELDS
            )
            .get(pk=migration.pk)
        )
        moves = date_moves_text(stored, changes)
        if reason and moves:
            moves = f"{reason}. {moves}"
        meeting = changes.get("planning_meeting_date")
        meeting_recorded = meeting is not None and meeting != stored["planning_meeting_date"]
        for name, value in changes.items():
            setattr(migration, name, value)
        migration.updated_by = by
        migration._history_user = by
        if reason:
            migration._change_reason = Truncator(reason).chars(100)
        migration.save()
        if moves:
            # Open plan tasks follow the dates they count from.
            tasks_reschedule(migration=migration, by=by, reason=moves)
        if meeting_recorded:
            tasks_record_planning_meeting(migration=migration, held_on=meeting, by=by)
        reminders_refresh(migration=migration)
    return migration
