"""Closing a migration: complete it (from go-live on) or cancel it (any time), and reopen it.

Closing sets `Migration.status`, which everything else reads: the one-active-migration rule frees the
practice for its next migration, the stage becomes "closed", the reminder sweep stops looking at it,
and `cutover.access` refuses every change. Pending reminders are cancelled here and keep a note saying
why, so the migration page shows them as not sent. The re-entry log keeps its retention rule: the
retention job reads the log's own dates, not the status.
"""

import dataclasses
import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.text import Truncator

from cutover.formatting import day_text
from cutover.models import Migration
from cutover.timeline import local_today
from practices.models import ThirdPartyState
from reentry.models import Entry
from reminders.models import ReminderLog
from reminders.sweep import reminders_refresh
from tasks.models import Task

from .models import Closure, SignOff
from .signoffs import sign_off_announce

CLOSED_REMINDER_NOTE = "Not sent: the migration was closed."


class ClosingRefused(Exception):
    """The migration cannot be closed or reopened now; the message says why, to the user."""


@dataclass(frozen=True)
class CloseOutSummary:
    """The figures of a migration on the day it closed, as kept in `Closure.summary`."""

    cutover_days: int
    fdp: str
    go_live: str
    reentry_recorded: int
    reentry_re_entered: int
    reentry_voided: int
    reentry_left: int
    late_switch_offs: int
    tasks_overdue: int
    tasks_open: int
    # (kind, decision, day, who) of each sign-off given by then, oldest first.
    sign_offs: tuple = ()

    @property
    def sign_off_lines(self) -> list[str]:
        """Each sign-off as the summary reads it: "Data checking: no-go, by Ann Lee on 3 Nov 2026".
        Only data checking can be a no-go, so the others need no decision."""
        lines = []
        for kind, decision, day, who in self.sign_offs:
            what = f"{kind}: {decision.lower()}" if kind == SignOff.Kind.DATA_CHECKING.label else kind
            lines.append(f"{what}, by {who} on {day}")
        return lines

    @classmethod
    def from_dict(cls, data: dict) -> "CloseOutSummary | None":
        try:
            values = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
            values["sign_offs"] = tuple(tuple(item) for item in values.get("sign_offs", ()))
            return cls(**values)
        except TypeError:
            return None


def closeout_summary(migration: Migration, *, today: datetime.date) -> CloseOutSummary:
    """The close-out figures as they stand `today`: three grouped queries."""
    live = Q(voided_at__isnull=True)
    entries = Entry.objects.filter(migration=migration).aggregate(
        recorded=Count("pk", filter=live),
        re_entered=Count("pk", filter=live & Q(re_entered_at__isnull=False)),
        voided=Count("pk", filter=~live),
    )
    tasks = Task.objects.filter(migration=migration, status=Task.Status.OPEN).aggregate(
        open=Count("pk"), overdue=Count("pk", filter=Q(due_date__lt=today))
    )
    return CloseOutSummary(
        cutover_days=migration.cutover_days,
        fdp=migration.fdp_date.isoformat(),
        go_live=migration.go_live_date.isoformat(),
        reentry_recorded=entries["recorded"],
        reentry_re_entered=entries["re_entered"],
        reentry_voided=entries["voided"],
        reentry_left=entries["recorded"] - entries["re_entered"],
        late_switch_offs=ThirdPartyState.objects.filter(migration=migration, switched_off_late=True).count(),
        tasks_overdue=tasks["overdue"],
        tasks_open=tasks["open"],
        sign_offs=tuple(
            (
                sign_off.get_kind_display(),
                sign_off.get_decision_display(),
                f"{day_text(timezone.localdate(sign_off.signed_at))}",
                sign_off.signed_by.get_full_name() or sign_off.signed_by.email,
            )
            for sign_off in SignOff.objects.filter(migration=migration).select_related("signed_by")
        ),
    )


def completion_refusal(migration: Migration, *, today: datetime.date) -> str:
    """Why the migration cannot be completed today, or "" if it can."""
    if migration.is_closed:
        return f"This migration is already closed ({migration.get_status_display().lower()})."
    if today < migration.go_live_date:
        return (
            f"A migration can be completed from go-live day ({day_text(migration.go_live_date)}). "
            "Until then it can only be cancelled."
        )
    return ""


