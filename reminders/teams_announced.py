"""Teams messages that another app announces: a migration turning red, and a sign-off.

The reminder rules cannot see either event: the RAG rules belong to the dashboard and sign-offs to
the lifecycle app, both above this one. So those apps notice the event and hand it here with the
lines to say, through ``teams_announce``. From there the message travels as every Teams message
does: one ``ReminderLog`` row per (migration, kind, channel, day), picked up by the next sweep,
claimed once by the sender, retried with backoff and shown as failed on the migration page. The
lines are kept on the row because the sender cannot work them out again.
"""

import datetime
from dataclasses import dataclass

from cutover.models import Migration

from .models import ReminderLog
from .teams import migration_card
from .teams_rules import channels_of

MIGRATION_TURNED_RED = "migration_turned_red"
SIGN_OFF_DATA_CHECKING = "sign_off_data_checking"
SIGN_OFF_GO_LIVE = "sign_off_go_live"
SIGN_OFF_CLOSE_OUT = "sign_off_close_out"
# A message the workers could not send on its day or the next (they were down) is old news.
STALE_AFTER = datetime.timedelta(days=1)


@dataclass(frozen=True)
class Announced:
    channel_field: str  # the TeamsChannel choice that asks for it
    headline: str  # after the practice's name
    lead: str  # before the lines
    then: str  # after them


ANNOUNCED = {
    MIGRATION_TURNED_RED: Announced(
        "turned_red", "turned red on the dashboard", "Why it is red:", "Open the migration and deal with this first."
    ),
    SIGN_OFF_DATA_CHECKING: Announced("sign_off", "data checking signed off", "", "Open the migration to see it."),
    SIGN_OFF_GO_LIVE: Announced("sign_off", "go-live signed off", "", "Open the migration to see it."),
    SIGN_OFF_CLOSE_OUT: Announced("sign_off", "migration completed and closed", "", "Open the migration to see it."),
}


def teams_announce(*, kind: str, items: list[tuple[Migration, list[str]]], today: datetime.date) -> int:
    """Log one message per migration in ``items`` and per channel of its practice, ICB or delivery
    partner that chose ``kind``'s event. Rows that exist are left alone (the idempotency key), so
    announcing twice on one day adds nothing. Two queries, however many migrations.
    ``items``: (migration, with its practice loaded; the lines to say). Returns rows asked for."""
    wants = ANNOUNCED[kind].channel_field
    active = [(migration, lines) for migration, lines in items if migration.status == Migration.Status.ACTIVE]
    if kind == SIGN_OFF_CLOSE_OUT:  # completing is the close-out sign-off: the migration has just closed
        active = list(items)
    if not active:
        return 0
    channels = channels_of([migration for migration, _ in active])
    rows = [
        ReminderLog(
            migration=migration,
            channel=channel,
            kind=kind,
            recipient_email="",
            recipient_name=f"Teams channel of {channel.owner_name}"[:200],
            due_date=today,
            text="\n".join(lines),
        )
        for migration, lines in active
        for channel in channels.get(migration.pk, [])
        if getattr(channel, wants)
    ]
    # Audit: the reminder log is the system's own send record (audit/coverage.py).
    ReminderLog.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def teams_turned_red_log(*, turned: list[tuple[Migration, list[str]]], today: datetime.date) -> int:
    return teams_announce(kind=MIGRATION_TURNED_RED, items=turned, today=today)


def teams_announced_still_due(reminder: ReminderLog, today: datetime.date) -> bool:
    """Still worth posting: the channel still takes the event, the message is not older than a day,
    and the migration is open (a close-out is said of a migration that has just closed)."""
    channel = reminder.channel
    open_or_closing = reminder.kind == SIGN_OFF_CLOSE_OUT or reminder.migration.status == Migration.Status.ACTIVE
    return (
        open_or_closing
        and channel.is_connected
        and getattr(channel, ANNOUNCED[reminder.kind].channel_field)
        and today - reminder.due_date <= STALE_AFTER
    )


def teams_announced_card(*, reminder: ReminderLog) -> dict:
    """What happened and the lines its app gave. Never what a person wrote (see teams_announce)."""
    announced = ANNOUNCED[reminder.kind]
    lines = "\n".join(f"- {line}" for line in reminder.text.splitlines() if line)  # a TextBlock list
    text = "\n\n".join(part for part in (f"{announced.lead}\n{lines}".strip(), announced.then) if part)
    return migration_card(reminder.migration, title=announced.headline, text=text)
