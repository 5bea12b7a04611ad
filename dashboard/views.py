import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRefresh

from cutover.timeline import local_today

from . import columns, exports, rag, selectors, services, stages, wave_file
from . import wave_timeline as timeline
from .access import get_batch_for_user, import_organisations, require_importer
from .forms import DashboardFilterForm, ImportUploadForm
from .wave_file import layout

PREVIEW_PAGE_SIZE = 100


def _filtered(request, today: datetime.date):
    """The filter form and the user's migrations it selects, sorted as the URL asks."""
    form = DashboardFilterForm(request.GET, user=request.user)
    form.is_valid()  # an invalid filter is shown beside its field and left out; the others still apply
    sort = columns.normalise_sort(request.GET.get("sort"))
    qs = selectors.dashboard_queryset(user=request.user, filters=form.cleaned_data, sort=sort, today=today)
    return form, qs, sort


def _shown(request) -> tuple[columns.Column, ...]:
    return columns.chosen_columns(request.GET.getlist("cols"))


def _redirect_without_blanks(request):
    """The filter form sends every field; drop the empty ones so the shared link reads "?rag=red".

    The column checkboxes go too when they are the default set, for the same reason.
    """
    default_columns = "cols" in request.GET and columns.is_default(_shown(request))
    if not default_columns and all(value for value in request.GET.values()):
        return None
    query = request.GET.copy()
    for key, value in request.GET.items():
        if not value:
            query.pop(key)
    if default_columns:
        query.pop("cols")
    return HttpResponseRedirect(f"{request.path}?{query.urlencode()}" if query else request.path)


def _headers(sort: str, shown: tuple[columns.Column, ...]) -> list[dict]:
    headers = []
    for column in shown:
        current = sort.lstrip("-") == column.key
        descending = sort.startswith("-")
        headers.append(
            {
                "key": column.key,
                "label": column.label,
                "next_sort": f"-{column.key}" if current and not descending else column.key,
                "aria_sort": ("descending" if descending else "ascending") if current else "",
            }
        )
    return headers


# Parts of the query that are not filters: they do not count as "applied" and survive "Clear filters".
_NOT_FILTERS = {"sort", "page", "cols", "month"}


def _controls(request) -> dict:
    """What the shared filter form needs beside the form itself."""
    kept = request.GET.copy()
    for key in list(kept):
        if key not in {"cols", "month"}:
            kept.pop(key)
    return {
        "filters_applied": sum(1 for key, value in request.GET.items() if value and key not in _NOT_FILTERS),
        "kept_query": kept.urlencode(),
        "kept_columns": [column.key for column in _shown(request)] if "cols" in request.GET else [],
    }


@require_GET
@login_required
def dashboard(request):
    if redirect_to := _redirect_without_blanks(request):
        return redirect_to
    today = local_today()
    form, qs, sort = _filtered(request, today)
    summary = selectors.summary(qs)
    paginator = Paginator(qs, settings.DASHBOARD_PAGE_SIZE)
    paginator.count = summary["total"]  # the tiles have already counted the filtered rows
    page = paginator.get_page(request.GET.get("page"))
    shown = _shown(request)
    rows = [columns.Row(migration, today, shown) for migration in page]
    return render(
        request,
        "dashboard/dashboard.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "headers": _headers(sort, shown),
            "column_choices": [(column, column in shown) for column in columns.COLUMNS],
            "always_shown": columns.ALWAYS_SHOWN,
            "summary": summary,
            "rag_rules": rag.rag_explanation(),
            "stage_explanation": stages.stage_explanation(),
            "column_explanation": columns.column_explanation(),
            "can_import": import_organisations(request.user).exists(),
            "today": today,
            **_controls(request),
        },
    )


@require_GET
@login_required
def wave_calendar(request):
    if redirect_to := _redirect_without_blanks(request):
        return redirect_to
    today = local_today()
    form, qs, _ = _filtered(request, today)
    first = selectors.month_start(request.GET.get("month"), today)
    previous = (first - datetime.timedelta(days=1)).replace(day=1)
    following = (first + datetime.timedelta(days=31)).replace(day=1)
    return render(
        request,
        "dashboard/calendar.html",
        {
            "form": form,
            "month": first,
            "previous_month": f"{previous:%Y-%m}",
            "next_month": f"{following:%Y-%m}",
            "this_month": f"{today:%Y-%m}",
            "weeks": selectors.calendar_weeks(qs, first),
            "weekdays": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
            "today": today,
            **_controls(request),
        },
    )


