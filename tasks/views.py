"""The plan pages. Every write is a POST that redirects back without JavaScript and, when htmx
sends it, answers with the re-rendered task row (plus the progress bars, swapped out of band).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cutover.history import history_entries
from cutover.timeline import local_today

from . import services
from .access import get_plan_for_user, get_task_for_user
from .forms import TaskAssignForm, TaskCustomForm, TaskDueForm, TaskNoteForm, TaskStatusForm
from .selectors import (
    assign_options,
    checklist_build,
    plan_progress_for,
    task_attach_rejected,
    tasks_for_checklist,
    tasks_mark_for_row,
)

PAGE = "tasks/checklist.html"
ROW_FIELDS = {"reason", "text", "assignee"}  # the fields a task row shows its errors beside


def _flag(request, name: str) -> bool:
    return request.GET.get(name) == "1"


def _next_url(request, migration) -> str:
    """Where to go back to: the checklist as the person was viewing it (filters kept), never off-site."""
    url = request.POST.get("next", "")
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return reverse("plan", args=[migration.pk])


def _checklist_context(request, migration, access, *, failed_task_id=None, **failed_forms) -> dict:
    today = local_today()
    mine, overdue = _flag(request, "mine"), _flag(request, "overdue")
    options = assign_options(migration) if access.can_assign else None
    checklist = checklist_build(
        migration=migration, today=today, user=request.user, mine=mine, overdue=overdue, options=options
    )
    if failed_task_id:
        # Show the rejected form, with its errors, in the row it came from.
        for group in checklist.phases:
            for task in group.tasks:
                if task.pk == failed_task_id:
                    for kind, form in failed_forms.items():
                        task_attach_rejected(task, kind=kind, form=form)
    return {
        "migration": migration,
        "access": access,
        "checklist": checklist,
        "today": today,
        "filters": {"mine": mine, "overdue": overdue},
        "assign_options": options,
        "next_url": request.get_full_path() if request.method == "GET" else _next_url(request, migration),
    }


def _describe(task) -> str:
    when = date_format(task.status_changed_at, "DATETIME_FORMAT") if task.status_changed_at else ""
    if task.is_done:
        return f"it is now marked done by {task.status_changed_by} ({when})"
    if task.is_not_applicable:
        return f"it is now marked not applicable by {task.status_changed_by} ({when})"
    if task.status_changed_by:
        return f"it was reopened by {task.status_changed_by} ({when})"
    return "someone else changed it"


def _stale_message(task) -> str:
    return (
        f"“{task.title}” changed after you opened the page: {_describe(task)}. Nothing was saved. "
        "Check the task as it is now and try again if you still need to."
    )


def _after_write(request, migration, access, task, *, message: str = "", level=messages.SUCCESS, **failed_forms):
    """The answer to a write: the task row for htmx, otherwise back to the checklist.

    A rejected form without JavaScript re-renders the whole checklist with the errors beside
    the field (status 400); with htmx the row comes back with the errors inside it.
    """
    rejected = any(form.errors for form in failed_forms.values())
    # Errors on fields the row does not show (the hidden version, the button's value) become a message.
    stray = [
        str(error)
        for form in failed_forms.values()
        for name, errors in form.errors.items()
        if name not in ROW_FIELDS
        for error in errors
    ]
    if stray:
        message, level = " ".join(stray), messages.ERROR
    if request.htmx:
        options = assign_options(migration) if access.can_assign else None
        task = tasks_for_checklist(migration).get(pk=task.pk)
        tasks_mark_for_row(migration, [task], today=local_today(), options=options)
        for kind, form in failed_forms.items():
            task_attach_rejected(task, kind=kind, form=form)
        context = {
            "migration": migration,
            "access": access,
            "task": task,
            "today": local_today(),
            "assign_options": options,
            "next_url": _next_url(request, migration),
            "row_message": message if level != messages.SUCCESS else "",
            "row_status": message if level == messages.SUCCESS else "",
        }
        overall, phases = plan_progress_for(migration)
        html = render_to_string(f"{PAGE}#task-row", context, request=request)
        html += render_to_string(
            f"{PAGE}#progress-oob", {"progress_items": [overall, *phases], "oob": True}, request=request
        )
        return HttpResponse(html)
    if rejected:
        if message:
            messages.add_message(request, level, message)
        context = _checklist_context(request, migration, access, failed_task_id=task.pk, **failed_forms)
        return render(request, PAGE, context, status=400)
    if message:
        messages.add_message(request, level, message)
    return redirect(f"{_next_url(request, migration)}#task-{task.pk}")


@require_GET
@login_required
def checklist(request, pk: int):
    migration, access = get_plan_for_user(request, pk)
    return render(request, PAGE, _checklist_context(request, migration, access))


@require_GET
@login_required
def task_detail(request, pk: int, task_pk: int):
    migration, task, access = get_task_for_user(request, pk, task_pk)
    task.template_key = task.template_item.key if task.template_item_id else None
    tasks_mark_for_row(migration, [task], today=local_today(), options=None)
    return render(
        request,
        "tasks/task_detail.html",
        {
            "migration": migration,
            "task": task,
            "access": access,
            "notes": task.notes.select_related("author"),
            "due_date_changes": task.due_date_changes.select_related("changed_by"),
            "history": history_entries(task),
        },
    )


@require_POST
@login_required
def task_status(request, pk: int, task_pk: int):
    migration, task, access = get_task_for_user(request, pk, task_pk, need="can_update")
    form = TaskStatusForm(request.POST)
    if not form.is_valid():
        return _after_write(request, migration, access, task, status=form)
    status = form.cleaned_data["status"]
    try:
        task = services.task_set_status(
            task=task,
            status=status,
            by=request.user,
            version=form.cleaned_data["version"],
            reason=form.cleaned_data["reason"],
        )
    except services.StaleTask as stale:
        return _after_write(
            request, migration, access, stale.task, message=_stale_message(stale.task), level=messages.WARNING
        )
    except services.TaskNotReady as not_ready:
        return _after_write(request, migration, access, task, message=str(not_ready), level=messages.WARNING)
    done_text = {"done": "marked done", "open": "reopened", "not_applicable": "marked not applicable"}[status]
    return _after_write(request, migration, access, task, message=f"“{task.title}” {done_text}.")


@require_POST
@login_required
def task_note_add(request, pk: int, task_pk: int):
    migration, task, access = get_task_for_user(request, pk, task_pk, need="can_update")
    form = TaskNoteForm(request.POST)
    if not form.is_valid():
        return _after_write(request, migration, access, task, note=form)
    try:
        services.task_note_add(task=task, text=form.cleaned_data["text"], by=request.user)
    except ValidationError as exc:
        form.add_error(None, exc)
        return _after_write(request, migration, access, task, note=form)
    return _after_write(request, migration, access, task, message=f"Note added to “{task.title}”.")


@require_POST
@login_required
def task_assign(request, pk: int, task_pk: int):
    migration, task, access = get_task_for_user(request, pk, task_pk, need="can_assign")
    form = TaskAssignForm(request.POST, options=assign_options(migration))
    if not form.is_valid():
        return _after_write(request, migration, access, task, assign=form)
    assignee, contact = form.cleaned_data["assignee"]
    try:
        task = services.task_assign(
            task=task, assignee=assignee, contact=contact, by=request.user, version=form.cleaned_data["version"]
        )
    except services.StaleTask as stale:
        return _after_write(
            request, migration, access, stale.task, message=_stale_message(stale.task), level=messages.WARNING
        )
    except ValidationError as exc:
        form.add_error("assignee", exc.message_dict.get("assignee", exc.messages))
        return _after_write(request, migration, access, task, assign=form)
    who = assignee or (contact and contact.display_name) or "nobody"
    return _after_write(request, migration, access, task, message=f"“{task.title}” assigned to {who}.")


@require_http_methods(["GET", "POST"])
@login_required
def task_add(request, pk: int):
    migration, _ = get_plan_for_user(request, pk, need="can_manage")
    form = TaskCustomForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        task = services.task_create_custom(
            migration=migration,
            title=form.cleaned_data["title"],
            guidance=form.cleaned_data["guidance"],
            phase=form.cleaned_data["phase"],
            **form.rule(),
            by=request.user,
        )
        messages.success(request, f"“{task.title}” added to the plan, due {date_format(task.due_date)}.")
        return redirect(f"{reverse('plan', args=[migration.pk])}#task-{task.pk}")
    return render(
        request, "tasks/task_form.html", {"migration": migration, "form": form}, status=400 if form.errors else 200
    )


@require_http_methods(["GET", "POST"])
@login_required
def task_due_edit(request, pk: int, task_pk: int):
    migration, task, _ = get_task_for_user(request, pk, task_pk, need="can_manage")
    form = TaskDueForm(request.POST or None, task=task)
    if request.method == "POST" and form.is_valid():
        try:
            task = services.task_change_due(
                task=task,
                **form.rule(),
                reason=form.cleaned_data["reason"],
                by=request.user,
                version=form.cleaned_data["version"],
            )
        except services.StaleTask as stale:
            task = stale.task
            form = TaskDueForm(task=task)
            messages.warning(request, _stale_message(task))
            return render(
                request, "tasks/task_due_form.html", {"migration": migration, "task": task, "form": form}, status=409
            )
        else:
            messages.success(request, f"“{task.title}” is now due {date_format(task.due_date)}.")
            return redirect(f"{reverse('plan', args=[migration.pk])}#task-{task.pk}")
    return render(
        request,
        "tasks/task_due_form.html",
        {"migration": migration, "task": task, "form": form},
        status=400 if form.errors else 200,
    )
