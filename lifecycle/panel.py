"""The close-out section of the migration page: the outcome, the figures at close and what to do next."""

from cutover.access import can_edit_migration
from cutover.models import Migration

from .closing import CloseOutSummary, standing_closure
from .models import SignOff
from .signoffs import can_sign_off_data


def closure_panel(migration: Migration, user, *, can_edit: bool | None = None) -> dict:
    """One query: the closure of a closed migration. `can_edit` saves a second when the page knows it."""
    closure = standing_closure(migration)
    if can_edit is None:
        can_edit = can_edit_migration(user, migration)
    return {
        "closure": closure,
        "closure_summary": CloseOutSummary.from_dict(closure.summary) if closure else None,
        "can_close": can_edit and not migration.is_closed,
        "can_reopen": migration.is_closed and user.is_superuser,
    }


def sign_offs_panel(migration: Migration, user, *, can_edit: bool, today) -> dict:
    """Two queries: the sign-offs, and whether the user is the practice's clinical lead."""
    sign_offs = list(SignOff.objects.filter(migration=migration).select_related("signed_by"))
    data_done = any(s.kind == SignOff.Kind.DATA_CHECKING and s.decision == SignOff.Decision.GO for s in sign_offs)
    go_live_done = any(s.kind == SignOff.Kind.GO_LIVE for s in sign_offs)
    return {
        "sign_offs": sign_offs,
        "can_sign_data": not data_done and can_sign_off_data(user, migration),
        "can_sign_go_live": can_edit and not go_live_done and today >= migration.go_live_date,
    }
