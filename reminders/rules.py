"""The reminder rules: each lists, for a ``Batch`` of migrations, the reminders it wants sent
(``Due`` items), due today or not; ``schedule`` asks every rule in ``RULES``.

Adding a rule: see the package docstring (``reminders/__init__.py``).
"""

import datetime
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Coalesce

from cutover import timeline
from cutover.models import Migration
from cutover.workdays import add_working_days, is_working_day, working_day_on_or_after
from practices.models import PracticeMembership
from reentry.services import reentry_counts
from systems.national import national_notices_outstanding
from tasks.models import Phase, Task

from .kinds import (
    DATA_SIGNOFF_AHEAD,
    DATA_SIGNOFF_DUE,
    FDP_DAY_MANAGER,
    FDP_DAY_TEAM,
    GO_LIVE_DAY,
    IDP_AHEAD,
    KICKOFF_AHEAD,
    LEGACY_SUPPORT_ENDING,
    LEGACY_SUPPORT_ENDS,
    NATIONAL_NOTICE,
    ORDER_AHEAD,
    PLANNING_MEETING_AHEAD,
    PLANNING_MEETING_DEADLINE,
    PLANNING_MEETING_OVERDUE,
    REENTRY_BACKLOG,
    TASK_DIGEST,
    THIRD_PARTY_AHEAD,
    THIRD_PARTY_WINDOW,
    Due,
)
from .recipients import LinkedSystem, People, Recipient, normalise_email, people_load, unique_people
from .timing import ahead_of

Role = PracticeMembership.Role


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


def batch_load(
    today: datetime.date, migration_ids: Iterable[int] | None, *, recipient: str | None = None, details: bool = False
) -> Batch:
    """The batch for a sweep (all active migrations, or these) or for the sender re-checking one row:
    one query for the migrations, one for their people."""
    migrations = Migration.objects.active().select_related("practice").annotate(data_signed_off=data_signed_off())
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


def data_signed_off() -> Exists:
    """Whether the clinical lead has said "go" on the data checking. The sign-offs belong to the
    lifecycle app, which sits above this one, so they are read through their relation's name."""
    return Exists(
        Migration.objects.filter(pk=OuterRef("pk"), sign_offs__kind="data_checking", sign_offs__decision="go")
    )


def schedule(batch: Batch) -> list[Due]:
    """Every reminder the rules know of for this batch, due or not."""
    return [due for rule_function in RULES for due in rule_function(batch)]


# --- The rules --------------------------------------------------------------------------------


