"""How long the re-entry log keeps patient identifiers, and removing them when that time is up.

The log needs a patient's NHS number, or a new registration's name, date of birth and address, only
until the practice has typed everything into the new system and can no longer need the old one. So a
migration's entries lose their identifiers once

1. legacy support has ended (go-live + the migration's legacy_support_days), and
2. nothing is left to re-enter (every entry is re-entered or voided),

and a further REENTRY_RETENTION_DAYS have passed since the later of those two moments, for the
practice's own checks and questions.

What is removed: the NHS number, the patient's name, date of birth and address, and the free text
(what must be re-entered, and the reason for voiding), because people type names and numbers into
free text. What stays: the kind, every date, the stock figures (no patient in them), and who recorded,
re-entered, checked or voided each entry, so the counts and the audit trail still add up. The entries'
history rows are cleared the same way; otherwise the history would still hold what was removed.

The job runs daily from beat (reentry.jobs.purge_identifiers) and by hand as
`manage.py purge_identifiers [--dry-run]`. Running it again changes nothing.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from cutover.models import Migration
from cutover.timeline import local_today

from .models import IDENTIFYING_FIELDS, Entry, empty_value, still_to_re_enter

CHANGE_REASON = "Patient details removed after the retention period"
# Cleared on the entry and on every history row of it. Kept: kind, dates, stock figures, who did what.
CLEARED = {name: empty_value(name) for name in IDENTIFYING_FIELDS}


@dataclass(frozen=True)
class Retention:
    """Where one migration stands: when its identifiers go, or why not yet."""

    migration: Migration
    to_remove: int
    backlog: int
    due_on: datetime.date | None

    def is_due(self, today: datetime.date) -> bool:
        return self.due_on is not None and self.to_remove > 0 and today >= self.due_on


def retention_due_on(
    migration: Migration, *, backlog: int, last_closed: datetime.datetime | None
) -> datetime.date | None:
    """The first day the identifiers may be removed; None while anything is left to re-enter."""
    if backlog:
        return None
    start = migration.legacy_support_end
    if last_closed is not None:
        start = max(start, timezone.localdate(last_closed))
    return start + datetime.timedelta(days=settings.REENTRY_RETENTION_DAYS)


def _with_retention_figures(migrations):
    entries = "reentry_entries"
    return migrations.annotate(
        to_remove=Count(entries, filter=Q(reentry_entries__identifiers_removed_at__isnull=True)),
        backlog=Count(entries, filter=still_to_re_enter(via="reentry_entries__")),
        last_re_entered=Max(f"{entries}__re_entered_at"),
        last_voided=Max(f"{entries}__voided_at"),
    )


def _retention(migration: Migration) -> Retention:
    closed = [moment for moment in (migration.last_re_entered, migration.last_voided) if moment]
    return Retention(
        migration=migration,
        to_remove=migration.to_remove,
        backlog=migration.backlog,
        due_on=retention_due_on(migration, backlog=migration.backlog, last_closed=max(closed, default=None)),
    )


def retention_of(migration: Migration) -> Retention:
    """One migration's retention figures, in one query."""
    return _retention(_with_retention_figures(Migration.objects.filter(pk=migration.pk)).get())


def retentions_due(*, today: datetime.date | None = None) -> list[Retention]:
    """Migrations whose entries still hold identifiers that are due for removal, in one query."""
    today = today or local_today()
    candidates = (
        _with_retention_figures(Migration.objects.select_related("practice"))
        .filter(to_remove__gt=0, backlog=0)
        .order_by("pk")
    )
    return [retention for retention in map(_retention, candidates) if retention.is_due(today)]


def identifiers_remove(*, migration: Migration, now: datetime.datetime | None = None) -> int:
    """Remove the identifiers of a migration's entries if they are due; returns how many entries changed.

    Rechecked under a lock on the migration, so two runs at once (beat twice, or beat and the command)
    do the work once. Only re-entered or voided entries are touched, so one recorded a moment ago is
    never cleared before it is re-entered.
    """
    now = now or timezone.now()
    with transaction.atomic():
        Migration.objects.select_for_update().get(pk=migration.pk)
        if not retention_of(migration).is_due(timezone.localdate(now)):
            return 0
        entries = list(
            Entry.objects.select_for_update()
            .filter(migration=migration, identifiers_removed_at__isnull=True)
            .exclude(still_to_re_enter())
            .order_by("pk")
        )
        for entry in entries:
            for name, value in CLEARED.items():
                setattr(entry, name, value)
            entry.identifiers_removed_at = now
        # One new history row per entry (by the system, with the reason) says when and why they went.
        bulk_update_with_history(
            entries,
            Entry,
            [*CLEARED, "identifiers_removed_at"],
            batch_size=500,
            default_change_reason=CHANGE_REASON,
            default_date=now,
        )
        # Audit: the older history rows are the copies being cleared, not changes to record, so a plain
        # UPDATE is right here (recording it would make yet another copy); the row above says when and why.
        Entry.history.filter(
            id__in=Entry.objects.filter(migration=migration, identifiers_removed_at__isnull=False).values("pk")
        ).update(**CLEARED)
    return len(entries)


@dataclass(frozen=True)
class Removal:
    retention: Retention
    removed: int


def identifiers_remove_due(*, dry_run: bool = False) -> list[Removal]:
    """Remove every due migration's identifiers today (or, with dry_run, say what would go)."""
    results = []
    for retention in retentions_due():
        removed = retention.to_remove if dry_run else identifiers_remove(migration=retention.migration)
        results.append(Removal(retention=retention, removed=removed))
    return results
