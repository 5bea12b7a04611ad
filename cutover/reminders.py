"""Reminder rules, and the sweep and sender that turn them into emails sent once and on time.

How a reminder travels
----------------------
1. The one beat entry (``reminders-sweep`` in settings) runs ``jobs.sweep_reminders`` every few minutes.
2. ``reminders_sweep()`` works out from the database what is due now: every rule in ``RULES`` lists
   the reminders of the active migrations, and the timing rules below keep those due today. It
   inserts one ``ReminderLog`` row per (migration, kind, recipient, due date), ignoring rows that
   already exist. That insert is the idempotency key: a second sweep, or a second beat, adds nothing.
3. After commit it enqueues one send job per ready row, passing the row's id and nothing else.
4. ``reminder_send()`` claims the row with a conditional UPDATE (pending to sending); only the
   worker whose UPDATE changed the row goes on. It checks the reminder is still due for the
   migration's current dates and people, sends the email, and marks the row sent.

Nothing is queued with a long countdown: a failed send goes back to pending with
``next_attempt_at`` (5, 10, 20, 40 minutes, doubling) and a later sweep enqueues it again; after
``REMINDER_MAX_ATTEMPTS`` tries it is shown as failed. A sweep also enqueues again any pending row
whose job never ran (the broker was down, or lost the message), and reclaims a row left "sending"
for longer than ``REMINDER_CLAIM_TIMEOUT_MINUTES`` by a worker that died.

When a reminder is due (all in Europe/London)
---------------------------------------------
- Nothing goes before ``REMINDER_SEND_TIME`` (07:30) on any day. From then on, the day's reminders go.
- ``ON_DAY`` kinds (FDP day, go-live day, the planning meeting deadline, the day legacy support
  ends) go on their own day, working day or not, and only on that day: a missed one is skipped,
  because its moment has passed.
- ``AHEAD`` kinds (lead times: "6 weeks before FDP") go on working days only. A lead time that lands
  on a weekend or bank holiday is sent on the working day before it, so the warning comes early
  rather than late. Catch-up: if a run was missed, a lead-time reminder is sent late on the next
  working day provided the date it warns about is still after today; otherwise it is skipped.
  Only the latest reminder of a series is caught up (after a week down, the 5-week reminder goes,
  not the 6-week one as well).
- ``OVERDUE`` kinds (the escalation after a missed planning meeting deadline) go on the first
  working day on or after their day, and are caught up late until their ``until`` date (FDP eve):
  an overdue problem is still worth raising.

Rescheduling: the due date is part of the row's key, so when FDP or go-live moves, the new dates
make new rows; rows already sent stay in the log; a pending row for the old date is cancelled by
the sender, which checks right before sending that the reminder is still due.

Exactly once, honestly: the claim makes sure at most one worker sends a row at a time, and a sent
row is never sent again. One window is left: if a worker hands the email to the mail server and
dies before it marks the row sent, the row stays "sending", a later sweep reclaims it after the
timeout and the email goes a second time. That window is the few milliseconds between the mail
server accepting the message and one UPDATE; closing it would need the mail server to take part
in our transaction. A worker that dies before sending (the usual case) costs a delay, not an email.

Adding a rule: write a function that takes a ``Batch`` and yields ``Due`` items, decorate it with
``@rule`` (or ``@per_migration`` for one migration at a time), register its kinds with ``kind()``,
and add its three templates in ``templates/cutover/emails/``. A rule that needs more data (tasks,
outside contacts) runs one set-based query over ``batch.migrations`` so the sweep's query count
does not grow with the number of migrations.
"""

import datetime
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from email.utils import formataddr
from enum import StrEnum
from functools import partial

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, IntegerField, Q, Value
from django.template.loader import render_to_string
from django.utils import timezone

from practices.models import OrganisationMembership, PracticeMembership

from . import timeline
from .models import Migration, ReminderLog, ReminderOptOut
from .workdays import add_working_days, is_working_day

logger = logging.getLogger(__name__)

Role = PracticeMembership.Role