@per_migration
def planning_meeting(migration: Migration, people: People) -> Iterator[Due]:
    """Until a planning meeting is recorded: book it (6 and 5 weeks before FDP), the deadline
    itself (timeline.planning_meeting_due, a working day), then escalation the day after to the ICB
    and delivery partner people of the migration (see ``People.overseers``) as well as the manager."""
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
        unique_people(managers + overseers),
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
def national_service_notice(batch: Batch) -> Iterator[Due]:
    """Each national service (systems/national.py) must be told a number of working days before FDP
    or go-live. On that day the practice manager is reminded of every service whose notice falls then
    and is not yet recorded as given (nor marked N/A). Caught up late until the day before the date
    it counts from: notice given late is still better than none. One query for the whole batch."""
    by_pk = {migration.pk: migration for migration in batch.migrations}
    for notice in national_notices_outstanding(batch.migrations):
        migration = by_pk[notice.migration_id]
        yield Due(
            NATIONAL_NOTICE,
            notice.notice_date,
            notice.notice_date,
            batch.people.managers(migration),
            migration,
            until=notice.anchor - datetime.timedelta(days=1),
            details=notice.names,
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


LIFECYCLE_AHEAD = {"order_date": ORDER_AHEAD, "kickoff_date": KICKOFF_AHEAD, "idp_date": IDP_AHEAD}


@per_migration
def lifecycle_dates(migration: Migration, people: People) -> Iterator[Due]:
    """The lifecycle before the cutover, each date as set or worked back from FDP (so a moved date
    moves its reminders): the manager hears a week before the order, the kick-off and IDP, to
    prepare. The data-checking sign-off goes to the practice's clinical leads and the manager a
    week before it is due and on the day, until the data checking has its "go".

    A date caught up to the day the migration was planned (timeline.lifecycle_dates) sends
    nothing late: a lead time is only worth sending while the date is still ahead."""
    dates = migration.lifecycle_dates
    managers = people.managers(migration)
    for field, kind in LIFECYCLE_AHEAD.items():
        for days in settings.REMINDER_LEAD_DAYS[kind]:
            yield Due(kind, ahead_of(dates[field], days), dates[field], managers, migration)
    if getattr(migration, "data_signed_off", False):
        return
    due = dates["data_signoff_due"]
    signers = unique_people(people.clinical_leads_of(migration) + managers)
    for days in settings.REMINDER_LEAD_DAYS[DATA_SIGNOFF_AHEAD]:
        yield Due(DATA_SIGNOFF_AHEAD, ahead_of(due, days), due, signers, migration)
    yield Due(DATA_SIGNOFF_DUE, due, due, signers, migration)


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
    if not batch.details:
        # The sweep needs only who gets a digest, not its lines: one row per person, not per task.
        for recipient in digest_recipients(horizon):
            yield Due(TASK_DIGEST, batch.today, batch.today, (recipient,))
        return
    for recipient, tasks in digests(horizon, email=batch.recipient).values():
        digest = Digest(
            overdue=tuple(task for task in tasks if task.due_date < batch.today),
            upcoming=tuple(task for task in tasks if task.due_date >= batch.today),
            horizon=horizon,
        )
        yield Due(TASK_DIGEST, batch.today, batch.today, (recipient,), details=(digest,))


# Who a digest line goes to: the assignee, or else the assigned contact (see _digest_person).
_DIGEST_PERSON = (
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


def _digest_holders(horizon: datetime.date) -> tuple:
    """The open tasks due by ``horizon`` that count towards someone's digest, as two querysets: those
    held by a practice member, and those held by an outside contact (a task has one or the other).

    A practice member's tasks count only while they are an active member of that practice, and
    only active migrations count.
    """
    still_member = PracticeMembership.objects.filter(
        user=OuterRef("assignee"), practice=OuterRef("migration__practice")
    )
    due = Task.objects.filter(status=Task.Status.OPEN, migration__status=Migration.Status.ACTIVE, due_date__lte=horizon)
    by_members = due.filter(Exists(still_member), assignee__is_active=True)
    by_contacts = due.filter(
        # "greater than empty" rather than a negation: a negated test on a joined row is true when
        # there is no row at all, which would take in every unassigned task.
        Q(assigned_contact__user__isnull=True, assigned_contact__email__gt="")
        | Q(assigned_contact__user__is_active=True),
        assignee__isnull=True,
    )
    return by_members, by_contacts


def _digest_tasks(horizon: datetime.date, *, email: str | None = None):
    """Both kinds of _digest_holders in one queryset, for one person's address if given."""
    by_members, by_contacts = _digest_holders(horizon)
    tasks = by_members | by_contacts
    if email is not None:
        tasks = tasks.filter(
            Q(assignee__email=email)
            | Q(assigned_contact__user__email=email)
            | Q(assigned_contact__user__isnull=True, assigned_contact__email__iexact=email)
        )
    return tasks


def _digest_person(row: tuple) -> Recipient:
    """The person of one row of _DIGEST_PERSON's columns."""
    user_id, user_email, first, last = row[0:4] if row[0] else row[4:8]
    if user_id:
        return Recipient(email=normalise_email(user_email), name=f"{first} {last}".strip(), user_id=user_id)
    return Recipient(email=normalise_email(row[8]), name=row[9], outside=True, organisation=row[10] or "")


def digest_recipients(horizon: datetime.date) -> list[Recipient]:
    """Everyone with a digest due (at least one task in ``digests``), in two queries that return a
    row per person rather than per task: the sweep logs who gets one; the sender lists the tasks.
    Members and contacts are asked apart: as one OR, PostgreSQL checks the membership task by task
    instead of joining it once (bench/sweep.py: 0.55 s against 0.4 s at 10,000 migrations)."""
    by_members, by_contacts = _digest_holders(horizon)
    members, contacts = _DIGEST_PERSON[:4], _DIGEST_PERSON[4:]
    rows = [
        *(row + (None,) * len(contacts) for row in by_members.order_by().values_list(*members).distinct()),
        *((None,) * len(members) + row for row in by_contacts.order_by().values_list(*contacts).distinct()),
    ]
    people = sorted(map(_digest_person, rows), key=lambda person: (person.email, person.outside, person.name))
    return list(unique_people(people))


def digests(horizon: datetime.date, *, email: str | None = None) -> dict[str, tuple[Recipient, list[DigestTask]]]:
    """{address: (person, their open tasks due by ``horizon``)}, in one query."""
    rows = (
        _digest_tasks(horizon, email=email)
        .order_by("due_date", "migration__practice__name", "position", "pk")
        .values_list(
            "pk",
            "title",
            "due_date",
            "migration_id",
            "migration__practice__name",
            "migration__practice__ods_code",
            *_DIGEST_PERSON,
        )
    )
    found: dict[str, tuple[Recipient, list[DigestTask]]] = {}
    for row in rows:
        person = _digest_person(row[6:])
        found.setdefault(person.email, (person, []))[1].append(DigestTask(*row[:6]))
    return found
