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
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import BigIntegerField, CharField, Count, Exists, F, OuterRef, Q, Value
from django.db.models.functions import Cast, Coalesce
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from practices.models import (
    OrganisationMembership,
    PracticeMembership,
    Stakeholder,
    StakeholderRole,
    ThirdPartyState,
    ThirdPartySystem,
)
from reentry.models import Entry
from reentry.services import reentry_counts
from tasks.models import Phase, Task

from . import timeline
from .models import Migration, ReminderLog, ReminderOptOut
from .workdays import add_working_days, is_working_day

logger = logging.getLogger(__name__)

Role = PracticeMembership.Role


class Timing(StrEnum):
    AHEAD = "ahead"  # a lead time before a date
    ON_DAY = "on the day"  # on the date itself
    # After a deadline was missed, or a short window that is still worth telling late: goes on the
    # first working day on or after its day and is caught up until its ``until`` date.
    OVERDUE = "overdue"


@dataclass(frozen=True)
class KindSpec:
    kind: str
    label: str  # how the migration page names it
    timing: Timing
    # Optional emails (digests) only. Deadline reminders are the safety net: no way out of them.
    unsubscribable: bool = False
    page: str = "migration-detail"  # the URL name the email links to, with the migration's pk

    def link(self, reminder: ReminderLog) -> str:
        """The page the email points to, as an absolute address."""
        args = [reminder.migration_id] if reminder.migration_id else []
        return f"{settings.SITE_URL}{reverse(self.page, args=args)}"


KINDS: dict[str, KindSpec] = {}


def kind(name: str, label: str, timing: Timing, **options) -> str:
    KINDS[name] = KindSpec(name, label, timing, **options)
    return name


PLANNING_MEETING_AHEAD = kind("planning_meeting_ahead", "Book the planning meeting", Timing.AHEAD)
PLANNING_MEETING_DEADLINE = kind("planning_meeting_deadline", "Planning meeting deadline today", Timing.ON_DAY)
PLANNING_MEETING_OVERDUE = kind("planning_meeting_overdue", "No planning meeting recorded", Timing.OVERDUE)
THIRD_PARTY_AHEAD = kind(
    "third_party_switch_off_ahead", "Third parties: switch-off is a week away", Timing.AHEAD, page="systems"
)
THIRD_PARTY_WINDOW = kind(
    "third_party_switch_off_window", "Third parties: switch links off now", Timing.OVERDUE, page="systems"
)
FDP_DAY_TEAM = kind("fdp_day_team", "FDP day: log off and record everything", Timing.ON_DAY)
FDP_DAY_MANAGER = kind("fdp_day_manager", "FDP day: preparation must be finished", Timing.ON_DAY, page="plan")
GO_LIVE_DAY = kind("go_live_day", "Go-live day: switch back on and start re-entry", Timing.ON_DAY)
REENTRY_BACKLOG = kind("reentry_backlog", "Weekly re-entry backlog", Timing.OVERDUE, page="reentry-worklist")
LEGACY_SUPPORT_ENDING = kind("legacy_support_ending", "Legacy support ends soon", Timing.AHEAD)
LEGACY_SUPPORT_ENDS = kind("legacy_support_ends", "Legacy support ends today", Timing.ON_DAY)
TASK_DIGEST = kind("task_digest", "Daily task summary", Timing.ON_DAY, unsubscribable=True, page="migration-list")


@dataclass(frozen=True)
class Recipient:
    """Someone a reminder goes to: a user, or an outside contact (supplier staff) with no user."""

    email: str
    name: str = ""
    user_id: int | None = None
    role: str = ""  # a PracticeMembership or stakeholder role, or an organisation kind: chooses the wording
    outside: bool = False  # not one of our users: no links into the app, and digests carry an unsubscribe link
    invited: bool = False  # a practice manager invited to join: the email says how to get in first
    organisation: str = ""  # outside contacts: whom they work for, for the page and the wording

    @property
    def label(self) -> str:
        """How the page and other emails name them: "Jo Bloggs (Leeds ICB)"."""
        who = self.name or self.email
        return f"{who} ({self.organisation})" if self.organisation else who


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
    # What the email lists (tasks, systems, who else was told). Only the sender needs it, so the
    # sweep leaves it empty where it would cost a query.
    details: tuple = field(default=(), compare=False)

    @property
    def spec(self) -> KindSpec:
        return KINDS[self.kind]

    @property
    def series(self) -> tuple:
        return (self.migration.pk if self.migration else None, self.kind)