class Timing(StrEnum):
    AHEAD = "ahead"  # a lead time before a date
    ON_DAY = "on the day"  # on the date itself
    OVERDUE = "overdue"  # after a deadline was missed


@dataclass(frozen=True)
class KindSpec:
    kind: str
    label: str  # how the migration page names it
    timing: Timing
    # Optional emails (digests) only. Deadline reminders are the safety net: no way out of them.
    unsubscribable: bool = False

    def link(self, reminder: ReminderLog) -> str:
        """The page the email points to, as an absolute address."""
        path = reminder.migration.get_absolute_url() if reminder.migration_id else "/"
        return f"{settings.SITE_URL}{path}"


KINDS: dict[str, KindSpec] = {}


def kind(name: str, label: str, timing: Timing, **options) -> str:
    KINDS[name] = KindSpec(name, label, timing, **options)
    return name


PLANNING_MEETING_AHEAD = kind("planning_meeting_ahead", "Book the planning meeting", Timing.AHEAD)
PLANNING_MEETING_DEADLINE = kind("planning_meeting_deadline", "Planning meeting deadline today", Timing.ON_DAY)
PLANNING_MEETING_OVERDUE = kind("planning_meeting_overdue", "No planning meeting recorded", Timing.OVERDUE)
FDP_DAY_TEAM = kind("fdp_day_team", "FDP day: log off and record everything", Timing.ON_DAY)
FDP_DAY_MANAGER = kind("fdp_day_manager", "FDP day: preparation must be finished", Timing.ON_DAY)
GO_LIVE_DAY = kind("go_live_day", "Go-live day: switch back on and start re-entry", Timing.ON_DAY)
LEGACY_SUPPORT_ENDING = kind("legacy_support_ending", "Legacy support ends soon", Timing.AHEAD)
LEGACY_SUPPORT_ENDS = kind("legacy_support_ends", "Legacy support ends today", Timing.ON_DAY)


@dataclass(frozen=True)
class Recipient:
    """Someone a reminder goes to. Users today; outside contacts (supplier staff) have no user."""

    email: str
    name: str = ""
    user_id: int | None = None
    role: str = ""  # a PracticeMembership role, "icb" or "delivery_partner": chooses the wording
    outside: bool = False  # not one of our users: digests carry an unsubscribe link for them


def normalise_email(address: str) -> str:
    return address.strip().lower()


@dataclass(frozen=True)
class Due:
    """One reminder a rule wants sent on ``due_date`` to ``recipients``."""

    kind: str
    due_date: datetime.date  # the day it goes (after shifting off non-working days)
    about: datetime.date  # the date it is about: FDP, a deadline, the end of legacy support
    recipients: tuple[Recipient, ...]
    migration: Migration | None = None
    until: datetime.date | None = None  # OVERDUE kinds: the last day it may still go late

    @property
    def spec(self) -> KindSpec:
        return KINDS[self.kind]

    @property
    def series(self) -> tuple:
        return (self.migration.pk if self.migration else None, self.kind)


@dataclass
class People:
    """Everyone who may receive a reminder, loaded once per sweep (one query, whatever the size)."""

    by_practice: dict[int, dict[str, list[Recipient]]] = field(default_factory=dict)
    by_organisation: dict[int, list[Recipient]] = field(default_factory=dict)

    def of_practice(self, practice_id: int, *roles: str) -> tuple[Recipient, ...]:
        members = self.by_practice.get(practice_id, {})
        return tuple(person for role in roles for person in members.get(role, []))

    def of_organisations(self, *organisation_ids: int | None) -> tuple[Recipient, ...]:
        return tuple(person for org_id in organisation_ids if org_id for person in self.by_organisation.get(org_id, []))


