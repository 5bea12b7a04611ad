"""A migration's reminders as a page of their own: sent, failed and still to come.

The migration page folds its "Reminders" section away and fills it from here when someone opens
it (htmx asks for the section alone); without JavaScript, the section's link opens this page.
"""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from cutover.access import get_migration_for_user
from cutover.timeline import local_today

from .panel import reminders_panel


@require_GET
@login_required
def migration_reminders(request, pk: int):
    migration = get_migration_for_user(request, pk)
    context = {"migration": migration, **reminders_panel(migration, today=local_today())}
    if request.htmx:
        return render(request, "reminders/_panel.html#panel-body", context)
    return render(request, "reminders/migration_reminders.html", context)
