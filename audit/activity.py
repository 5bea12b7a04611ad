"""A migration's activity: every change to it and to what belongs to it, newest first.

Where the changes come from, each saying who, when and what changed:
- django-simple-history rows of the migration, its plan tasks, its people (stakeholders), the
  practice's third-party systems, the migration's third-party states and its re-entry entries;
- records that are their own audit trail, written once and never edited: task notes (author and
  time), invitations (sent, accepted, replaced) and the confirmation of who is involved.

A due date that moves is a task history row carrying the reason, so the separate
TaskDueDateChange rows are not listed again here. Looks at patient details (reentry.AccessEvent)
are not changes: they are listed only when asked for, to those who may change the migration.

Cost: one UNION query picks the page (source, row, when, who) across every source, ordered and
sliced by the database; one query per source present on the page loads its rows (with the versions
before them, to compare); one query per related model labels who and what. The number of queries
depends on the number of sources, never on the number of changes.

Patient identifiers never appear, for any reader: a re-entry entry is named by its number and kind
and described by what happened to it ("marked re-entered"), never by its patient details or its
free text.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db import models
from django.db.models import F, Q, Value
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator

from cutover.models import Migration
from practices.models import (
    Invitation,
    Organisation,
    Stakeholder,
    StakeholderConfirmation,
    StakeholderRole,
    ThirdPartyState,
    ThirdPartySystem,
    User,
)
from reentry.models import AccessEvent, Entry, Kind
from tasks.models import Task, TaskNote

from .describe import TEXT_LIMIT, Labels, changed_fields, diff_lines, first_lower, tracked_fields, want_foreign_keys

GROUPS = {
    "migration": "The migration",
    "plan": "Plan and tasks",
    "people": "People and invitations",
    "systems": "Third-party systems",
    "reentry": "Re-entry log",
}
# Not changes but looks at patient details (reentry.AccessEvent): listed only when asked for, and only
# for those who may change the migration, so "Everything" stays a list of changes.
ACCESS_GROUP = ("access", "Who looked at patient details")

# What a re-entry entry may say about itself. Everything else is a patient detail or free text
# that may hold one, so a change to it is named but its value never shown.
ENTRY_STEPS = {
    "re_entered_at": ("marked re-entered", "re-entry taken back"),
    "checked_at": ("checked by a second person", "check taken back"),
    "voided_at": ("voided", "void taken back"),
    "identifiers_removed_at": ("patient details removed after the retention period", "patient details restored"),
}
ENTRY_QUIET_FIELDS = {"re_entered_by", "checked_by", "voided_by", "void_reason"}
HISTORY_COLUMNS = ("history_date", "history_user", "history_id")


@dataclass(frozen=True)
class Source:
    key: str
    group: str
    queryset: models.QuerySet
    at: str
    who: str | None
    row: str

    @property
    def is_history(self) -> bool:
        return self.row == "history_id"


def sources(migration: Migration) -> list[Source]:
    """Every kind of row that records a change to this migration or what belongs to it."""
    invitations = Invitation.objects.filter(migration=migration)
    return [
        Source("migration", "migration", Migration.history.filter(id=migration.pk), *HISTORY_COLUMNS),
        Source("task", "plan", Task.history.filter(migration_id=migration.pk), *HISTORY_COLUMNS),
        Source("note", "plan", TaskNote.objects.filter(task__migration=migration), "created_at", "author", "pk"),
        Source("stakeholder", "people", Stakeholder.history.filter(migration_id=migration.pk), *HISTORY_COLUMNS),
        Source(
            "confirmation",
            "people",
            StakeholderConfirmation.objects.filter(migration=migration),
            "confirmed_at",
            "confirmed_by",
            "pk",
        ),
        Source("invitation_sent", "people", invitations, "created_at", "invited_by", "pk"),
        Source(
            "invitation_accepted",
            "people",
            invitations.filter(accepted_at__isnull=False),
            "accepted_at",
            "accepted_by",
            "pk",
        ),
        # Replaced by a newer invitation, whose own row says who sent it.
        Source(
            "invitation_replaced", "people", invitations.filter(replaced_at__isnull=False), "replaced_at", None, "pk"
        ),
        Source(
            "system", "systems", ThirdPartySystem.history.filter(practice_id=migration.practice_id), *HISTORY_COLUMNS
        ),
        Source("system_state", "systems", ThirdPartyState.history.filter(migration_id=migration.pk), *HISTORY_COLUMNS),
        Source("entry", "reentry", Entry.history.filter(migration_id=migration.pk), *HISTORY_COLUMNS),
        Source("access", ACCESS_GROUP[0], AccessEvent.objects.filter(migration=migration), "at", "user", "pk"),
    ]


@dataclass(frozen=True)
class ActivityFilters:
    group: str = ""
    person_id: int | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _page_rows(source: Source, filters: ActivityFilters) -> models.QuerySet | None:
    queryset = source.queryset
    if filters.person_id:
        if source.who is None:
            return None
        queryset = queryset.filter(**{f"{source.who}_id": filters.person_id})
    if filters.date_from:
        queryset = queryset.filter(**{f"{source.at}__gte": _start_of(filters.date_from)})
    if filters.date_to:
        queryset = queryset.filter(**{f"{source.at}__lt": _start_of(filters.date_to + datetime.timedelta(days=1))})
    who = F(f"{source.who}_id") if source.who else Value(None, output_field=models.BigIntegerField())
    return (
        queryset.order_by()
        .annotate(
            activity_source=Value(source.key, output_field=models.CharField()),
            activity_row=F(source.row),
            activity_at=F(source.at),
            activity_who=who,
        )
        .values_list("activity_source", "activity_row", "activity_at", "activity_who")
    )


def activity_rows(migration: Migration, filters: ActivityFilters) -> models.QuerySet:
    """(source, row id, when, who id) of every matching change, newest first: one query, ready to slice."""
    parts = [
        rows
        for source in sources(migration)
        if source.group == filters.group or (not filters.group and source.group in GROUPS)
        if (rows := _page_rows(source, filters)) is not None
    ]
    first, *rest = parts
    combined = first.union(*rest, all=True) if rest else first
    return combined.order_by("-activity_at", "activity_source", "-activity_row")


def activity_people(migration: Migration, *, with_access: bool = False) -> models.QuerySet[User]:
    """Everyone who changed something here (or, with_access, looked at patient details), for the filter."""
    anyone = Q(pk__in=[])
    for source in sources(migration):
        if source.who and (source.group in GROUPS or with_access):
            anyone |= Q(pk__in=source.queryset.order_by().values(f"{source.who}_id"))
    return User.objects.filter(anyone).order_by("first_name", "last_name", "email")


@dataclass
class ActivityItem:
    when: datetime.datetime
    who: User | None
    group: str
    subject: str
    action: str
    details: list[str] = field(default_factory=list)
    reason: str = ""
    url: str = ""

    @property
    def group_label(self) -> str:
        return GROUPS.get(self.group) or ACCESS_GROUP[1]


def _load_history(source: Source, ids: list[int]) -> dict[int, tuple]:
    """Each page row with the version of the same object just before it (None for the first)."""
    historical = source.queryset.model
    # In the order they were written: a back-dated row (the demo data's) still compares with the row before it.
    versions = historical.objects.filter(id__in=historical.objects.filter(history_id__in=ids).values("id")).order_by(
        "id", "history_id"
    )
    wanted = set(ids)
    pairs = {}
    last_of_object: dict = {}
    for version in versions:
        if version.history_id in wanted:
            pairs[version.history_id] = (version, last_of_object.get(version.id))
        last_of_object[version.id] = version
    return pairs


class ActivityBuilder:
    """Turns a page of (source, row, when, who) into items a person can read."""

    def __init__(self, migration: Migration, *, sees_entries: bool, sees_invitees: bool):
        self.migration = migration
        self.sees_entries = sees_entries
        self.sees_invitees = sees_invitees
        self.sources = {source.key: source for source in sources(migration)}

    def build(self, rows: Iterable[tuple]) -> list[ActivityItem]:
        rows = list(rows)
        ids_by_source: dict[str, list[int]] = defaultdict(list)
        for key, row, _at, _who in rows:
            ids_by_source[key].append(row)
        labels = Labels()
        for _key, _row, _at, who in rows:
            labels.want(User, who)
        loaded = self._load(ids_by_source, labels)
        labels.fetch()
        items = []
        for key, row, at, who in rows:
            record = loaded.get((key, row))
            if record is None:  # removed between the two queries
                continue
            item = self._describe(key, record, labels)
            item.when, item.who = at, labels.get(User, who)
            items.append(item)
        return items

    def _load(self, ids_by_source: dict[str, list[int]], labels: Labels) -> dict:
        loaded = {}
        invitation_ids = set()
        for key, ids in ids_by_source.items():
            source = self.sources[key]
            if source.is_history:
                pairs = _load_history(source, ids)
                fields = tracked_fields(source.queryset.model)
                want_foreign_keys(fields, [r for pair in pairs.values() for r in pair], labels)
                loaded.update({(key, history_id): pair for history_id, pair in pairs.items()})
            elif key == "note":
                for note in TaskNote.objects.filter(pk__in=ids).select_related("task"):
                    loaded[(key, note.pk)] = note
            elif key == "access":
                for event in AccessEvent.objects.filter(pk__in=ids):
                    loaded[(key, event.pk)] = event
            elif key == "confirmation":
                for confirmation in StakeholderConfirmation.objects.filter(pk__in=ids):
                    loaded[(key, confirmation.pk)] = confirmation
            else:
                invitation_ids.update(ids)
        if invitation_ids:
            invitations = {i.pk: i for i in Invitation.objects.filter(pk__in=invitation_ids)}
            for key, ids in ids_by_source.items():
                if key.startswith("invitation_"):
                    loaded.update({(key, pk): invitations[pk] for pk in ids if pk in invitations})
        return loaded

    # Describing one row --------------------------------------------------------------------------

    def _describe(self, key: str, record, labels: Labels) -> ActivityItem:
        return getattr(self, f"_describe_{key}")(record, labels)

    def _item(self, group: str, subject: str, action: str, **kwargs) -> ActivityItem:
        return ActivityItem(when=None, who=None, group=group, subject=subject, action=action, **kwargs)

    def _history_item(self, group: str, subject: str, pair, labels: Labels, *, created: str, url: str = ""):
        newer, older = pair
        model = newer.instance_type
        reason = newer.history_change_reason or ""
        if newer.history_type == "+":
            return self._item(group, subject, created, reason=reason, url=url)
        if newer.history_type == "-":
            return self._item(group, subject, "removed", reason=reason, url="")
        details = diff_lines(model, tracked_fields(type(newer)), newer, older, labels) if older else []
        return self._item(group, subject, "changed", details=details, reason=reason, url=url)

    def _describe_migration(self, pair, labels):
        return self._history_item("migration", "Migration", pair, labels, created="created")

    def _describe_task(self, pair, labels):
        task = pair[0]
        url = reverse("task-detail", args=[self.migration.pk, task.id]) if pair[0].history_type != "-" else ""
        return self._history_item("plan", f"Task “{task.title}”", pair, labels, created="added to the plan", url=url)

    def _describe_note(self, note: TaskNote, labels):
        return self._item(
            "plan",
            f"Task “{note.task.title}”",
            "note added",
            details=[Truncator(note.text).chars(TEXT_LIMIT)],
            url=reverse("task-detail", args=[self.migration.pk, note.task_id]),
        )

    def _describe_stakeholder(self, pair, labels):
        row = pair[0]
        if row.user_id:
            name = labels.text(User, row.user_id, "someone who signs in")
        else:
            name = row.name or labels.text(Organisation, row.organisation_id)
            name = name or row.organisation_name or "an outside contact"
        subject = f"{name} ({first_lower(str(StakeholderRole(row.role).label))})"
        return self._history_item(
            "people", subject, pair, labels, created="added", url=reverse("people", args=[self.migration.pk])
        )

    def _describe_confirmation(self, confirmation, labels):
        return self._item(
            "people", "People", "confirmed who is involved", url=reverse("people", args=[self.migration.pk])
        )

    def _invitee(self, invitation: Invitation) -> str:
        role = first_lower(invitation.get_role_display())
        # The practice manager sees pending invitations on the people page; others never see the address.
        return f"Invitation to {invitation.email} as {role}" if self.sees_invitees else f"Invitation as {role}"

    def _describe_invitation_sent(self, invitation, labels):
        return self._item("people", self._invitee(invitation), "sent", url=reverse("people", args=[self.migration.pk]))

    def _describe_invitation_accepted(self, invitation, labels):
        return self._item(
            "people", self._invitee(invitation), "accepted", url=reverse("people", args=[self.migration.pk])
        )

    def _describe_invitation_replaced(self, invitation, labels):
        return self._item("people", self._invitee(invitation), "replaced by a newer invitation")

    def _describe_system(self, pair, labels):
        url = reverse("systems", args=[self.migration.pk])
        return self._history_item("systems", f"System “{pair[0].name}”", pair, labels, created="added", url=url)

    def _describe_system_state(self, pair, labels):
        name = labels.text(ThirdPartySystem, pair[0].system_id, "A system")
        url = reverse("systems", args=[self.migration.pk])
        return self._history_item(
            "systems", f"{name} in this migration", pair, labels, created="tracking started", url=url
        )

    def _describe_entry(self, pair, labels):
        newer, older = pair
        subject = f"Re-entry entry #{newer.id} ({first_lower(str(Kind(newer.kind).label))})"
        url = reverse("reentry-entry", args=[self.migration.pk, newer.id]) if self.sees_entries else ""
        return self._item(
            "reentry", subject, _entry_action(newer, older), url=url, reason=newer.history_change_reason or ""
        )

    def _describe_access(self, event: AccessEvent, labels):
        subject = f"Re-entry entry #{event.entry_id}" if event.entry_id else "Re-entry log"
        linked = event.entry_id and self.sees_entries
        url = reverse("reentry-entry", args=[self.migration.pk, event.entry_id]) if linked else ""
        return self._item(ACCESS_GROUP[0], subject, ACCESS_ACTIONS.get(event.action, event.action), url=url)


ACCESS_ACTIONS = {
    AccessEvent.Action.VIEWED_ENTRY: "details viewed",
    AccessEvent.Action.VIEWED_WORKLIST: "worklist viewed",
    AccessEvent.Action.VIEWED_LOG: "whole log viewed",
    AccessEvent.Action.EXPORTED_CSV: "exported as a spreadsheet (CSV)",
}


def _entry_action(newer, older) -> str:
    """What happened to an entry, in words that hold no patient detail."""
    if newer.history_type == "+":
        return "recorded from a paper form" if newer.from_paper else "recorded"
    if older is None:
        return "changed"
    actions = []
    for name, (done, undone) in ENTRY_STEPS.items():
        before, after = getattr(older, name), getattr(newer, name)
        if before is None and after is not None:
            actions.append(done)
        elif before is not None and after is None:
            actions.append(undone)
    # Anything else is named, never shown: its value may be the patient's.
    others = [
        str(f.verbose_name)
        for f in changed_fields(tracked_fields(type(newer)), newer, older)
        if f.name not in ENTRY_STEPS and f.name not in ENTRY_QUIET_FIELDS
    ]
    if others:
        actions.append("changed " + ", ".join(others))
    return "; ".join(actions) or "saved with no change to show"


@dataclass
class ActivityPage:
    items: list[ActivityItem]
    page: Page  # of the raw (source, row, when, who) tuples


def activity_page(
    migration: Migration,
    *,
    filters: ActivityFilters,
    page_number,
    per_page: int,
    sees_entries: bool,
    sees_invitees: bool,
) -> ActivityPage:
    page = Paginator(activity_rows(migration, filters), per_page).get_page(page_number)
    builder = ActivityBuilder(migration, sees_entries=sees_entries, sees_invitees=sees_invitees)
    return ActivityPage(items=builder.build(page.object_list), page=page)