def people_load(migrations) -> People:
    """The practice members and ICB/delivery partner members of these migrations' practices.

    One query (a UNION of the two membership tables), whatever the number of migrations.
    """
    no_id = Value(None, output_field=IntegerField())
    person = ("user_id", "user__email", "user__first_name", "user__last_name")
    in_practices = (
        PracticeMembership.objects.filter(practice_id__in=migrations.values("practice_id"), user__is_active=True)
        .order_by()
        .values_list("practice_id", no_id, "role", *person)
    )
    in_organisations = (
        OrganisationMembership.objects.filter(
            Q(organisation_id__in=migrations.values("practice__icb_id"))
            | Q(organisation_id__in=migrations.values("practice__delivery_partner_id")),
            user__is_active=True,
        )
        .order_by()
        .values_list(no_id, "organisation_id", "organisation__kind", *person)
    )
    people = People()
    rows = sorted(in_practices.union(in_organisations, all=True), key=lambda row: row[4])
    for practice_id, organisation_id, role, user_id, email, first_name, last_name in rows:
        recipient = Recipient(
            email=normalise_email(email), name=f"{first_name} {last_name}".strip(), user_id=user_id, role=role
        )
        if practice_id is not None:
            people.by_practice.setdefault(practice_id, {}).setdefault(role, []).append(recipient)
        else:
            people.by_organisation.setdefault(organisation_id, []).append(recipient)
    return people


@dataclass
class Batch:
    """What one sweep looks at: the day, the active migrations and their people."""

    today: datetime.date
    migrations: list[Migration]
    people: People


RuleFunction = Callable[[Batch], Iterable[Due]]
RULES: list[RuleFunction] = []


def rule(function: RuleFunction) -> RuleFunction:
    RULES.append(function)
    return function


def per_migration(function: Callable[[Migration, People], Iterable[Due]]) -> RuleFunction:
    """Register a rule that looks at one migration at a time."""

    def over_batch(batch: Batch) -> Iterator[Due]:
        for migration in batch.migrations:
            yield from function(migration, batch.people)

    over_batch.__name__ = function.__name__
    over_batch.__doc__ = function.__doc__
    return rule(over_batch)


def ahead_of(day: datetime.date, days: int) -> datetime.date:
    """The working day a lead time of ``days`` before ``day`` is sent: on it, or the working day before."""
    return add_working_days(day - datetime.timedelta(days=days), 0)


def working_day_on_or_after(day: datetime.date) -> datetime.date:
    while not is_working_day(day):
        day += datetime.timedelta(days=1)
    return day


# --- The rules --------------------------------------------------------------------------------


@per_migration
def planning_meeting(migration: Migration, people: People) -> Iterator[Due]:
    """Until a planning meeting is recorded: book it (6 and 5 weeks before FDP), the deadline
    itself (FDP minus 28 days), then escalation to the ICB and delivery partner the day after."""
    if migration.planning_meeting_date is not None:
        return
    deadline = timeline.planning_meeting_due(migration.fdp_date)
    managers = people.of_practice(migration.practice_id, Role.PRACTICE_MANAGER)
    for days in settings.REMINDER_LEAD_DAYS[PLANNING_MEETING_AHEAD]:
        yield Due(PLANNING_MEETING_AHEAD, ahead_of(migration.fdp_date, days), deadline, managers, migration)
    yield Due(PLANNING_MEETING_DEADLINE, deadline, deadline, managers, migration)
    overseers = people.of_organisations(migration.practice.icb_id, migration.practice.delivery_partner_id)
    escalate_on = working_day_on_or_after(deadline + datetime.timedelta(days=settings.REMINDER_ESCALATION_DAYS_AFTER))
    yield Due(
        PLANNING_MEETING_OVERDUE,
        escalate_on,
        deadline,
        managers + overseers,
        migration,
        until=migration.fdp_date - datetime.timedelta(days=1),
    )


@per_migration
def fdp_day(migration: Migration, people: People) -> Iterator[Due]:
    """On FDP day the team logs off as agreed and starts recording for re-entry; the manager is
    told preparation must now be finished."""
    fdp = migration.fdp_date
    team = people.of_practice(migration.practice_id, Role.PRACTICE_STAFF, Role.IT_LEAD)
    yield Due(FDP_DAY_TEAM, fdp, fdp, team, migration)
    yield Due(FDP_DAY_MANAGER, fdp, fdp, people.of_practice(migration.practice_id, Role.PRACTICE_MANAGER), migration)


