"""Pages of the re-entry log. Every one goes through access.get_migration_for_reentry().

Patient identifiers never go into a URL (entries are addressed by their number), a flash message
or a log line, and pages that show them are not cached.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import QueryDict, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cutover.access import refuse_if_closed
from cutover.history import history_entries
from cutover.timeline import local_today
from practices.models import User

from . import services
from .access import get_entry_for_user, get_migration_for_reentry
from .export import csv_lines
from .forms import EntryForm, LogFilterForm, VoidForm, WorklistFilterForm
from .models import IDENTIFYING_FIELDS, AccessEvent, Entry, re_entry_open, recording_window

LAST_KIND_KEY = "reentry_last_kind"


@require_http_methods(["GET", "POST"])
@login_required
@never_cache
@sensitive_post_parameters(*IDENTIFYING_FIELDS)
def entry_record(request, pk: int):
    migration = get_migration_for_reentry(request, pk)
    refuse_if_closed(migration)
    today = local_today()
    window = recording_window(migration)
    context = {"migration": migration, "window": window, "today": today, "section": "record"}
    if not window.is_open(today):
        return render(request, "reentry/record.html", context)
    form = EntryForm(request.POST or None, migration=migration, last_kind=request.session.get(LAST_KIND_KEY, ""))
    if request.method == "POST" and form.is_valid():
        try:
            entry, created = services.entry_record(migration=migration, **form.entry_fields(), by=request.user)
        except ValidationError as exc:
            _add_service_errors(form, exc)
        except services.ReentryActionRefused as exc:
            form.add_error(None, str(exc))
        else:
            request.session[LAST_KIND_KEY] = entry.kind
            if created:
                # Kind and time only: messages travel in a cookie, so no patient detail goes in one.
                messages.success(
                    request,
                    f"Recorded entry {entry.pk}: {entry.get_kind_display()}. The form is ready for the next one.",
                )
            return redirect("reentry-record", pk=migration.pk)
    recent = (
        Entry.objects.visible_to(request.user)
        .filter(migration=migration, recorded_by=request.user)
        .order_by("-recorded_at", "-pk")[:5]
    )
    context |= {"form": form, "recent": recent, "paper_only": window.paper_only(today)}
    return render(request, "reentry/record.html", context)


def _add_service_errors(form, exc: ValidationError) -> None:
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for name, errors in exc.error_dict.items():
        form.add_error(name if name in form.fields else None, errors)


@require_GET
@login_required
def paper_form(request, pk: int):
    migration = get_migration_for_reentry(request, pk)
    return render(
        request,
        "reentry/paper_form.html",
        {"migration": migration, "rows": range(12), "stock_rows": range(8), "section": "paper"},
    )


@require_GET
@login_required
@never_cache
def worklist(request, pk: int):
    migration = get_migration_for_reentry(request, pk)
    recorders = User.objects.filter(pk__in=Entry.objects.filter(migration=migration).values("recorded_by")).order_by(
        "first_name", "last_name", "email"
    )
    filter_form = WorklistFilterForm(request.GET or None, migration=migration, recorders=recorders)
    entries = (
        Entry.objects.visible_to(request.user)
        .filter(migration=migration, **filter_form.filters())
        .to_re_enter()
        .select_related("recorded_by")
        .order_by("occurred_at", "pk")
    )
    page = Paginator(entries, settings.REENTRY_PAGE_SIZE).get_page(request.GET.get("page"))
    services.access_event_record(user=request.user, action=AccessEvent.Action.VIEWED_WORKLIST, migration=migration)
    return render(
        request,
        "reentry/worklist.html",
        {
            "migration": migration,
            "filter_form": filter_form,
            "page": page,
            "counts": services.reentry_counts(migration),
            "can_mark": re_entry_open(migration, local_today()),
            "return_query": _filter_query(request.GET),
            "section": "worklist",
        },
    )


def _filter_query(params: QueryDict) -> str:
    """The worklist's own filters and page, rebuilt from known keys so nothing else rides along."""
    kept = QueryDict(mutable=True)
    for key in ("kind", "recorded_by", "page"):
        if params.get(key):
            kept[key] = params[key]
    return kept.urlencode()


@require_POST
@login_required
def worklist_mark(request, pk: int):
    migration = get_migration_for_reentry(request, pk)
    back = reverse("reentry-worklist", args=[migration.pk])
    query = _filter_query(QueryDict(request.POST.get("return_query", "")))
    if query:
        back = f"{back}?{query}"
    try:
        ids = [int(value) for value in request.POST.getlist("entries")]
    except ValueError:
        ids = []
    if not ids:
        messages.error(request, "Tick at least one entry to mark it re-entered.")
        return redirect(back)
    try:
        marked = services.entries_mark_re_entered(migration=migration, entry_ids=ids, by=request.user)
    except services.ReentryActionRefused as exc:
        messages.error(request, str(exc))
        return redirect(back)
    skipped = len(set(ids)) - marked
    text = f"Marked {marked} entr{'y' if marked == 1 else 'ies'} re-entered."
    if skipped:
        text += f" {skipped} {'was' if skipped == 1 else 'were'} already re-entered or void, and left as they were."
    messages.success(request, text)
    return redirect(back)