def _close(
    *, migration: Migration, outcome: str, note: str, by, today: datetime.date, at: datetime.datetime | None = None
) -> Closure:
    with transaction.atomic():
        locked = Migration.objects.select_for_update().get(pk=migration.pk)
        if outcome == Closure.Outcome.COMPLETED:
            refusal = completion_refusal(locked, today=today)
        else:
            refusal = completion_refusal(locked, today=today) if locked.is_closed else ""
        if refusal:
            raise ClosingRefused(refusal)
        closed_at = at or timezone.now()
        already_signed = SignOff.objects.filter(migration=locked, kind=SignOff.Kind.CLOSE_OUT).exists()
        sign_off = None
        if outcome == Closure.Outcome.COMPLETED and not already_signed:
            # Signed before the figures are taken, so the close-out summary lists it with the others.
            sign_off = SignOff(
                migration=locked,
                kind=SignOff.Kind.CLOSE_OUT,
                comment=note,
                signed_at=closed_at,
                signed_by=by,
            )
            sign_off._history_user = by
            sign_off.save()
        summary = closeout_summary(locked, today=today)
        locked.status = outcome
        locked.updated_by = by
        locked._history_user = by
        locked._change_reason = Truncator(f"{Closure.Outcome(outcome).label}: {note}").chars(100)
        locked.save(update_fields=["status", "updated_by", "updated_at"])
        closure = Closure(
            migration=locked,
            outcome=outcome,
            note=note,
            summary=dataclasses.asdict(summary),
            closed_at=closed_at,
            closed_by=by,
        )
        closure._history_user = by
        closure.save()
        # Audit: reminder rows are the system's own send record (audit/coverage.py); the note says why.
        ReminderLog.objects.filter(migration=locked, status=ReminderLog.Status.PENDING).update(
            status=ReminderLog.Status.CANCELLED, note=CLOSED_REMINDER_NOTE
        )
        if sign_off is not None:
            sign_off_announce(sign_off)  # after the cancelling, which would take this message too
    migration.status = locked.status
    return closure


def migration_complete(
    *,
    migration: Migration,
    lessons_learned: str,
    by,
    today: datetime.date | None = None,
    at: datetime.datetime | None = None,
) -> Closure:
    """Close a migration as completed, from go-live day on, keeping its close-out figures and lessons.

    `today` and `at` back-date the closing (the demo data's earlier migration uses them)."""
    if not lessons_learned.strip():
        raise ValidationError({"lessons_learned": "Write down what went well and what to do differently."})
    return _close(
        migration=migration,
        outcome=Closure.Outcome.COMPLETED,
        note=lessons_learned.strip(),
        by=by,
        today=today or local_today(),
        at=at,
    )


def migration_cancel(*, migration: Migration, reason: str, by, today: datetime.date | None = None) -> Closure:
    """Close a migration as cancelled, at any stage, with the reason."""
    if not reason.strip():
        raise ValidationError({"reason": "Say why the migration is cancelled."})
    return _close(
        migration=migration, outcome=Closure.Outcome.CANCELLED, note=reason.strip(), by=by, today=today or local_today()
    )


def migration_reopen(*, migration: Migration, reason: str, by) -> Closure:
    """Open a closed migration again (superusers only; the view checks). Refused while the practice
    has another active migration: one practice, one migration at a time."""
    if not reason.strip():
        raise ValidationError({"reason": "Say why the migration is reopened."})
    try:
        with transaction.atomic():
            locked = Migration.objects.select_for_update().get(pk=migration.pk)
            if not locked.is_closed:
                raise ClosingRefused("This migration is not closed.")
            closure = Closure.objects.standing().select_for_update().get(migration=locked)
            closure.reopened_at = timezone.now()
            closure.reopened_by = by
            closure.reopen_reason = reason.strip()
            closure._history_user = by
            closure.save()
            locked.status = Migration.Status.ACTIVE
            locked.updated_by = by
            locked._history_user = by
            locked._change_reason = Truncator(f"Reopened: {reason.strip()}").chars(100)
            locked.save(update_fields=["status", "updated_by", "updated_at"])
    except IntegrityError as exc:
        raise ClosingRefused(
            "The practice has started another migration since this one closed. Close that one before reopening this."
        ) from exc
    # Reminders still due for its dates are logged again (the sweep revives cancelled rows).
    reminders_refresh(migration=locked)
    migration.status = locked.status
    return closure


def standing_closure(migration: Migration) -> Closure | None:
    if not migration.is_closed:
        return None
    return Closure.objects.standing().filter(migration=migration).select_related("closed_by").first()