@per_migration
def go_live_day(migration: Migration, people: People) -> Iterator[Due]:
    """On go-live day everyone at the practice: links back on, re-register, start re-entry."""
    go_live = migration.go_live_date
    everyone = people.of_practice(migration.practice_id, Role.PRACTICE_MANAGER, Role.PRACTICE_STAFF, Role.IT_LEAD)
    yield Due(GO_LIVE_DAY, go_live, go_live, everyone, migration)


@per_migration
def legacy_support(migration: Migration, people: People) -> Iterator[Due]:
    """Before and on the day legacy support ends, to the manager and IT lead."""
    end = migration.legacy_support_end
    recipients = people.of_practice(migration.practice_id, Role.PRACTICE_MANAGER, Role.IT_LEAD)
    for days in settings.REMINDER_LEAD_DAYS[LEGACY_SUPPORT_ENDING]:
        yield Due(LEGACY_SUPPORT_ENDING, ahead_of(end, days), end, recipients, migration)
    yield Due(LEGACY_SUPPORT_ENDS, end, end, recipients, migration)


# --- Timing ----------------------------------------------------------------------------------


def schedule(batch: Batch) -> list[Due]:
    """Every reminder the rules know of for this batch, due or not."""
    return [due for rule_function in RULES for due in rule_function(batch)]


def due_now(dues: Iterable[Due], today: datetime.date) -> list[Due]:
    """Keep the reminders that should go today (see the module docstring for the rules)."""
    dues = [due for due in dues if due.due_date <= today and due.recipients]
    latest: dict[tuple, datetime.date] = {}
    for due in dues:
        latest[due.series] = max(latest.get(due.series, due.due_date), due.due_date)
    working_day = is_working_day(today)
    kept = []
    for due in dues:
        timing = due.spec.timing
        if timing is Timing.ON_DAY:
            keep = due.due_date == today
        elif not working_day or due.due_date != latest[due.series]:
            keep = False
        elif timing is Timing.AHEAD:
            keep = due.about > today
        else:
            keep = due.until is None or today <= due.until
        if keep:
            kept.append(due)
    return kept


def send_time_reached(now: datetime.datetime) -> bool:
    return timezone.localtime(now).time() >= settings.REMINDER_SEND_TIME


# --- The sweep -------------------------------------------------------------------------------


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
    ready_ids: list[int] = field(default_factory=list)  # pending rows handed to the sender
    reclaimed: int = 0


def _batch(today: datetime.date, migration_ids: Iterable[int] | None) -> Batch:
    migrations = Migration.objects.active().select_related("practice")
    if migration_ids is not None:
        migrations = migrations.filter(pk__in=list(migration_ids))
    return Batch(today=today, migrations=list(migrations), people=people_load(migrations))


def _planned(batch: Batch) -> list[Planned]:
    planned = {}
    dues = due_now(schedule(batch), batch.today)
    optional = [due for due in dues if due.spec.unsubscribable]
    opted_out = set()
    if optional:
        addresses = {person.email for due in optional for person in due.recipients}
        opted_out = set(ReminderOptOut.objects.filter(email__in=addresses).values_list("email", flat=True))
    for due in dues:
        for person in due.recipients:
            if due.spec.unsubscribable and person.email in opted_out:
                continue
            item = Planned(due, person)
            planned.setdefault(item.key, item)
    return list(planned.values())