@dataclass(frozen=True)
class LinkedSystem:
    """A third-party system whose links are not yet confirmed off for a migration (nor marked N/A)."""

    pk: int
    name: str
    contact: Recipient | None  # None: no contact email recorded, so only the manager hears of it

    def __str__(self):
        return self.name


@dataclass
class People:
    """Everyone a reminder about these migrations may go to, and the two facts that decide whether
    some go at all: third-party systems still on, entries still to re-enter.

    Loaded once per sweep by ``people_load`` in one query, whatever the number of migrations.
    """

    by_practice: dict[int, dict[str, list[Recipient]]] = field(default_factory=dict)
    by_organisation: dict[int, list[Recipient]] = field(default_factory=dict)
    by_migration: dict[int, dict[str, list[Recipient]]] = field(default_factory=dict)  # named stakeholders
    systems: dict[int, list[LinkedSystem]] = field(default_factory=dict)  # by practice
    backlog: dict[int, int] = field(default_factory=dict)  # by migration: entries still to re-enter

    def of_practice(self, practice_id: int, *roles: str) -> tuple[Recipient, ...]:
        members = self.by_practice.get(practice_id, {})
        return tuple(person for role in roles for person in members.get(role, []))

    def of_organisations(self, *organisation_ids: int | None) -> tuple[Recipient, ...]:
        return tuple(person for org_id in organisation_ids if org_id for person in self.by_organisation.get(org_id, []))

    def stakeholders(self, migration_id: int, role: str) -> tuple[Recipient, ...]:
        return tuple(self.by_migration.get(migration_id, {}).get(role, []))

    def managers(self, migration: Migration) -> tuple[Recipient, ...]:
        """The practice's managers; before any has joined, the manager invited for this migration."""
        return self.of_practice(migration.practice_id, Role.PRACTICE_MANAGER) or self.stakeholders(
            migration.pk, StakeholderRole.PRACTICE_MANAGER
        )

    def overseers(self, migration: Migration) -> tuple[Recipient, ...]:
        """Who hears when the practice needs help: for the ICB and for the delivery partner, the
        people named as that stakeholder of the migration, or if nobody is named, everyone of
        that organisation (so an escalation never goes to nobody)."""
        practice = migration.practice
        found: list[Recipient] = []
        for role, organisation_id in (
            (StakeholderRole.ICB, practice.icb_id),
            (StakeholderRole.DELIVERY_PARTNER, practice.delivery_partner_id),
        ):
            found += self.stakeholders(migration.pk, role) or self.of_organisations(organisation_id)
        return _unique(found)


def _unique(people: Iterable[Recipient]) -> tuple[Recipient, ...]:
    """One entry per address, the first one kept: the same person may be reached two ways."""
    seen: dict[str, Recipient] = {}
    for person in people:
        seen.setdefault(person.email, person)
    return tuple(seen.values())


# How far before FDP the sweep looks for third-party systems: beyond the lead time in working days
# plus any weekends and bank holidays in between (Christmas and Easter add four).
THIRD_PARTY_LOOKAHEAD_DAYS = 31


