from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from cutover.access import can_manage_migration, get_migration_for_user
from reentry.access import can_see_entries

from .activity import activity_page, activity_people
from .forms import ActivityFilterForm


@require_GET
@login_required
def activity(request, pk: int):
    """Everyone who may see the migration may see what changed in it; nothing here names a patient."""
    migration = get_migration_for_user(request, pk)
    # The manager answers for the practice's records, so sees whom invitations went to and who
    # looked at patient details; nobody else does.
    manages = can_manage_migration(request.user, migration)
    form = ActivityFilterForm(
        request.GET or None, people=activity_people(migration, with_access=manages), with_access=manages
    )
    result = activity_page(
        migration,
        filters=form.filters(),
        page_number=request.GET.get("page"),
        per_page=settings.ACTIVITY_PAGE_SIZE,
        sees_entries=can_see_entries(request.user, migration),
        sees_invitees=manages,
    )
    return render(
        request,
        "audit/activity.html",
        {"migration": migration, "filter_form": form, "items": result.items, "page": result.page},
    )
