"""Business actions on the re-entry log. Views, the demo data and tests call these, never the ORM directly.

Every change saves the entry (never QuerySet.update), so django-simple-history records who did what.
"""

import datetime
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from cutover.formatting import day_text
from cutover.models import Migration
from cutover.timeline import local_today

from .models import (
    FIELDS_BY_KIND,
    KIND_FIELDS,
    PATIENT_KINDS,
    AccessEvent,
    Entry,
    Kind,
    check_occurred_at,
    empty_value,
    re_entry_open,
    recording_window,
    still_to_re_enter,
)
from .nhs_number import normalise_nhs_number
from .signals import entries_changed


class ReentryActionRefused(Exception):
    """An action the rules do not allow right now; the message says why, in words for the person at the desk."""


def entry_record(
    *,
    migration: Migration,
    kind: str,
    occurred_at: datetime.datetime,
    token: uuid.UUID,
    summary: str = "",
    nhs_number: str = "",
    patient_name: str = "",
    patient_date_of_birth: datetime.date | None = None,
    patient_address: str = "",
    stock_item: str = "",
    stock_quantity: Decimal | None = None,
    stock_unit: str = "",
    from_paper: bool = False,
    by,
) -> tuple[Entry, bool]:
    """Record one activity. Returns the entry and whether it is new.

    The same token twice (a double click, a retried request) gives back the first entry instead of a
    second one. Raises ValidationError (by field) when the entry breaks a rule, and
    ReentryActionRefused before FDP day.
    """
    existing = _entry_for_token(token=token, migration=migration, by=by)
    if existing is not None:
        return existing, False

    now = timezone.now()
    today = timezone.localdate(now)
    window = recording_window(migration)
    if not window.is_open(today):
        raise ReentryActionRefused(f"Recording opens on FDP day, {day_text(migration.fdp_date)}.")
    errors: dict[str, list] = {}
    try:
        check_occurred_at(migration, occurred_at, now=now)
    except ValidationError as exc:
        errors["occurred_at"] = exc.error_list
    if kind == Kind.DISPENSARY_STOCK and not migration.practice.dispensing:
        errors["kind"] = ["Dispensary stock is only recorded by dispensing practices."]
    if kind in PATIENT_KINDS:
        # Stored as ten digits; the model's field checks it (validate_nhs_number) in full_clean below.
        nhs_number = normalise_nhs_number(nhs_number)
        if not nhs_number:
            errors["nhs_number"] = ["Enter the patient's NHS number (10 digits)."]
    if errors:
        raise ValidationError(errors)

    entry = Entry(
        migration=migration,
        kind=kind,
        occurred_at=occurred_at,
        # Once go-live day has passed, anything keyed in was written down elsewhere first.
        from_paper=from_paper or window.paper_only(today),
        summary=summary.strip(),
        recorded_by=by,
        recorded_at=now,
        idempotency_token=token,
        **_fields_for_kind(
            kind,
            nhs_number=nhs_number,
            patient_name=patient_name.strip(),
            patient_date_of_birth=patient_date_of_birth,
            patient_address=patient_address.strip(),
            stock_item=stock_item.strip(),
            stock_quantity=stock_quantity,
            stock_unit=stock_unit.strip(),
        ),
    )
    # The database constraints decide the shape; this turns a violation into a message beside the form.
    entry.full_clean(exclude=["migration", "recorded_by", "idempotency_token"])
    entry._history_user = by
    try:
        # The savepoint keeps an outer transaction usable when a concurrent twin wins the race.
        with transaction.atomic():
            entry.save()
            # Something new to re-enter reopens a re-entry task already ticked off.
            entries_changed.send(sender=Entry, migration=migration, kinds=[kind], by=by)
    except IntegrityError:
        existing = _entry_for_token(token=token, migration=migration, by=by)
        if existing is None:
            raise
        return existing, False
    return entry, True


def _fields_for_kind(kind: str, **fields) -> dict:
    """Only the fields that belong to the kind are kept; the others are saved empty.

    The form shows every field when JavaScript is off, so a value typed into a field for another kind
    must not end up in the record.
    """
    keep = FIELDS_BY_KIND[kind]
    return {name: fields[name] if name in keep else empty_value(name) for name in KIND_FIELDS}


def _entry_for_token(*, token: uuid.UUID, migration: Migration, by) -> Entry | None:
    entry = Entry.objects.filter(idempotency_token=token).first()
    if entry is None:
        return None
    if entry.migration_id != migration.pk or entry.recorded_by_id != by.pk:
        # A token is only ever reused by the form that was given it; anything else is not a double submit.
        raise ReentryActionRefused("This form has already been used. Open a new one to record the activity.")
    return entry


def entry_mark_re_entered(*, entry: Entry, by) -> Entry:
    """Mark an entry as typed into the new system. Marking it twice changes nothing."""
    with transaction.atomic():
        # Locking the row means two people clicking at once leave the first person's name on it.
        entry = Entry.objects.select_for_update().select_related("migration").get(pk=entry.pk)
        if entry.is_re_entered:
            return entry
        _refuse_re_entry(entry)
        entry.re_entered_by = by
        entry.re_entered_at = timezone.now()
        entry._history_user = by
        entry.save(update_fields=["re_entered_by", "re_entered_at"])
        # The last item of its kind ticks the plan's re-entry task, by whoever re-entered it.
        entries_changed.send(sender=Entry, migration=entry.migration, kinds=[entry.kind], by=by)
    return entry


