"""Which Teams messages are due, and what they say.

A Teams message follows the reminder of the same kind: when the rules (rules.py) and the timing
(timing.py) say the email is due today, the channels of the migration's practice, ICB and
delivery partner that chose that event get one message each. The channel's row in ReminderLog
(migration, kind, channel, day) is the idempotency key, as an email's is, so the sweep and the
sender treat both alike: claimed once, retried with backoff, shown as failed on the migration page.
Only active migrations are swept (rules.batch_load), so a closed migration sends nothing, and a
pending message of one closed since is cancelled by the sender's last check.
"""

import datetime
from dataclasses import dataclass, replace

from django.db.models import Q

from cutover import timeline
from cutover.formatting import weekday_day_text
from cutover.models import Migration

from .kinds import FDP_DAY_TEAM, GO_LIVE_DAY, PLANNING_MEETING_OVERDUE, THIRD_PARTY_WINDOW, Due
from .models import ReminderLog, TeamsChannel
from .recipients import Recipient
from .rules import Batch, batch_load, schedule
from .teams import migration_card
from .timing import due_now

# The reminder kind each channel event follows (TeamsChannel's event flags).
EVENT_OF_KIND = {
    PLANNING_MEETING_OVERDUE: "escalations",
    THIRD_PARTY_WINDOW: "switch_off",
    FDP_DAY_TEAM: "fdp_day",
    GO_LIVE_DAY: "go_live",
}
# The timing rules keep only reminders that have someone to go to; a channel is that someone.
CHANNEL = Recipient(email="", name="Teams channel")


@dataclass(frozen=True)
class TeamsPlanned:
    due: Due
    channel: TeamsChannel

    @property
    def key(self) -> tuple:
        return (self.due.migration.pk, self.due.kind, self.channel.pk, self.due.due_date)


def channels_of(migrations: list[Migration]) -> dict[int, list[TeamsChannel]]:
    """{migration pk: the channels of its practice, ICB and delivery partner}, in one query; a
    migration with no channel at all is left out."""
    practice_ids = {m.practice_id for m in migrations}
    organisation_ids = {m.practice.icb_id for m in migrations} | {
        m.practice.delivery_partner_id for m in migrations if m.practice.delivery_partner_id
    }
    channels = TeamsChannel.objects.exclude(webhook_url_encrypted="")
    if len(practice_ids) + len(organisation_ids) <= CHANNEL_IN_LIST_LIMIT:
        channels = channels.filter(Q(practice_id__in=practice_ids) | Q(organisation_id__in=organisation_ids))
    # else every channel: few practices and organisations have one, fewer than the ids a big sweep would list.
    by_owner: dict[tuple[str, int], list[TeamsChannel]] = {}
    # The log names each row after the channel's owner: loaded here, not once per row.
    for channel in channels.select_related("practice", "organisation"):
        owner = ("p", channel.practice_id) if channel.practice_id else ("o", channel.organisation_id)
        by_owner.setdefault(owner, []).append(channel)
    if not by_owner:
        return {}
    found: dict[int, list[TeamsChannel]] = {}
    for migration in migrations:
        owners = [("p", migration.practice_id), ("o", migration.practice.icb_id)]
        if migration.practice.delivery_partner_id:
            owners.append(("o", migration.practice.delivery_partner_id))
        of_migration = [channel for owner in owners for channel in by_owner.get(owner, [])]
        if of_migration:
            found[migration.pk] = of_migration
    return found


# Beyond this many owners, the query reads every channel rather than an IN list of the owners' ids.
CHANNEL_IN_LIST_LIMIT = 1_000