def _existing_keys(planned: list[Planned], **filters) -> dict[tuple, ReminderLog]:
    """Rows already logged for these keys: one query, by the few due dates and kinds involved."""
    if not planned:
        return {}
    keys = {item.key for item in planned}
    rows = ReminderLog.objects.filter(
        due_date__in={item.due.due_date for item in planned}, kind__in={item.due.kind for item in planned}, **filters
    ).only("pk", "migration_id", "kind", "recipient_email", "due_date", "status")
    found = {}
    for row in rows:
        key = (row.migration_id, row.kind, row.recipient_email, row.due_date)
        if key in keys:
            found[key] = row
    return found


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
    if day is None:
        day = timezone.localdate(now)
        if not send_time_reached(now):
            return SweepResult(today=day, before_send_time=True)
    result = SweepResult(today=day)
    batch = _batch(day, migration_ids)
    result.planned = _planned(batch)
    if dry_run:
        existing = _existing_keys(result.planned)
        result.new = [item for item in result.planned if item.key not in existing]
        return result
    with transaction.atomic():
        _log(result.planned)
        if migration_ids is None:  # housekeeping belongs to the full sweep, not to a web request
            result.reclaimed = _reclaim_stuck(now)
        # Sending in this process (the command) takes every pending row, enqueued or not: the claim
        # keeps it from racing a worker that has the same row.
        result.ready_ids = _ready_ids(now, migration_ids, include_enqueued=not enqueue)
        if enqueue and result.ready_ids:
            ReminderLog.objects.filter(pk__in=result.ready_ids).update(enqueued_at=now)
            from .jobs import enqueue_sends  # jobs imports this module

            transaction.on_commit(partial(enqueue_sends, list(result.ready_ids)))
    if result.planned or result.ready_ids:
        logger.info(
            "Reminder sweep for %s: %d due, %d handed to the sender", day, len(result.planned), len(result.ready_ids)
        )
    return result


def _log(planned: list[Planned]) -> None:
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
    ]
    # The unique constraints make this the idempotency key: existing rows are left as they are.
    ReminderLog.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    # A row cancelled because its date moved away is due again if the date moved back.
    revive = [row.pk for row in _existing_keys(planned, status=ReminderLog.Status.CANCELLED).values()]
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


# --- Sending ---------------------------------------------------------------------------------


class Outcome(StrEnum):
    SENT = "sent"
    NOT_CLAIMED = "not claimed"  # another worker has it, or it is done
    CANCELLED = "cancelled"
    RETRY = "retry"
    FAILED = "failed"


def reminder_claim(*, reminder_id: int, now: datetime.datetime) -> bool:
    """Take the row for this worker: true for exactly one caller, however many race for it."""
    return bool(
        ReminderLog.objects.filter(
            Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
            pk=reminder_id,
            status=ReminderLog.Status.PENDING,
            attempts__lt=settings.REMINDER_MAX_ATTEMPTS,
        ).update(status=ReminderLog.Status.SENDING, attempts=F("attempts") + 1, claimed_at=now)
    )


def still_due(reminder: ReminderLog, today: datetime.date) -> tuple[Due, Recipient] | None:
    """The reminder as the rules see it now, or None if the dates, the people or the day moved on."""
    batch = _batch(today, [reminder.migration_id] if reminder.migration_id else [])
    for due in due_now(schedule(batch), today):
        if due.kind == reminder.kind and due.due_date == reminder.due_date:
            for person in due.recipients:
                if person.email == reminder.recipient_email:
                    return due, person
    return None


def _finish(reminder_id: int, status: str, **fields) -> None:
    ReminderLog.objects.filter(pk=reminder_id, status=ReminderLog.Status.SENDING).update(status=status, **fields)