def entries_mark_re_entered(*, migration: Migration, entry_ids: list[int], by) -> int:
    """Mark several entries of one migration re-entered; returns how many changed.

    Each entry is saved on its own so its history says who marked it, which QuerySet.update() would lose.
    Entries already re-entered, voided or from another migration are left alone.
    """
    if not re_entry_open(migration, local_today()):
        raise ReentryActionRefused(_not_yet_message(migration))
    now = timezone.now()
    with transaction.atomic():
        entries = list(
            Entry.objects.select_for_update().filter(migration=migration, pk__in=entry_ids).to_re_enter().order_by("pk")
        )
        for entry in entries:
            entry.re_entered_by = by
            entry.re_entered_at = now
            entry._history_user = by
            entry.save(update_fields=["re_entered_by", "re_entered_at"])
        entries_changed.send(sender=Entry, migration=migration, kinds={entry.kind for entry in entries}, by=by)
    return len(entries)


def _refuse_re_entry(entry: Entry) -> None:
    if entry.is_voided:
        raise ReentryActionRefused("This entry is void, so there is nothing to re-enter.")
    if not re_entry_open(entry.migration, local_today()):
        raise ReentryActionRefused(_not_yet_message(entry.migration))


def _not_yet_message(migration: Migration) -> str:
    return f"Re-entry starts at go-live, on {day_text(migration.go_live_date)}, when the new system is there."


def entry_mark_checked(*, entry: Entry, by) -> Entry:
    """A second person confirms the entry is in the new system."""
    with transaction.atomic():
        entry = Entry.objects.select_for_update().get(pk=entry.pk)
        if entry.is_checked:
            return entry
        if not entry.is_re_entered:
            raise ReentryActionRefused("Mark the entry re-entered first; then someone else can check it.")
        if entry.re_entered_by_id == by.pk:
            raise ReentryActionRefused("A check is done by a second person: someone else must check your re-entry.")
        entry.checked_by = by
        entry.checked_at = timezone.now()
        entry._history_user = by
        entry.save(update_fields=["checked_by", "checked_at"])
    return entry


def entry_void(*, entry: Entry, reason: str, by) -> Entry:
    """Void an entry made in error (a duplicate, the wrong patient). It stays in the log and its history."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why the entry is void, for example “Duplicate of entry 12”."})
    with transaction.atomic():
        entry = Entry.objects.select_for_update().get(pk=entry.pk)
        if entry.is_voided:
            return entry
        if entry.is_re_entered:
            raise ReentryActionRefused(
                "This entry is already in the new system, so it cannot be voided. Correct it in the new system."
            )
        entry.voided_by = by
        entry.voided_at = timezone.now()
        entry.void_reason = reason
        entry._history_user = by
        entry.save(update_fields=["voided_by", "voided_at", "void_reason"])
        # Voiding the last item left also empties the backlog.
        entries_changed.send(sender=Entry, migration=entry.migration, kinds=[entry.kind], by=by)
    return entry


def access_event_record(*, user, action: str, migration: Migration, entry: Entry | None = None) -> AccessEvent:
    return AccessEvent.objects.create(user=user, action=action, migration=migration, entry=entry)


@dataclass(frozen=True)
class KindCount:
    kind: str
    label: str
    recorded: int
    to_re_enter: int
    voided: int


@dataclass(frozen=True)
class ReentryCounts:
    recorded: int = 0
    to_re_enter: int = 0
    registrations_to_re_register: int = 0
    voided: int = 0
    by_kind: list[KindCount] = field(default_factory=list)

    @property
    def re_entered(self) -> int:
        return self.recorded - self.to_re_enter


def reentry_counts(migration: Migration) -> ReentryCounts:
    """How much was recorded and how much is still to re-enter, by kind, in one grouped query.

    Voided entries count as voided only: they were made in error, so they were never really recorded.
    """
    live = Q(voided_at__isnull=True)
    rows = (
        Entry.objects.filter(migration=migration)
        .order_by()
        .values("kind")
        .annotate(
            recorded=Count("pk", filter=live),
            to_re_enter=Count("pk", filter=still_to_re_enter()),
            voided=Count("pk", filter=~live),
        )
    )
    labels = dict(Kind.choices)
    by_kind = sorted(
        (KindCount(kind=r["kind"], label=labels.get(r["kind"], r["kind"]), **_numbers(r)) for r in rows),
        key=lambda c: list(labels).index(c.kind) if c.kind in labels else len(labels),
    )
    return ReentryCounts(
        recorded=sum(c.recorded for c in by_kind),
        to_re_enter=sum(c.to_re_enter for c in by_kind),
        registrations_to_re_register=sum(c.to_re_enter for c in by_kind if c.kind == Kind.NEW_REGISTRATION),
        voided=sum(c.voided for c in by_kind),
        by_kind=by_kind,
    )


def _numbers(row: dict) -> dict:
    return {"recorded": row["recorded"], "to_re_enter": row["to_re_enter"], "voided": row["voided"]}


def reentry_backlog(migration: Migration) -> int:
    """Entries still to re-enter (voided ones excluded). The plan's re-entry tasks are done when this is 0."""
    return Entry.objects.filter(migration=migration).to_re_enter().count()
