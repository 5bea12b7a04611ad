"""The sweep: log every reminder due now, once, and hand the pending rows to the sender."""

import datetime
import gc
import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from cutover.models import Migration

from .kinds import TASK_DIGEST, Due
from .models import ReminderLog, ReminderOptOut, TeamsChannel
from .preferences import digest_time, preferences_load, teams_instead
from .recipients import Recipient
from .rules import Batch, batch_load, schedule
from .teams_rules import TeamsPlanned, channels_of, teams_log, teams_planned
from .timing import due_now, send_time_reached

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Planned:
    """One row the sweep wants: a due reminder for one recipient."""

    due: Due
    recipient: Recipient

    @property
    def key(self) -> tuple:
        return (
            self.due.migration.pk if self.due.migration else None,
            self.due.kind,
            self.recipient.email,
            self.due.due_date,
        )


@dataclass
class SweepResult:
    today: datetime.date
    before_send_time: bool = False
    planned: list[Planned] = field(default_factory=list)  # due now, whether already logged or not
    new: list[Planned] = field(default_factory=list)  # dry run: not in the log yet
    teams: list[TeamsPlanned] = field(default_factory=list)  # Teams messages due now (teams_rules.py)
    ready_ids: list[int] = field(default_factory=list)  # pending rows handed to the sender
    reclaimed: int = 0


def _planned(
    batch: Batch, scheduled: list[Due], *, channels: dict[int, list[TeamsChannel]], now_time: datetime.time | None
) -> list[Planned]:
    """Every (reminder, person) due now, less optional emails a person opted out of, emails a person
    gets in their Teams channel instead, and digests before the person's chosen time (``now_time``
    None: the command sweeping a given day, when every digest of the day is due)."""
    planned = {}
    dues = due_now(scheduled, batch.today)
    preferences = preferences_load(person.user_id for due in dues for person in due.recipients)
    optional = [due for due in dues if due.spec.unsubscribable]
    opted_out = set()
    if optional:
        addresses = {person.email for due in optional for person in due.recipients}
        opted_out = set(_within(ReminderOptOut.objects, "email", addresses).values_list("email", flat=True)) & addresses
    for due in dues:
        for person in due.recipients:
            if due.spec.unsubscribable and person.email in opted_out:
                continue
            if teams_instead(due=due, person=person, preferences=preferences, channels=channels):
                continue
            if due.kind == TASK_DIGEST and now_time is not None and now_time < digest_time(person, preferences):
                continue
            item = Planned(due, person)
            planned.setdefault(item.key, item)
    return list(planned.values())


# Beyond this many values, a filter reads the whole (small) table instead of an IN list: building
# and parsing a list of tens of thousands of values costs more than the rows it would leave out.
IN_LIST_LIMIT = 1_000


def _within(queryset, field: str, values: set):
    """``queryset`` filtered to ``field`` IN ``values``, or not at all when there are too many values:
    for tables that hold only people's choices (opt-outs, preferences); the caller keeps what it asked for."""
    return queryset.filter(**{f"{field}__in": values}) if len(values) <= IN_LIST_LIMIT else queryset.all()