def people_load(migrations, *, due_on: datetime.date | None = None) -> People:
    """Everyone a reminder about these migrations may go to, in one query (a UNION ALL):

    - practice members, and the members of the practices' ICBs and delivery partners;
    - the ICB and delivery partner stakeholders named on migrations without a planning meeting;
    - the third-party systems not yet confirmed off (nor marked N/A), with their supplier contacts;
    - how many entries each migration still has to re-enter.

    ``due_on`` (the sweep and the sender) leaves out what cannot be due that day; without it (the
    migration page) everything is loaded, for the reminders still to come.
    """
    # PostgreSQL types a UNION's columns pair by pair, left to right: two bare NULLs become text and
    # then clash with a count, so the empty number is cast.
    number = Cast(Value(None), output_field=BigIntegerField())
    text = Value("", output_field=CharField())

    def source(name: str) -> Value:
        return Value(name, output_field=CharField())

    person = ("user_id", "user__email", "user__first_name", "user__last_name")
    in_practices = (
        PracticeMembership.objects.filter(practice_id__in=migrations.values("practice_id"), user__is_active=True)
        .order_by()
        .values_list(source("member"), "practice_id", number, "role", *person, text, number)
    )
    in_organisations = (
        OrganisationMembership.objects.filter(
            Q(organisation_id__in=migrations.values("practice__icb_id"))
            | Q(organisation_id__in=migrations.values("practice__delivery_partner_id")),
            user__is_active=True,
        )
        .order_by()
        .values_list(source("organisation"), number, "organisation_id", "organisation__kind", *person, text, number)
    )
    escalating = migrations.filter(planning_meeting_date__isnull=True)
    switching, re_entering = migrations, migrations
    if due_on is not None:
        escalating = escalating.filter(fdp_date__gt=due_on)
        switching = migrations.filter(
            fdp_date__gt=due_on, fdp_date__lte=due_on + datetime.timedelta(days=THIRD_PARTY_LOOKAHEAD_DAYS)
        )
        re_entering = migrations.filter(go_live_date__lte=due_on)
    reachable = (Q(user__isnull=True) & ~Q(email="")) | Q(user__is_active=True)
    overseers = Q(migration__in=escalating, role__in=[StakeholderRole.ICB, StakeholderRole.DELIVERY_PARTNER])
    # A practice manager named by a wave import is a contact until they accept the invitation; until
    # then the manager's reminders go to them rather than to nobody.
    invited_managers = Q(migration__in=migrations, role=StakeholderRole.PRACTICE_MANAGER, user__isnull=True)
    stakeholders = (
        Stakeholder.objects.current()
        .filter(reachable, overseers | invited_managers)
        .order_by()
        .values_list(
            source("stakeholder"),
            number,
            "migration_id",
            "role",
            "user_id",
            Coalesce("user__email", "email"),
            Coalesce("user__first_name", "name"),
            Coalesce("user__last_name", text),
            Coalesce("organisation__name", "organisation_name"),
            number,
        )
    )
    settled = ThirdPartyState.objects.filter(
        Q(switched_off_at__isnull=False) | Q(not_applicable_at__isnull=False),
        system=OuterRef("pk"),
        migration__in=switching,
    )
    systems = (
        ThirdPartySystem.objects.filter(practice_id__in=switching.values("practice_id"))
        .exclude(Exists(settled))
        .order_by()
        .values_list(
            source("system"),
            "practice_id",
            "pk",
            "name",
            number,
            "contact_email",
            "contact_name",
            text,
            "supplier_name",
            number,
        )
    )
    backlog = (
        Entry.objects.filter(migration__in=re_entering)
        .to_re_enter()
        .order_by()
        .values("migration_id")
        .annotate(left=Count("pk"))
        .values_list(source("backlog"), number, "migration_id", text, number, text, text, text, text, "left")
    )
    people = People()
    rows = in_practices.union(in_organisations, stakeholders, systems, backlog, all=True)
    # Sorted by address, then name, so everyone is listed in the same order on every run.
    for row in sorted(rows, key=lambda row: (row[5] or "", row[6] or "", row[2] or 0)):
        _people_add(people, *row)
    for systems_of_practice in people.systems.values():
        systems_of_practice.sort(key=lambda system: (system.name.lower(), system.pk))
    return people


