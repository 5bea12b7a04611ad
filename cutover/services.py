"""Business actions on migrations. Views, commands and jobs call these, never the ORM directly."""

import datetime

from django.db import IntegrityError, transaction

from practices.models import Organisation, Practice
from tasks.services import date_moves_text, plan_create_for_migration, tasks_record_planning_meeting, tasks_reschedule

from .models import Migration
from .reminders import reminders_refresh


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
    """Create a migration with its plan, and log the reminders already due for it.

    ``refresh_reminders=False`` is for callers creating many at once (a wave), which run one
    sweep over all of them afterwards instead of one each.
    """
    migration = Migration(
        practice=practice,
        current_system=current_system,
        current_supplier=current_supplier,
        new_system=new_system,
        new_supplier=new_supplier,
        fdp_date=fdp_date,
        go_live_date=go_live_date,
        created_by=by,
        updated_by=by,
    )
    if legacy_support_days is not None:
        migration.legacy_support_days = legacy_support_days
    migration._history_user = by
    try:
        # The savepoint keeps an outer transaction usable after a lost race.
        with transaction.atomic():
            migration.save()
            plan_create_for_migration(migration=migration, by=by)
    except IntegrityError as exc:
        if Migration.objects.active().filter(practice=practice).exists():
            raise MigrationConflict("This practice already has an active migration.") from exc
        raise
    if refresh_reminders:
        reminders_refresh(migration=migration)
    return migration


def migration_update(*, migration: Migration, by, **changes) -> Migration:
    moves = date_moves_text(migration, changes)
    # Compared with the stored row: a ModelForm has already put the new value on the instance.
    meeting = changes.get("planning_meeting_date")
    meeting_recorded = meeting is not None and meeting != (
        Migration.objects.filter(pk=migration.pk).values_list("planning_meeting_date", flat=True).first()
    )
    for name, value in changes.items():
        setattr(migration, name, value)
    migration.updated_by = by
    migration._history_user = by
    with transaction.atomic():
        migration.save()
        if moves:
            # Open plan tasks follow the dates they count from.
            tasks_reschedule(migration=migration, by=by, reason=moves)
        if meeting_recorded:
            tasks_record_planning_meeting(migration=migration, held_on=meeting, by=by)
        reminders_refresh(migration=migration)
    return migration