@require_GET
@login_required
def wave_timeline(request):
    """FDP to go-live of each migration the filters select, a page at a time, on one time axis."""
    if redirect_to := _redirect_without_blanks(request):
        return redirect_to
    today = local_today()
    form, qs, _ = _filtered(request, today)
    stage_chosen = bool(form.cleaned_data.get("stage"))
    if not stage_chosen:
        # A wave finished long ago would stretch the axis until today's bars are slivers.
        qs = qs.exclude(stage_rank=stages.STAGE_BY_KEY["closed"].rank)
    page = Paginator(qs, settings.DASHBOARD_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [columns.Row(migration, today) for migration in page]
    return render(
        request,
        "dashboard/timeline.html",
        {
            "form": form,
            "page": page,
            "timeline": timeline.wave_timeline(rows=rows, today=today),
            "stage_chosen": stage_chosen,
            "today": today,
            **_controls(request),
        },
    )


@require_GET
@login_required
def export_csv(request):
    today = local_today()
    _, qs, _ = _filtered(request, today)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="migrations-{today:%Y-%m-%d}.csv"'
    # The byte order mark makes Excel read the file as UTF-8.
    response.write("\ufeff")
    exports.write_csv(response, exports.dashboard_rows(qs, today, _shown(request)))
    return response


@require_GET
@login_required
def export_xlsx(request):
    today = local_today()
    _, qs, _ = _filtered(request, today)
    response = HttpResponse(
        exports.xlsx_bytes(exports.dashboard_rows(qs, today, _shown(request)), sheet="Migrations"),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="migrations-{today:%Y-%m-%d}.xlsx"'
    return response


# --- Wave import ---------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def import_list(request):
    organisations = require_importer(request)
    form = ImportUploadForm(request.POST or None, request.FILES or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = services.import_batch_upload(
                organisation=form.cleaned_data["organisation"],
                file_name=upload.name,
                content=upload.read(),
                by=request.user,
            )
        except wave_file.UnreadableFile as exc:
            form.add_error("file", str(exc))
        else:
            services.import_batch_start_check(batch=batch)
            return redirect(batch)
    return render(
        request,
        "dashboard/import_list.html",
        {
            "form": form,
            "batches": selectors.import_batches(organisations),
            "columns": layout.WAVE_COLUMNS,
            "date_examples": layout.DATE_EXAMPLES,
        },
    )


@require_GET
@login_required
def import_template(request, fmt: str):
    require_importer(request)
    rows = list(layout.template_rows())
    if fmt == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        exports.write_csv(response, rows)
    else:
        notes = [["Column", "Required", "What to write"]] + [
            [column.header, "yes" if column.required else "no", column.help] for column in layout.WAVE_COLUMNS
        ]
        response = HttpResponse(
            exports.xlsx_bytes(rows, sheet="Wave", notes=notes),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="wave-template.{fmt}"'
    return response


@require_GET
@login_required
def import_detail(request, pk: int):
    batch = get_batch_for_user(request, pk)
    if batch.in_progress and services.import_batch_give_up_if_stalled(batch=batch):
        batch.refresh_from_db()
    if request.htmx:
        if not batch.in_progress:
            return HttpResponseClientRefresh()
        return render(request, "dashboard/import_detail.html#progress", {"batch": batch})
    only_problems = request.GET.get("problems") == "1"
    only_new = request.GET.get("new") == "1"
    rows = batch.rows.all()
    # We hold no copy of the national register, so a mistyped ODS code looks like a practice new to
    # the service: the preview counts and lists those rows so the ICB can check their codes.
    new_practices = rows.filter(new_practice=True, has_errors=False)
    if only_problems:
        rows = rows.filter(Q(has_errors=True) | Q(has_warnings=True))
    elif only_new:
        rows = new_practices
    page = Paginator(rows, PREVIEW_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "dashboard/import_detail.html",
        {
            "batch": batch,
            "page": page,
            "only_problems": only_problems,
            "only_new": only_new,
            "new_practices": new_practices.count(),
            "columns": layout.WAVE_COLUMNS,
        },
    )


@require_POST
@login_required
def import_confirm(request, pk: int):
    batch = get_batch_for_user(request, pk)
    if services.import_batch_confirm(batch=batch, by=request.user):
        batch.refresh_from_db()
        if batch.status == batch.Status.IMPORTED:
            count = batch.migrations_created
            messages.success(request, f"Created {count} migration{pluralize(count)}.")
        elif batch.status == batch.Status.READY:
            messages.error(request, "Nothing was created: something changed since the check. See the rows below.")
    elif batch.status == batch.Status.IMPORTED:
        messages.info(request, "This wave was already imported. Nothing was created twice.")
    else:
        messages.error(request, "This file cannot be imported yet: fix the rows with errors and upload it again.")
    return redirect(batch)
