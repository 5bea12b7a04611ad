"""What each calendar shows, as ``Event`` items: key dates from ``cutover.timeline`` (through
``Migration.key_dates``; no date is worked out here) and the due dates of open tasks.

No event ever carries anything about a patient: dates, practice names, system names, task titles
and links only. The organisation feed (ICBs and delivery partners) carries FDP, the cutover and
go-live and nothing else.
"""

import datetime
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Q, QuerySet
from django.urls import reverse

from cutover.formatting import day_text
from cutover.models import Migration
from cutover.timeline import KeyDate
from practices.models import Organisation
from tasks.models import Task

# The key dates an ICB or delivery partner follows across its practices.
OVERSIGHT_KEYS = ("fdp", "cutover", "go_live")


@dataclass(frozen=True)
class Event:
    uid: str
    summary: str
    description: str
    start: datetime.date
    last_day: datetime.date  # inclusive; iCalendar's DTEND is the day after
    url: str
    cancelled: bool = False

    @property
    def dates(self) -> str:
        """What the event's SEQUENCE follows: a new value here is a new revision of the event."""
        return f"{self.start:%Y%m%d}-{self.last_day:%Y%m%d}{'-cancelled' if self.cancelled else ''}"


def _uid(name: str) -> str:
    # The host makes UIDs unique across installations (RFC 5545 recommends a domain name).
    return f"{name}@{urlsplit(settings.SITE_URL).hostname or 'cutover-coordinator'}"


def _link(url_name: str, *args) -> str:
    return settings.SITE_URL + reverse(url_name, args=args)


def key_date_event(migration: Migration, item: KeyDate) -> Event:
    practice = migration.practice
    lines = [
        item.explanation,
        f"Practice: {practice.name} ({practice.ods_code}).",
        f"Moving from {migration.current_system} to {migration.new_system}.",
    ]
    if item.done_on:
        lines.append(f"Held on {day_text(item.done_on)}.")
    if migration.status == Migration.Status.CANCELLED:
        lines.insert(0, "This migration was cancelled.")
    link = _link("migration-detail", migration.pk)
    lines.append(f"Open in Cutover Coordinator: {link}")
    return Event(
        uid=_uid(f"{item.key}.migration-{migration.pk}"),
        summary=f"{practice.name}: {item.title}",
        description="\n".join(lines),
        start=item.start,
        last_day=item.last_day,
        url=link,
        cancelled=migration.status == Migration.Status.CANCELLED,
    )


def task_event(task: Task) -> Event:
    migration = task.migration
    link = _link("task-detail", migration.pk, task.pk)
    lines = [f"A task of the {migration.practice.name} cutover plan, due on this day and not done yet."]
    if task.guidance:
        lines.append(task.guidance)
    lines.append(f"Open in Cutover Coordinator: {link}")
    return Event(
        uid=_uid(f"task-{task.pk}"),
        summary=f"{migration.practice.name}: {task.title}",
        description="\n\n".join(lines),
        start=task.due_date,
        last_day=task.due_date,
        url=link,
    )


def _listed_tasks(tasks: QuerySet[Task], today: datetime.date) -> QuerySet[Task]:
    """Open tasks, less the future ones of a closed migration: nobody will do them now."""
    return (
        tasks.filter(status=Task.Status.OPEN)
        .exclude(~Q(migration__status=Migration.Status.ACTIVE), due_date__gte=today)
        .select_related("migration__practice")
        .order_by("due_date", "pk")
    )


def migration_events(migration: Migration, *, today: datetime.date) -> list[Event]:
    """A migration's calendar: every key date and every open task."""
    events = [key_date_event(migration, item) for item in migration.key_dates(today)]
    events += [task_event(task) for task in _listed_tasks(Task.objects.filter(migration=migration), today)]
    return events


def _migrations(queryset: QuerySet[Migration]) -> QuerySet[Migration]:
    return queryset.select_related("practice").order_by("fdp_date", "pk")


def person_events(user, *, today: datetime.date) -> list[Event]:
    """A person's calendar: the key dates of the migrations of their practices, and their open tasks."""
    migrations = _migrations(Migration.objects.visible_to(user).filter(practice__memberships__user=user))
    events = [key_date_event(migration, item) for migration in migrations for item in migration.key_dates(today)]
    mine = Task.objects.filter(assignee=user, migration__in=Migration.objects.visible_to(user))
    events += [task_event(task) for task in _listed_tasks(mine, today)]
    return events


def oversight_events(migrations: QuerySet[Migration], *, today: datetime.date) -> list[Event]:
    """FDP, the cutover and go-live of each migration: what those who oversee many practices follow."""
    return [
        key_date_event(migration, item)
        for migration in _migrations(migrations)
        for item in migration.key_dates(today)
        if item.key in OVERSIGHT_KEYS
    ]


def organisation_events(organisation: Organisation, *, today: datetime.date) -> list[Event]:
    """An ICB's or delivery partner's calendar: FDP, the cutover and go-live of each of its practices."""
    migrations = Migration.objects.filter(Q(practice__icb=organisation) | Q(practice__delivery_partner=organisation))
    return oversight_events(migrations, today=today)
