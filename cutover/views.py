from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from practices.models import practices_managed_by
from practices.panel import people_panel
from reentry.panel import reentry_panel
from tasks.selectors import plan_summary

from . import services
from .access import can_edit_migration, get_migration_for_user
from .forms import MigrationForm
from .history import history_entries
from .models import Migration
from .reminders import reminders_panel
from .timeline import local_today

MIGRATION_FIELDS = [
    "current_system",
    "current_supplier",
    "new_system",
    "new_supplier",
    "fdp_date",
    "go_live_date",
    "legacy_support_days",
]


@require_GET
def home(request):
    return redirect("migration-list")


@require_GET
@login_required
def migration_list(request):
    migrations = (
        Migration.objects.visible_to(request.user)
        .select_related("practice", "current_supplier", "new_supplier")
        .order_by("status", "fdp_date", "practice__name")
    )
    return render(
        request,
        "cutover/migration_list.html",
        {
            "migrations": migrations,
            "can_create": practices_managed_by(request.user).exists(),
            "today": local_today(),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def migration_create(request):
    practices = practices_managed_by(request.user)
    if not practices.exists():
        raise PermissionDenied("Only a practice manager can plan a migration.")
    form = MigrationForm(request.POST or None, practices=practices)
    if request.method == "POST" and form.is_valid():
        try:
            migration = services.migration_create(
                practice=form.cleaned_data["practice"],
                **{name: form.cleaned_data[name] for name in MIGRATION_FIELDS},
                by=request.user,
            )
        except services.MigrationConflict as exc:
            form.add_error("practice", str(exc))
        else:
            messages.success(request, "Migration created. Here is its timeline.")
            for warning in form.warnings:
                messages.warning(request, warning)
            return redirect(migration)
    return render(request, "cutover/migration_form.html", {"form": form, "creating": True})


@require_GET
@login_required
def migration_detail(request, pk: int):
    migration = get_migration_for_user(request, pk)
    today = local_today()
    history = history_entries(migration)
    return render(
        request,
        "cutover/migration_detail.html",
        {
            "migration": migration,
            "key_dates": migration.key_dates(today),
            "today": today,
            "can_edit": can_edit_migration(request.user, migration),
            "history": history,
            **people_panel(migration, today=today),
            **reentry_panel(migration, request.user),
            **reminders_panel(migration, today=today),
            **plan_summary(migration, today=today),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def migration_edit(request, pk: int):
    migration = get_migration_for_user(request, pk, edit=True)
    form = MigrationForm(request.POST or None, instance=migration, practices=None)
    if request.method == "POST" and form.is_valid():
        services.migration_update(
            migration=migration,
            by=request.user,
            **{name: form.cleaned_data[name] for name in [*MIGRATION_FIELDS, "planning_meeting_date"]},
        )
        messages.success(request, "Migration saved. The timeline below uses the new dates.")
        for warning in form.warnings:
            messages.warning(request, warning)
        return redirect(migration)
    return render(request, "cutover/migration_form.html", {"form": form, "migration": migration})
