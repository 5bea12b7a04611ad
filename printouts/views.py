"""The printable pages. Each is an ordinary page whose print stylesheet leaves out navigation and
buttons; the browser's Print (or Save as PDF) does the rest."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from cutover.access import get_migration_for_user
from cutover.timeline import local_today
from reentry.access import can_see_entries, get_migration_for_reentry
from reentry.models import AccessEvent
from reentry.services import access_event_record, reentry_counts

from .pack import pack_context, plan_by_phase, worklist_entries


@require_GET
@login_required
def print_pack(request, pk: int):
    migration = get_migration_for_user(request, pk)
    return render(
        request, "printouts/pack.html", pack_context(migration=migration, user=request.user, today=local_today())
    )


@require_GET
@login_required
def print_plan(request, pk: int):
    migration = get_migration_for_user(request, pk)
    context = {
        "migration": migration,
        "today": local_today(),
        "phases": plan_by_phase(migration),
        "can_see_entries": can_see_entries(request.user, migration),
    }
    return render(request, "printouts/plan.html", context)


@require_GET
@login_required
@never_cache
def print_worklist(request, pk: int):
    """Patient identifiers, so practice members only, and recorded as a look at the worklist."""
    migration = get_migration_for_reentry(request, pk)
    entries = list(worklist_entries(migration=migration, user=request.user))
    access_event_record(user=request.user, action=AccessEvent.Action.VIEWED_WORKLIST, migration=migration)
    context = {
        "migration": migration,
        "today": local_today(),
        "entries": entries,
        "counts": reentry_counts(migration),
    }
    return render(request, "printouts/worklist.html", context)