def _people_add(people: People, source, practice_id, ref_id, role, user_id, email, first, last, label, left) -> None:
    email = normalise_email(email or "")
    name = f"{first or ''} {last or ''}".strip()
    if source == "member":
        recipient = Recipient(email=email, name=name, user_id=user_id, role=role)
        people.by_practice.setdefault(practice_id, {}).setdefault(role, []).append(recipient)
    elif source == "organisation":
        recipient = Recipient(email=email, name=name, user_id=user_id, role=role)
        people.by_organisation.setdefault(ref_id, []).append(recipient)
    elif source == "stakeholder":
        if role == StakeholderRole.PRACTICE_MANAGER:
            recipient = Recipient(email=email, name=name, role=role, invited=True)
        else:
            recipient = Recipient(
                email=email, name=name, user_id=user_id, role=role, outside=user_id is None, organisation=label or ""
            )
        people.by_migration.setdefault(ref_id, {}).setdefault(role, []).append(recipient)
    elif source == "system":
        contact = None
        if email:
            contact = Recipient(
                email=email,
                name=name,
                role=StakeholderRole.THIRD_PARTY_SUPPLIER,
                outside=True,
                organisation=label or "",
            )
        people.systems.setdefault(practice_id, []).append(LinkedSystem(pk=ref_id, name=role, contact=contact))
    elif source == "backlog":
        people.backlog[ref_id] = left