def teams_planned(
    batch: Batch, scheduled: list[Due] | None = None, *, channels: dict[int, list[TeamsChannel]] | None = None
) -> list[TeamsPlanned]:
    """Every Teams message due now for the batch's migrations (``scheduled`` and ``channels``: the
    rules' answer and the channels for the batch, when the caller has them already)."""
    if not batch.migrations:
        return []
    channels = channels_of(batch.migrations) if channels is None else channels
    if not channels:
        return []  # no practice in the batch posts to Teams: nothing to look at
    dues = [
        replace(due, recipients=(CHANNEL,))
        for due in (schedule(batch) if scheduled is None else scheduled)
        # Copied with the channel as recipient only for migrations that have a channel (few do).
        if due.kind in EVENT_OF_KIND and due.migration is not None and channels.get(due.migration.pk)
    ]
    planned: dict[tuple, TeamsPlanned] = {}
    for due in due_now(dues, batch.today):
        for channel in channels[due.migration.pk]:
            if getattr(channel, EVENT_OF_KIND[due.kind]):
                item = TeamsPlanned(due, channel)
                planned.setdefault(item.key, item)
    return list(planned.values())


def teams_log(planned: list[TeamsPlanned]) -> None:
    """One row per message, ignoring rows that exist (the idempotency key), as emails are logged."""
    rows = [
        ReminderLog(
            migration=item.due.migration,
            channel=item.channel,
            kind=item.due.kind,
            recipient_email="",
            recipient_name=f"Teams channel of {item.channel.owner_name}"[:200],
            due_date=item.due.due_date,
        )
        for item in planned
    ]
    # Audit: the reminder log is the system's own send record (audit/coverage.py).
    ReminderLog.objects.bulk_create(rows, ignore_conflicts=True)
    if not planned:
        return
    keys = {item.key for item in planned}
    cancelled = ReminderLog.objects.filter(
        status=ReminderLog.Status.CANCELLED,
        channel__in={item.channel.pk for item in planned},
        due_date__in={item.due.due_date for item in planned},
    )
    revive = [row.pk for row in cancelled if (row.migration_id, row.kind, row.channel_id, row.due_date) in keys]
    if revive:
        # Audit: as above; a message cancelled because its date moved away is due again.
        ReminderLog.objects.filter(pk__in=revive, status=ReminderLog.Status.CANCELLED).update(
            status=ReminderLog.Status.PENDING, attempts=0, next_attempt_at=None, enqueued_at=None, note=""
        )


def teams_still_due(reminder: ReminderLog, today: datetime.date) -> Due | None:
    """The message as the rules see it now, or None if the migration closed, the dates moved, the
    channel stopped taking this event, or the day passed."""
    batch = batch_load(today, [reminder.migration_id], details=True)
    wanted = (reminder.migration_id, reminder.kind, reminder.channel_id, reminder.due_date)
    for item in teams_planned(batch):
        if item.key == wanted:
            return item.due
    return None


def _words(due: Due, today: datetime.date) -> tuple[str, str]:
    """What happened and what to do, in plain words."""
    migration = due.migration
    if due.kind == PLANNING_MEETING_OVERDUE:
        return (
            f"No planning meeting recorded: the deadline was {weekday_day_text(due.about)}",
            "The practice has not recorded its cutover planning meeting. Contact the practice manager and help "
            f"them hold it now: FDP is {weekday_day_text(migration.fdp_date)}.",
        )
    if due.kind == THIRD_PARTY_WINDOW:
        first, last = timeline.switch_off_window(migration.fdp_date)
        return (
            f"Switch-off window open: {weekday_day_text(first)} to {weekday_day_text(last)}",
            "Linked systems must stop sending to the current clinical system now. Switch each one off and record "
            "it on the systems page.",
        )
    if due.kind == FDP_DAY_TEAM:
        return (
            f"FDP day: {migration.current_system} final data extract today",
            "Log off at the agreed time. From now until go-live, record everything done for patients so it can "
            "be re-entered.",
        )
    return (
        f"Go-live today on {migration.new_system}",
        "Switch linked systems back on and check them, re-register new patients and start re-entering what was "
        "recorded during cutover.",
    )


def teams_card(*, due: Due, today: datetime.date) -> dict:
    """The Adaptive Card for one message: the practice, what happened, what to do and a link."""
    title, text = _words(due, today)
    return migration_card(due.migration, title=title, text=text, page=due.spec.page)