def _existing_keys(planned: list[Planned]) -> dict[tuple, tuple[int, str]]:
    """{key: (pk, status)} of the rows already logged for these keys: one query, by the few due
    dates and kinds involved, read as plain tuples (tens of thousands on a big sweep)."""
    if not planned:
        return {}
    keys = {item.key for item in planned}
    rows = ReminderLog.objects.filter(
        due_date__in={item.due.due_date for item in planned},
        kind__in={item.due.kind for item in planned},
    ).values_list("migration_id", "kind", "recipient_email", "due_date", "pk", "status")
    return {row[:4]: row[4:] for row in rows if row[:4] in keys}


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """A sweep builds hundreds of thousands of short-lived objects (dates, reminders, people) that
    hold no reference cycles: reference counting frees them all. The cyclic collector would scan
    them again and again as they pile up, a third of a 10,000-migration sweep (bench/sweep.py), so
    it waits until the sweep is over; then it runs as usual."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def reminders_sweep(
    *,
    now: datetime.datetime | None = None,
    day: datetime.date | None = None,
    migration_ids: Iterable[int] | None = None,
    dry_run: bool = False,
    enqueue: bool = True,
) -> SweepResult:
    """Log every reminder due now and hand the pending ones to the sender.

    ``day`` runs the sweep for that date as if after the send time (the ``send_reminders
    --date`` command); otherwise it is today in London and nothing is due before the send time.
    ``migration_ids`` limits it to some migrations (a migration just saved). With ``enqueue`` the
    ready rows go to Celery after commit; without, the caller sends ``ready_ids`` itself.
    ``dry_run`` writes nothing and reports in ``new`` what would be logged.
    """
    now = now or timezone.now()
    migration_ids = None if migration_ids is None else list(migration_ids)
    now_time = timezone.localtime(now).time() if day is None else None
    if day is None:
        day = timezone.localdate(now)
        if not send_time_reached(now):
            return SweepResult(today=day, before_send_time=True)
    with cyclic_gc_paused():
        return _sweep(now, day, migration_ids, now_time=now_time, dry_run=dry_run, enqueue=enqueue)


def _sweep(
    now: datetime.datetime,
    day: datetime.date,
    migration_ids: list[int] | None,
    *,
    now_time: datetime.time | None,
    dry_run: bool,
    enqueue: bool,
) -> SweepResult:
    result = SweepResult(today=day)
    batch = batch_load(day, migration_ids)
    scheduled = schedule(batch)
    channels = channels_of(batch.migrations) if batch.migrations else {}
    result.planned = _planned(batch, scheduled, channels=channels, now_time=now_time)
    if dry_run:
        existing = _existing_keys(result.planned)
        result.new = [item for item in result.planned if item.key not in existing]
        return result
    result.teams = teams_planned(batch, scheduled, channels=channels)
    with transaction.atomic():
        _log(result.planned)
        teams_log(result.teams)
        if migration_ids is None:  # housekeeping belongs to the full sweep, not to a web request
            result.reclaimed = _reclaim_stuck(now)
        # Sending in this process (the command) takes every pending row, enqueued or not: the claim
        # keeps it from racing a worker that has the same row.
        result.ready_ids = _ready_ids(now, migration_ids, include_enqueued=not enqueue)
        if enqueue and result.ready_ids:
            ReminderLog.objects.filter(pk__in=result.ready_ids).update(enqueued_at=now)
            # Imported here, not at the top: jobs imports this module, so that would be an import loop.
            from .jobs import enqueue_sends

            transaction.on_commit(partial(enqueue_sends, list(result.ready_ids)))
    if result.planned or result.ready_ids:
        logger.info(
            "Reminder sweep for %s: %d due, %d handed to the sender", day, len(result.planned), len(result.ready_ids)
        )
    return result


def _log(planned: list[Planned]) -> None:
    """Insert only the rows not logged yet: a sweep that finds nothing new writes nothing."""
    existing = _existing_keys(planned)
    rows = [
        ReminderLog(
            migration=item.due.migration,
            kind=item.due.kind,
            recipient_email=item.recipient.email,
            recipient_name=item.recipient.name[:200],
            recipient_user_id=item.recipient.user_id,
            due_date=item.due.due_date,
        )
        for item in planned
        if item.key not in existing
    ]
    # The unique constraints stay the idempotency key: a sweep running at the same moment may have
    # logged some of these since the read above, and those are left as they are.
    ReminderLog.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    # A row cancelled because its date moved away is due again if the date moved back.
    revive = [pk for pk, status in existing.values() if status == ReminderLog.Status.CANCELLED]
    if revive:
        ReminderLog.objects.filter(pk__in=revive, status=ReminderLog.Status.CANCELLED).update(
            status=ReminderLog.Status.PENDING, attempts=0, next_attempt_at=None, enqueued_at=None, note=""
        )


def _reclaim_stuck(now: datetime.datetime) -> int:
    """Rows a worker claimed and never finished: try again, or give up after the last attempt."""
    stuck = ReminderLog.objects.filter(
        status=ReminderLog.Status.SENDING,
        claimed_at__lt=now - datetime.timedelta(minutes=settings.REMINDER_CLAIM_TIMEOUT_MINUTES),
    )
    retried = stuck.filter(attempts__lt=settings.REMINDER_MAX_ATTEMPTS).update(
        status=ReminderLog.Status.PENDING,
        next_attempt_at=None,
        enqueued_at=None,
        note="The worker stopped while sending; trying again.",
    )
    failed = stuck.update(
        status=ReminderLog.Status.FAILED, note="The worker stopped while sending, on the last attempt."
    )
    if retried or failed:
        logger.warning("Reclaimed %d stuck reminders (%d retried, %d failed)", retried + failed, retried, failed)
    return retried + failed


def _ready_ids(now: datetime.datetime, migration_ids: Iterable[int] | None, *, include_enqueued: bool) -> list[int]:
    """Pending rows to hand to the sender: new ones, retries whose wait is over, and rows whose
    job was enqueued long enough ago that it must have been lost."""
    requeue_before = now - datetime.timedelta(minutes=settings.REMINDER_REQUEUE_MINUTES)
    ready = ReminderLog.objects.filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now), status=ReminderLog.Status.PENDING
    )
    if not include_enqueued:
        ready = ready.filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lte=requeue_before))
    if migration_ids is not None:
        ready = ready.filter(migration_id__in=list(migration_ids))
    return list(ready.order_by("pk").values_list("pk", flat=True))


def reminders_refresh(*, migration: Migration) -> None:
    """A migration was saved: log and enqueue what is due for it now, without waiting for beat.

    If the broker is down this still succeeds (the enqueue after commit logs and gives up), and
    the next sweep picks up the pending rows.
    """
    reminders_sweep(migration_ids=[migration.pk])


def refresh_after_planning_meeting(*, migration: Migration, **_signal) -> None:
    """Receiver of tasks.signals.planning_meeting_changed: the escalations hang on the meeting."""
    reminders_refresh(migration=migration)