@dataclass
class Batch:
    """What one sweep looks at: the day, the active migrations and their people.

    ``everyone``: a full sweep, so the kinds about no single migration (task digests) are worked
    out too; a sweep for some migrations (a migration just saved) leaves them to the full one.
    ``recipient``: the sender re-checking one such row, for that person only.
    ``details``: the sender, which needs what the email lists; the sweep and the page do not.
    """

    today: datetime.date
    migrations: list[Migration]
    people: People
    everyone: bool = False
    recipient: str | None = None
    details: bool = False


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
    itself (FDP minus 28 days), then escalation the day after to the ICB and delivery partner
    people of the migration (see ``People.overseers``) as well as the manager."""
    if migration.planning_meeting_date is not None:
        return
    deadline = timeline.planning_meeting_due(migration.fdp_date)
    managers = people.managers(migration)
    for days in settings.REMINDER_LEAD_DAYS[PLANNING_MEETING_AHEAD]:
        yield Due(PLANNING_MEETING_AHEAD, ahead_of(migration.fdp_date, days), deadline, managers, migration)
    yield Due(PLANNING_MEETING_DEADLINE, deadline, deadline, managers, migration)
    overseers = people.overseers(migration)
    escalate_on = working_day_on_or_after(deadline + datetime.timedelta(days=settings.REMINDER_ESCALATION_DAYS_AFTER))
    yield Due(
        PLANNING_MEETING_OVERDUE,
        escalate_on,
        deadline,
        _unique(managers + overseers),
        migration,
        until=migration.fdp_date - datetime.timedelta(days=1),
        # The manager's email says who else was told, so they know who is about to call.
        details=overseers,
    )


@per_migration
def third_party_switch_off(migration: Migration, people: People) -> Iterator[Due]:
    """Links from third-party systems must be off in the switch-off window (2 and 1 working days
    before FDP). A few working days before, and again on the window's first day, each system not
    yet confirmed off (nor marked N/A) is raised: with its supplier contact, about that system,
    and with the practice manager, about all of them. Nothing goes once every system is settled.

    The window's reminder is caught up late until the window's last day: switching off late is
    still better than not at all."""
    systems = people.systems.get(migration.practice_id, [])
    if not systems:
        return
    window_first, window_last = timeline.switch_off_window(migration.fdp_date)
    ahead = add_working_days(migration.fdp_date, -settings.REMINDER_THIRD_PARTY_WORKING_DAYS_BEFORE_FDP)
    timings = [
        {"kind": THIRD_PARTY_AHEAD, "due_date": ahead, "about": window_first},
        {"kind": THIRD_PARTY_WINDOW, "due_date": window_first, "about": window_last, "until": window_last},
    ]
    managers = people.managers(migration)
    by_contact: dict[str, list[LinkedSystem]] = {}
    for system in systems:
        if system.contact:
            by_contact.setdefault(system.contact.email, []).append(system)
    for timing in timings:
        # The manager first, so a manager who is also a system's contact gets the full list.
        yield Due(**timing, recipients=managers, migration=migration, details=tuple(systems))
        for contact_systems in by_contact.values():
            yield Due(
                **timing, recipients=(contact_systems[0].contact,), migration=migration, details=tuple(contact_systems)
            )


@rule
def fdp_day(batch: Batch) -> Iterator[Due]:
    """On FDP day the team logs off as agreed and starts recording for re-entry; the manager is
    told preparation must now be finished, with the preparation tasks still open."""
    outstanding: dict[int, list[Task]] = {}
    if batch.details:
        fdp_today = [migration.pk for migration in batch.migrations if migration.fdp_date == batch.today]
        if fdp_today:
            for task in preparation_outstanding(fdp_today):
                outstanding.setdefault(task.migration_id, []).append(task)
    for migration in batch.migrations:
        fdp = migration.fdp_date
        team = batch.people.of_practice(migration.practice_id, Role.PRACTICE_STAFF, Role.IT_LEAD)
        yield Due(FDP_DAY_TEAM, fdp, fdp, team, migration)
        managers = batch.people.managers(migration)
        yield Due(FDP_DAY_MANAGER, fdp, fdp, managers, migration, details=tuple(outstanding.get(migration.pk, [])))


def preparation_outstanding(migration_ids: list[int]) -> list[Task]:
    """The preparation tasks still open in these migrations, soonest first (one query)."""
    return list(
        Task.objects.filter(migration_id__in=migration_ids, phase=Phase.PREPARATION, status=Task.Status.OPEN)
        .only("pk", "migration_id", "title", "due_date")
        .order_by("due_date", "position", "pk")
    )


@per_migration
def go_live_day(migration: Migration, people: People) -> Iterator[Due]:
    """On go-live day everyone at the practice: links back on, re-register, start re-entry."""
    go_live = migration.go_live_date
    everyone = people.managers(migration) + people.of_practice(migration.practice_id, Role.PRACTICE_STAFF, Role.IT_LEAD)
    yield Due(GO_LIVE_DAY, go_live, go_live, everyone, migration)


@rule
def reentry_backlog(batch: Batch) -> Iterator[Due]:
    """Every week after go-live, while anything recorded during cutover is left to re-enter, the
    manager gets the numbers (counts by kind only, never anything about a patient).

    It goes on the weekday of go-live, or the next working day if that is a holiday, and a missed
    one is caught up until the next week's is due: a backlog does not go stale."""
    every = settings.REMINDER_REENTRY_BACKLOG_EVERY_DAYS
    counts = {}
    if batch.details:  # the sender, for one migration: the numbers by kind for the email
        counts = {m.pk: reentry_counts(m) for m in batch.migrations if batch.people.backlog.get(m.pk)}
    for migration in batch.migrations:
        if not batch.people.backlog.get(migration.pk):
            continue
        managers = batch.people.managers(migration)
        weeks_since = max((batch.today - migration.go_live_date).days // every, 0)
        # Last week's, this week's and next week's: enough for today's sweep and the page's "next".
        for week in range(max(weeks_since - 1, 1), weeks_since + 2):
            nominal = migration.go_live_date + datetime.timedelta(days=week * every)
            yield Due(
                REENTRY_BACKLOG,
                working_day_on_or_after(nominal),
                nominal,
                managers,
                migration,
                until=nominal + datetime.timedelta(days=every - 1),
                details=(counts[migration.pk],) if migration.pk in counts else (),
            )


@per_migration
def legacy_support(migration: Migration, people: People) -> Iterator[Due]:
    """Before and on the day legacy support ends, to the manager and IT lead."""
    end = migration.legacy_support_end
    recipients = people.managers(migration) + people.of_practice(migration.practice_id, Role.IT_LEAD)
    for days in settings.REMINDER_LEAD_DAYS[LEGACY_SUPPORT_ENDING]:
        yield Due(LEGACY_SUPPORT_ENDING, ahead_of(end, days), end, recipients, migration)
    yield Due(LEGACY_SUPPORT_ENDS, end, end, recipients, migration)


@dataclass(frozen=True)
class DigestTask:
    """One line of a task digest: only what the email shows."""

    pk: int
    title: str
    due_date: datetime.date
    migration_id: int
    practice: str
    ods_code: str


@dataclass(frozen=True)
class Digest:
    """What one person's digest lists: overdue tasks, then those due by ``horizon``."""

    overdue: tuple[DigestTask, ...]
    upcoming: tuple[DigestTask, ...]
    horizon: datetime.date


@rule
def task_digest(batch: Batch) -> Iterator[Due]:
    """One email a working day per person with open tasks: those overdue and those due in the next
    few working days, across all the person's migrations. People of the practice (a task's
    assignee) and outside contacts (a task's assigned stakeholder) alike; nothing if empty.

    Not about one migration, so worked out only by the full sweep (or for one person by the sender).
    Only on working days, and never caught up: tomorrow's digest says it all again."""
    if not (batch.everyone or batch.recipient) or not is_working_day(batch.today):
        return
    horizon = add_working_days(batch.today, settings.REMINDER_DIGEST_WORKING_DAYS)
    for recipient, tasks in digests(horizon, email=batch.recipient).values():
        digest = Digest(
            overdue=tuple(task for task in tasks if task.due_date < batch.today),
            upcoming=tuple(task for task in tasks if task.due_date >= batch.today),
            horizon=horizon,
        )
        yield Due(TASK_DIGEST, batch.today, batch.today, (recipient,), details=(digest,))


def digests(horizon: datetime.date, *, email: str | None = None) -> dict[str, tuple[Recipient, list[DigestTask]]]:
    """{address: (person, their open tasks due by ``horizon``)}, in one query.

    A practice member's tasks count only while they are an active member of that practice, and
    only active migrations count.
    """
    still_member = PracticeMembership.objects.filter(
        user=OuterRef("assignee"), practice=OuterRef("migration__practice")
    )
    tasks = Task.objects.filter(
        Q(Exists(still_member), assignee__is_active=True)
        # "greater than empty" rather than a negation: a negated test on a joined row is true when
        # there is no row at all, which would take in every unassigned task.
        | Q(assigned_contact__user__isnull=True, assigned_contact__email__gt="")
        | Q(assigned_contact__user__is_active=True),
        status=Task.Status.OPEN,
        migration__status=Migration.Status.ACTIVE,
        due_date__lte=horizon,
    )
    if email is not None:
        tasks = tasks.filter(
            Q(assignee__email=email)
            | Q(assigned_contact__user__email=email)
            | Q(assigned_contact__user__isnull=True, assigned_contact__email__iexact=email)
        )
    rows = tasks.order_by("due_date", "migration__practice__name", "position", "pk").values_list(
        "pk",
        "title",
        "due_date",
        "migration_id",
        "migration__practice__name",
        "migration__practice__ods_code",
        "assignee_id",
        "assignee__email",
        "assignee__first_name",
        "assignee__last_name",
        "assigned_contact__user_id",
        "assigned_contact__user__email",
        "assigned_contact__user__first_name",
        "assigned_contact__user__last_name",
        "assigned_contact__email",
        "assigned_contact__name",
        Coalesce("assigned_contact__organisation__name", "assigned_contact__organisation_name"),
    )
    found: dict[str, tuple[Recipient, list[DigestTask]]] = {}
    for row in rows:
        task = DigestTask(*row[:6])
        user_id, user_email, first, last = row[6:10] if row[6] else row[10:14]
        if user_id:
            person = Recipient(email=normalise_email(user_email), name=f"{first} {last}".strip(), user_id=user_id)
        else:
            person = Recipient(email=normalise_email(row[14]), name=row[15], outside=True, organisation=row[16] or "")
        found.setdefault(person.email, (person, []))[1].append(task)
    return found


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


def _batch(
    today: datetime.date, migration_ids: Iterable[int] | None, *, recipient: str | None = None, details: bool = False
) -> Batch:
    migrations = Migration.objects.active().select_related("practice")
    if migration_ids is not None:
        migrations = migrations.filter(pk__in=list(migration_ids))
    loaded = list(migrations)
    return Batch(
        today=today,
        migrations=loaded,
        people=people_load(migrations, due_on=today) if loaded else People(),
        everyone=migration_ids is None,
        recipient=recipient,
        details=details,
    )


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
    """The reminder as the rules see it now, with what its email lists, or None if the dates, the
    people, the work left or the day moved on, or the person opted out of an optional email."""
    spec = KINDS.get(reminder.kind)
    if spec is None:
        return None
    if spec.unsubscribable and ReminderOptOut.objects.filter(email=reminder.recipient_email).exists():
        return None
    if reminder.migration_id:
        batch = _batch(today, [reminder.migration_id], details=True)
    else:
        batch = _batch(today, [], recipient=reminder.recipient_email, details=True)
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
    """The email for one row, from its three templates. Dates, names, task titles, counts and a
    link: never anything about a patient."""
    spec = due.spec
    migration = reminder.migration
    unsubscribe_url = None
    if spec.unsubscribable and recipient.outside:
        unsubscribe_url = settings.SITE_URL + reverse("reminder-unsubscribe", args=[unsubscribe_token(recipient.email)])
    context = {
        "reminder": reminder,
        "migration": migration,
        "practice": migration.practice if migration else None,
        "recipient": recipient,
        "about": due.about,
        "today": today,
        "days_left": (due.about - today).days,  # from the day it goes, which may be a late catch-up
        "details": due.details,
        "switch_off_window": timeline.switch_off_window(migration.fdp_date) if migration else None,
        # Outside contacts cannot sign in, so a link into the app would only show them the sign-in page.
        "link": "" if recipient.outside else spec.link(reminder),
        "site_url": settings.SITE_URL,
        "unsubscribe_url": unsubscribe_url,
    }
    base = f"cutover/emails/{reminder.kind}"
    subject = " ".join(render_to_string(f"{base}_subject.txt", context).split())
    headers = {"Auto-Submitted": "auto-generated", "X-Cutover-Reminder": str(reminder.pk)}
    if unsubscribe_url:
        # RFC 8058: mail programs show their own "unsubscribe" button, which POSTs to the link.
        headers["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"{base}.txt", context),
        to=[formataddr((recipient.name, recipient.email)) if recipient.name else recipient.email],
        headers=headers,
    )
    message.attach_alternative(render_to_string(f"{base}.html", context), "text/html")
    return message


# --- Opting out of optional emails -----------------------------------------------------------

UNSUBSCRIBE_SALT = "cutover.reminders.unsubscribe"


def unsubscribe_token(email: str) -> str:
    """The secret part of an unsubscribe link: the address, signed with SECRET_KEY, so nobody can
    make a link for someone else's address. It does not expire: an old email's link still works."""
    return signing.dumps(normalise_email(email), salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_email(token: str) -> str | None:
    """The address a link was made for, or None if it was not made by us (or was altered)."""
    try:
        email = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    return email if isinstance(email, str) else None


def reminder_opt_out(*, email: str) -> ReminderOptOut:
    """Stop the optional emails (digests) to this address; deadline reminders still go.

    Whoever holds the signed link acts here, and has no account, so there is no ``by``: the row's
    creation time is the record. Opting out twice is the same as once."""
    opt_out, _ = ReminderOptOut.objects.get_or_create(email=normalise_email(email))
    return opt_out


def reminder_is_opted_out(*, email: str) -> bool:
    return ReminderOptOut.objects.filter(email=normalise_email(email)).exists()


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
        if who and who not in line.recipients:
            line.recipients.append(who)
    return list(lines.values())


NOBODY_NOTE = "Nobody to send it to yet: invite the people it is for to the practice."


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
            if not due.recipients:
                # Worth seeing before the day: a reminder with nobody to go to is not sent at all.
                upcoming.append((due.due_date, due.kind, "nobody", "", NOBODY_NOTE))
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
