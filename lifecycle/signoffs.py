"""Sign-offs: the clinical lead's go or no-go on the data checking, go-live, and close-out.

A no-go needs new FDP and go-live dates: the plan moves with the clinical lead's reason, as any move
of the dates does (coordinator.services.migration_update). Close-out is signed when the migration is
completed (closing.py).
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from coordinator import services as migration_services
from cutover import timeline
from cutover.formatting import day_text
from cutover.models import Migration
from cutover.timeline import local_today
from practices.models import PracticeMembership
from reminders.teams_announced import (
    SIGN_OFF_CLOSE_OUT,
    SIGN_OFF_DATA_CHECKING,
    SIGN_OFF_GO_LIVE,
    teams_announce,
)

from .models import SignOff

TEAMS_KINDS = {
    SignOff.Kind.DATA_CHECKING: SIGN_OFF_DATA_CHECKING,
    SignOff.Kind.GO_LIVE: SIGN_OFF_GO_LIVE,
    SignOff.Kind.CLOSE_OUT: SIGN_OFF_CLOSE_OUT,
}

CLINICAL_LEAD_ONLY = "Only the practice's clinical lead can sign off the data checking."


class SignOffRefused(Exception):
    """The sign-off cannot be given now; the message says why, to the user."""


def can_sign_off_data(user, migration: Migration) -> bool:
    """The practice's clinical lead (a member marked so in the admin). A clinical decision, so not superusers."""
    if not user.is_authenticated or migration.is_closed:
        return False
    return PracticeMembership.objects.filter(
        user=user, practice_id=migration.practice_id, is_clinical_lead=True
    ).exists()


def already_signed_off(migration: Migration, kind: str) -> str:
    done = SignOff.objects.filter(migration=migration, kind=kind, decision=SignOff.Decision.GO).first()
    if done is None:
        return ""
    return (
        f"{done.get_kind_display()} was signed off on {date_format(timezone.localdate(done.signed_at), 'DATE_FORMAT')}."
    )


def _no_go_date_errors(migration: Migration, *, fdp, go_live, signoff_due, today: datetime.date) -> dict[str, str]:
    errors = {}
    if fdp is None:
        errors["new_fdp_date"] = "A no-go needs a new FDP date."
    elif fdp <= max(migration.fdp_date, today):
        errors["new_fdp_date"] = (
            f"A no-go moves FDP later: pick a date after {day_text(max(migration.fdp_date, today))}."
        )
    if go_live is None:
        errors["new_go_live_date"] = "A no-go needs a new go-live date."
    elif fdp and go_live <= fdp:
        errors["new_go_live_date"] = "Go-live must be after the FDP date."
    if not errors:
        given = {**migration.lifecycle_given, "data_signoff_due": signoff_due}
        for field, message in timeline.lifecycle_date_errors(
            fdp, given, editing={"data_signoff_due"}, planned_on=migration.planned_on
        ).items():
            errors["new_data_signoff_due" if field == "data_signoff_due" else "new_fdp_date"] = message
    return errors


def signoff_data_checking(
    *,
    migration: Migration,
    by,
    decision: str,
    comment: str = "",
    reports_compared: str = "",
    open_issues: str = "",
    new_fdp_date: datetime.date | None = None,
    new_go_live_date: datetime.date | None = None,
    new_data_signoff_due: datetime.date | None = None,
) -> SignOff:
    """Record the clinical lead's decision. A no-go needs a reason and new dates, and moves the plan.

    SignOffRefused if `by` is not the clinical lead or data checking already has its go;
    ValidationError (by field) for a no-go without a reason or dates, or with dates out of order.
    """
    if not can_sign_off_data(by, migration):
        raise SignOffRefused(CLINICAL_LEAD_ONLY)
    comment = comment.strip()
    if decision == SignOff.Decision.NO_GO:
        errors = _no_go_date_errors(
            migration, fdp=new_fdp_date, go_live=new_go_live_date, signoff_due=new_data_signoff_due, today=local_today()
        )
        if not comment:
            errors["comment"] = "Say why the data is not ready, so the plan's history keeps the reason."
        if errors:
            raise ValidationError(errors)
    with transaction.atomic():
        locked = Migration.objects.select_for_update().get(pk=migration.pk)
        if refusal := already_signed_off(locked, SignOff.Kind.DATA_CHECKING):
            raise SignOffRefused(refusal)
        sign_off = SignOff(
            migration=locked,
            kind=SignOff.Kind.DATA_CHECKING,
            decision=decision,
            comment=comment,
            reports_compared=reports_compared.strip(),
            open_issues=open_issues.strip(),
            signed_at=timezone.now(),
            signed_by=by,
        )
        sign_off._history_user = by
        sign_off.save()
        if decision == SignOff.Decision.NO_GO:
            migration_services.migration_update(
                migration=locked,
                by=by,
                reason=f"Data checking no-go: {comment}",
                fdp_date=new_fdp_date,
                go_live_date=new_go_live_date,
                data_signoff_due=new_data_signoff_due,
            )
        sign_off_announce(sign_off)
    return sign_off


def go_live_refusal(migration: Migration, *, today: datetime.date) -> str:
    if today < migration.go_live_date:
        return f"Go-live can be signed off from go-live day, {day_text(migration.go_live_date)}."
    return already_signed_off(migration, SignOff.Kind.GO_LIVE)


def signoff_go_live(*, migration: Migration, by, comment: str = "", today: datetime.date | None = None) -> SignOff:
    """The practice manager confirms the practice is live on the new system (from go-live day)."""
    today = today or local_today()
    with transaction.atomic():
        locked = Migration.objects.select_for_update().get(pk=migration.pk)
        if refusal := go_live_refusal(locked, today=today):
            raise SignOffRefused(refusal)
        sign_off = SignOff(
            migration=locked,
            kind=SignOff.Kind.GO_LIVE,
            comment=comment.strip(),
            signed_at=timezone.now(),
            signed_by=by,
        )
        sign_off._history_user = by
        sign_off.save()
        sign_off_announce(sign_off)
    return sign_off


def sign_off_lines(sign_off: SignOff) -> list[str]:
    """What a Teams channel is told: the decision, who and when, and where a no-go moved the dates.
    Never the comment: the ICB's and partner's channels get it too, and a comment could name a patient."""
    migration = sign_off.migration
    who = sign_off.signed_by.get_full_name() or sign_off.signed_by.email
    when = day_text(timezone.localdate(sign_off.signed_at))
    if sign_off.kind == SignOff.Kind.DATA_CHECKING:
        lines = [f"Data checking: {sign_off.get_decision_display().lower()}, signed off by {who} on {when}."]
        if sign_off.decision == SignOff.Decision.NO_GO:
            lines.append(
                f"FDP moves to {day_text(migration.fdp_date)} and go-live to {day_text(migration.go_live_date)}."
            )
        return lines
    if sign_off.kind == SignOff.Kind.GO_LIVE:
        return [f"Go-live signed off by {who} on {when}."]
    return [f"Completed and closed by {who} on {when}."]


def sign_off_announce(sign_off: SignOff) -> None:
    """Tell the Teams channels that chose sign-offs (reminders.teams_announced), in the same transaction."""
    teams_announce(
        kind=TEAMS_KINDS[sign_off.kind],
        items=[(sign_off.migration, sign_off_lines(sign_off))],
        today=local_today(),
    )
