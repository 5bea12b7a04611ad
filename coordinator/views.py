from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from coordinator.people_panel import people_panel
from cutover.access import can_edit_migration, get_migration_for_user
from cutover.history import history_entries
from cutover.models import Migration
from cutover.timeline import local_today
from practices.models import PracticeMembership, practices_managed_by
from reentry.panel import reentry_panel
from reminders.panel import reminders_panel
from systems.third_party import third_party_states
from tasks.access import plan_access
from tasks.plan_cache import with_csrf
from tasks.selectors import with_plan_progress
from tasks.views import plan_page_context, plan_phases

from . import services
from .forms import MigrationForm
from .page_cache import keep_page, kept_page, page_fingerprints, page_key

CHANGES_SHOWN = 20
PAGE = "coordinator/migration_detail.html"

Role = PracticeMembership.Role

# What the services take from the form: the practice is chosen once, at creation, and the planning
# meeting is recorded on an existing migration only.
MIGRATION_FIELDS = [name for name in MigrationForm.Meta.fields if name not in ("practice", "planning_meeting_date")]


@require_GET
@login_required
def home(request):
    """Where each role lands after signing in: practice managers on their migrations, practice
    staff and IT leads on My tasks, ICB and delivery-partner people on the dashboard."""
    roles = set(request.user.practice_memberships.values_list("role", flat=True))
    if request.user.is_superuser or Role.PRACTICE_MANAGER in roles:
        return redirect("migration-list")
    if roles:
        return redirect("my-tasks")
    if request.user.organisation_memberships.exists():
        return redirect("dashboard")
    return redirect("migration-list")


@require_GET
@login_required
def migration_list(request):
    today = local_today()
    migrations = with_plan_progress(
        Migration.objects.visible_to(request.user)
        .select_related("practice", "current_supplier", "new_supplier")
        .order_by("status", "fdp_date", "practice__name"),
        today=today,
    )
    return render(
        request,
        "coordinator/migration_list.html",
        {
            "migrations": migrations,
            "can_create": practices_managed_by(request.user).exists(),
            "today": today,
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
    return render(request, "coordinator/migration_form.html", {"form": form, "creating": True})


@require_GET
@login_required
def migration_detail(request, pk: int):
    """The migration page: a summary (stage, next deadlines, progress, what needs action now) and the
    plan first; people, key dates, re-entry, reminders and history (both folded away) after.

    On PostgreSQL its content is kept for each person until a row it could show changes
    (coordinator/page_cache.py), so most views cost the access check and one fingerprint query."""
    migration = get_migration_for_user(request, pk)
    # Read before anything they cover, so a change committed meanwhile can only make a kept entry unreachable.
    fingerprints = page_fingerprints(migration)
    today = local_today()
    key = fingerprints[1] and page_key(migration, fingerprints, request=request, today=today)
    kept = kept_page(key)
    if kept is not None:
        return render(request, PAGE, {"migration": migration, "content_html": with_csrf(request, kept)})
    # Loaded once for the plan's third-party tasks (when it is built) and the people panel.
    states = third_party_states(migration)
    context = plan_page_context(request, migration, plan_access(request.user, migration))
    context["today"] = today  # the day the page is kept for
    # A tick on this page without JavaScript comes back here, not to the plan page.
    context["next_url"] = request.get_full_path()
    plan = plan_phases(request, context, fingerprints[0], third_party_states=states)
    key_dates = migration.key_dates(today)
    can_edit = can_edit_migration(request.user, migration)
    context.update(
        key_dates=key_dates,
        can_edit=can_edit,
        plan_summary=plan.summary,
        **people_panel(migration, today=today, states=states),
        **reentry_panel(migration, request.user),
        **reminders_panel(migration, today=today, coming_up=None),
    )
    context["needs_action"] = _needs_action(context, key_dates=key_dates, can_edit=can_edit)
    # The content is kept with its CSRF slots (the phases' among them), and each view fills them.
    context["phases_html"] = plan.phases_html
    content = keep_page(key, request, context, f"{PAGE}#content")
    return render(request, PAGE, {**context, "content_html": with_csrf(request, content)})


@require_GET
@login_required
def migration_changes(request, pk: int):
    """The changes to the migration's own record. Its section on the migration page is folded away,
    so the page leaves them (four queries) to be loaded when someone opens it; without JavaScript
    the section's link opens them as a page."""
    migration = get_migration_for_user(request, pk)
    context = {
        "migration": migration,
        "history": history_entries(migration, limit=CHANGES_SHOWN),
        "limit": CHANGES_SHOWN,
    }
    if request.htmx:
        return render(request, "coordinator/_migration_changes.html#changes-body", context)
    return render(request, "coordinator/migration_changes.html", context)


def _needs_action(context: dict, *, key_dates, can_edit: bool) -> list[str]:
    """What someone should act on now, in words, gathered from the sections further down the page."""
    migration = context["migration"]
    items = []
    if not context["people_panel"]["confirmed"] and not migration.is_closed and can_edit:
        items.append("Confirm who is involved, so reminders and tasks reach the right people.")
    items.extend(context["people_panel"]["warnings"])
    items.extend(item.warning for item in key_dates if item.warning)
    failed = len(context["reminders"]["failed"])
    if failed:
        items.append(f"{failed} reminder{'s' if failed != 1 else ''} could not be sent: see Reminders below.")
    return items


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
    return render(request, "coordinator/migration_form.html", {"form": form, "migration": migration})