def reminder_send(
    *, reminder_id: int, today: datetime.date | None = None, now: datetime.datetime | None = None
) -> Outcome:
    """Claim one row, check it is still due, send it, mark it. Safe to call any number of times."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    if not reminder_claim(reminder_id=reminder_id, now=now):
        return Outcome.NOT_CLAIMED
    reminder = ReminderLog.objects.select_related("migration__practice").get(pk=reminder_id)
    current = still_due(reminder, today)
    if current is None:
        _finish(reminder_id, ReminderLog.Status.CANCELLED, note="No longer due: the dates or people changed.")
        logger.info("Reminder %s cancelled: no longer due", reminder_id)
        return Outcome.CANCELLED
    due, recipient = current
    try:
        reminder_email(reminder=reminder, due=due, recipient=recipient, today=today).send()
    except Exception as exc:  # any failure of rendering or of the mail server: try again later
        error = exc.__class__.__name__
        if reminder.attempts >= settings.REMINDER_MAX_ATTEMPTS:
            _finish(reminder_id, ReminderLog.Status.FAILED, note=f"Failed {reminder.attempts} times ({error}).")
            logger.error("Reminder %s failed for the last time (%s)", reminder_id, error)
            return Outcome.FAILED
        wait = settings.REMINDER_RETRY_MINUTES * 2 ** (reminder.attempts - 1)
        _finish(
            reminder_id,
            ReminderLog.Status.PENDING,
            next_attempt_at=now + datetime.timedelta(minutes=wait),
            enqueued_at=None,
            note=f"Attempt {reminder.attempts} failed ({error}); trying again.",
        )
        logger.warning("Reminder %s failed (%s); retrying in %d minutes", reminder_id, error, wait)
        return Outcome.RETRY
    _finish(reminder_id, ReminderLog.Status.SENT, sent_at=timezone.now(), note="")
    logger.info("Reminder %s sent", reminder_id)
    return Outcome.SENT


def reminder_email(
    *, reminder: ReminderLog, due: Due, recipient: Recipient, today: datetime.date
) -> EmailMultiAlternatives:
    """The email for one row, from its three templates. Only dates, names and a link: no patient data."""
    spec = due.spec
    migration = reminder.migration
    context = {
        "reminder": reminder,
        "migration": migration,
        "practice": migration.practice if migration else None,
        "recipient": recipient,
        "about": due.about,
        "days_left": (due.about - today).days,  # from the day it goes, which may be a late catch-up
        "link": spec.link(reminder),
        "site_url": settings.SITE_URL,
        "unsubscribe_url": None,  # set for outside contacts on unsubscribable kinds, once digests exist
    }
    base = f"cutover/emails/{reminder.kind}"
    subject = " ".join(render_to_string(f"{base}_subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"{base}.txt", context),
        to=[formataddr((recipient.name, recipient.email)) if recipient.name else recipient.email],
        headers={"Auto-Submitted": "auto-generated", "X-Cutover-Reminder": str(reminder.pk)},
    )
    message.attach_alternative(render_to_string(f"{base}.html", context), "text/html")
    return message


# --- The migration page ----------------------------------------------------------------------


@dataclass
class PanelLine:
    date: datetime.date
    kind: str
    status: str
    recipients: list[str] = field(default_factory=list)
    note: str = ""

    @property
    def label(self) -> str:
        spec = KINDS.get(self.kind)
        return spec.label if spec else self.kind.replace("_", " ").capitalize()


def _group(items: Iterable[tuple[datetime.date, str, str, str, str]]) -> list[PanelLine]:
    lines: dict[tuple, PanelLine] = {}
    for date, kind_name, status, who, note in items:
        line = lines.setdefault((date, kind_name, status), PanelLine(date, kind_name, status, note=note))
        if who not in line.recipients:
            line.recipients.append(who)
    return list(lines.values())


def reminders_panel(migration: Migration, *, today: datetime.date) -> dict:
    """The "Reminders" section of the migration page: sent, coming up, failed. Two queries."""
    rows = list(migration.reminders.exclude(status=ReminderLog.Status.CANCELLED).order_by("due_date", "kind"))
    logged = {(row.kind, row.recipient_email, row.due_date) for row in rows}
    by_status = defaultdict(list)
    for row in rows:
        by_status[row.status].append(
            (row.due_date, row.kind, row.status, row.recipient_name or row.recipient_email, row.note)
        )
    upcoming = []
    if migration.status == Migration.Status.ACTIVE:
        migrations = Migration.objects.filter(pk=migration.pk)
        batch = Batch(today=today, migrations=[migration], people=people_load(migrations))
        for due in sorted(schedule(batch), key=lambda due: (due.due_date, due.kind)):
            if due.due_date < today:
                continue
            for person in due.recipients:
                if (due.kind, person.email, due.due_date) not in logged:
                    upcoming.append((due.due_date, due.kind, "upcoming", person.name or person.email, ""))
    waiting = by_status[ReminderLog.Status.PENDING] + by_status[ReminderLog.Status.SENDING]
    return {
        "reminders": {
            "upcoming": _group(upcoming),
            "waiting": _group(waiting),
            "sent": list(reversed(_group(by_status[ReminderLog.Status.SENT]))),
            "failed": _group(by_status[ReminderLog.Status.FAILED]),
            "send_time": settings.REMINDER_SEND_TIME,
        }
    }