@require_GET
@login_required
@never_cache
def log(request, pk: int):
    migration = get_migration_for_reentry(request, pk)
    filter_form = LogFilterForm(request.GET or None, migration=migration)
    entries = (
        Entry.objects.visible_to(request.user)
        .filter(filter_form.filters(), migration=migration)
        .select_related("recorded_by", "re_entered_by", "checked_by", "voided_by")
        .order_by("occurred_at", "pk")
    )
    page = Paginator(entries, settings.REENTRY_PAGE_SIZE).get_page(request.GET.get("page"))
    services.access_event_record(user=request.user, action=AccessEvent.Action.VIEWED_LOG, migration=migration)
    query = QueryDict(mutable=True)
    for key in ("status", "kind"):
        if request.GET.get(key):
            query[key] = request.GET[key]
    return render(
        request,
        "reentry/log.html",
        {
            "migration": migration,
            "filter_form": filter_form,
            "page": page,
            "counts": services.reentry_counts(migration),
            "filter_query": query.urlencode(),
            "section": "log",
        },
    )


@require_GET
@login_required
@never_cache
def export_csv(request, pk: int):
    migration = get_migration_for_reentry(request, pk)
    services.access_event_record(user=request.user, action=AccessEvent.Action.EXPORTED_CSV, migration=migration)
    entries = (
        Entry.objects.visible_to(request.user)
        .filter(migration=migration)
        .select_related("recorded_by", "re_entered_by", "checked_by", "voided_by")
        .order_by("occurred_at", "pk")
    )
    response = StreamingHttpResponse(
        csv_lines(entries.iterator(chunk_size=500)), content_type="text/csv; charset=utf-8"
    )
    filename = f"re-entry-log-{migration.practice.ods_code}-{local_today():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
@login_required
@never_cache
def entry_detail(request, pk: int, entry_pk: int):
    entry = get_entry_for_user(request, pk, entry_pk)
    services.access_event_record(
        user=request.user, action=AccessEvent.Action.VIEWED_ENTRY, migration=entry.migration, entry=entry
    )
    today = local_today()
    return render(
        request,
        "reentry/entry_detail.html",
        {
            "migration": entry.migration,
            "entry": entry,
            "history": history_entries(entry),
            "access_events": entry.access_events.select_related("user")[:20],
            "can_mark": re_entry_open(entry.migration, today) and not entry.is_re_entered and not entry.is_voided,
            "can_check": entry.is_re_entered and not entry.is_checked and entry.re_entered_by_id != request.user.pk,
            "can_void": not entry.is_re_entered and not entry.is_voided,
            "section": "log",
        },
    )


def _back(request, entry: Entry) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return entry.get_absolute_url()


@require_POST
@login_required
def entry_mark(request, pk: int, entry_pk: int):
    entry = get_entry_for_user(request, pk, entry_pk)
    try:
        services.entry_mark_re_entered(entry=entry, by=request.user)
    except services.ReentryActionRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Entry {entry.pk} marked re-entered.")
    return redirect(_back(request, entry))


@require_POST
@login_required
def entry_check(request, pk: int, entry_pk: int):
    entry = get_entry_for_user(request, pk, entry_pk)
    try:
        services.entry_mark_checked(entry=entry, by=request.user)
    except services.ReentryActionRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Entry {entry.pk} checked. Thank you for the second look.")
    return redirect(_back(request, entry))


@require_http_methods(["GET", "POST"])
@login_required
@never_cache
def entry_void(request, pk: int, entry_pk: int):
    entry = get_entry_for_user(request, pk, entry_pk)
    refuse_if_closed(entry.migration)
    if request.method == "GET":
        # The page shows the entry's details beside the form, so opening it counts as viewing the entry.
        services.access_event_record(
            user=request.user, action=AccessEvent.Action.VIEWED_ENTRY, migration=entry.migration, entry=entry
        )
    form = VoidForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.entry_void(entry=entry, reason=form.cleaned_data["reason"], by=request.user)
        except ValidationError as exc:
            _add_service_errors(form, exc)
        except services.ReentryActionRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Entry {entry.pk} is void. It stays in the log with your reason.")
            return redirect(entry)
    return render(
        request,
        "reentry/void.html",
        {"migration": entry.migration, "entry": entry, "form": form, "section": "log"},
    )
