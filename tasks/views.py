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
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cutover.formatting import day_text, moment_text
from cutover.history import history_entries
from cutover.timeline import local_today

from . import services
from .access import PlanAccess, get_plan_for_user, get_task_for_user
from .completion import PLANNING_MEETING_TASK
from .forms import TaskAssignForm, TaskCustomForm, TaskDueForm, TaskNoteForm, TaskStatusForm
from .meeting import planning_meeting_mark_held, planning_meeting_reopen
from .models import Phase, Task
from .plan_cache import keep_plan, kept_plan, plan_fingerprint, plan_key, with_csrf
from .rows import task_rows_html
from .selectors import (
    assign_options,
    my_tasks,
    plan_build,
    plan_progress_for,
    task_attach_rejected,
    tasks_for_rows,
    tasks_mark_for_row,
)

PAGE = "tasks/plan.html"
DETAIL = "tasks/task_detail.html"
# The fields the task page shows its errors beside; any other error becomes a message.
FORM_FIELDS = {"reason", "text", "assignee", "held_on", "clear_meeting"}


def _flag(request, name: str) -> bool:
    return request.GET.get(name) == "1"


def _next_url(request, migration) -> str:
    """Where to go back to: the page the person came from (the plan with its filters, the task's
    own page, My tasks), never off-site."""
    url = request.POST.get("next", "")
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return reverse("plan", args=[migration.pk])


def plan_filters(request) -> dict:
    phase = request.GET.get("phase", "")
    filters = {"mine": _flag(request, "mine"), "overdue": _flag(request, "overdue"), "phase": phase}
    if phase not in Phase.values:
        filters["phase"] = ""
    filters["any"] = any(filters.values())
    return filters


def plan_page_context(request, migration, access) -> dict:
    """What the plan's page needs around the plan itself: its day, filters and the row links' "next"."""
    filters = plan_filters(request)
    return {
        "migration": migration,
        "access": access,
        "today": local_today(),
        "filters": filters,
        "phase_choices": Phase.choices,
        # Rows send "next" only when it is not the plan itself (the default), to keep each row small.
        "next_url": request.get_full_path() if filters["any"] else "",
    }


def plan_phases(request, context: dict, fingerprint: str | None, *, third_party_states: list | None = None):
    """The plan for a plan_page_context: kept from an earlier view of the same rows, or built and
    kept (tasks/plan_cache.py). Sets the context's `plan` (the Checklist built, or the kept plan,
    whose progress and counts the templates read alike) and returns the kept plan, whose phases
    have a slot where each row form's CSRF field goes (with_csrf fills it).

    `fingerprint` (plan_fingerprint) must be read before anything else the plan shows, so a change
    committed meanwhile can only make the kept entry unreachable.
    """
    key = fingerprint and plan_key(context["migration"], fingerprint, context, user=request.user)
    kept = kept_plan(key)
    if kept is None:
        filters = context["filters"]
        context["plan"] = plan_build(
            migration=context["migration"],
            today=context["today"],
            user=request.user,
            mine=filters["mine"],
            overdue=filters["overdue"],
            phase=filters["phase"],
            third_party_states=third_party_states,
        )
        kept = keep_plan(key, request, context, PAGE)
    else:
        context["plan"] = kept  # the templates read a kept plan's progress and counts as a built one's
    return kept


def _describe(task) -> str:
    when = moment_text(task.status_changed_at) if task.status_changed_at else ""
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


def _detail_context(request, migration, access, task, **failed_forms) -> dict:
    """The task's own page: its guidance, notes, history, and the forms that change it."""
    task.template_key = task.template_item.key if task.template_item_id else None
    options = assign_options(migration) if access.can_assign else None
    tasks_mark_for_row(migration, [task], today=local_today(), options=options)
    for kind, form in failed_forms.items():
        task_attach_rejected(task, kind=kind, form=form)
    return {
        "migration": migration,
        "task": task,
        "access": access,
        "today": local_today(),
        "assign_options": options,
        "next_url": reverse("task-detail", args=[migration.pk, task.pk]),
        "plan_row_url": f"{reverse('plan', args=[migration.pk])}#task-{task.pk}",
        "notes": task.notes.select_related("author"),
        "due_date_changes": task.due_date_changes.select_related("changed_by"),
        "history": history_entries(task),
    }


def _after_write(request, migration, access, task, *, message: str = "", level=messages.SUCCESS, **failed_forms):
    """The answer to a write: the task row for htmx, otherwise back where the person came from.

    A rejected form without JavaScript re-renders the task's own page (where the forms are) with
    the errors beside the field (status 400); with htmx the row comes back with the error in it.
    """
    rejected = any(form.errors for form in failed_forms.values())
    # Errors on fields no form shows (the hidden version, the button's value) become a message.
    stray = [
        str(error)
        for form in failed_forms.values()
        for name, errors in form.errors.items()
        if name not in FORM_FIELDS
        for error in errors
    ]
    if stray:
        message, level = " ".join(stray), messages.ERROR
    if request.htmx:
        task = tasks_for_rows(migration).get(pk=task.pk)
        tasks_mark_for_row(migration, [task], today=local_today(), options=None)
        errors = [" ".join(errors) for form in failed_forms.values() for errors in form.errors.values()]
        row_message = message if level != messages.SUCCESS else " ".join(dict.fromkeys(errors))
        show_practice = _next_url(request, migration).startswith(reverse("my-tasks"))
        overall, phases = plan_progress_for(migration)
        html = task_rows_html(
            request,
            [task],
            migration=migration,
            access=access,
            next_url=request.POST.get("next", "") and _next_url(request, migration),
            show_practice=show_practice,
            row_message=row_message,
        )
        html += render_to_string(
            f"{PAGE}#progress-oob", {"progress_items": [overall, *phases], "oob": True}, request=request
        )
        live = message if level == messages.SUCCESS else ""
        html += render_to_string(f"{PAGE}#live-region", {"live_text": live, "oob": True}, request=request)
        return HttpResponse(html)
    if rejected:
        if message:
            messages.add_message(request, level, message)
        return render(request, DETAIL, _detail_context(request, migration, access, task, **failed_forms), status=400)
    if message:
        messages.add_message(request, level, message)
    url = _next_url(request, migration)
    return redirect(url if "#" in url or "/tasks/" in url else f"{url}#task-{task.pk}")


@require_GET
@login_required
def plan(request, pk: int):
    # The plan names the practice and nothing else of the migration's organisations.
    migration, access = get_plan_for_user(request, pk, related=("practice",))
    fingerprint = plan_fingerprint(migration)
    context = plan_page_context(request, migration, access)
    context["phases_html"] = with_csrf(request, plan_phases(request, context, fingerprint).phases_html)
    return render(request, PAGE, context)


@require_GET
@login_required
def my_tasks_page(request):
    """My tasks: what practice staff and IT leads land on. Only tasks at practices the person works
    at, and only of active migrations, so every row may be ticked."""
    today = local_today()
    return render(
        request,
        "tasks/my_tasks.html",
        {
            "mine": my_tasks(user=request.user, today=today),
            "today": today,
            "access": PlanAccess(can_update=True),
            "next_url": request.get_full_path(),
        },
    )


@require_GET
@login_required
def task_detail(request, pk: int, task_pk: int):
    migration, task, access = get_task_for_user(request, pk, task_pk)
    return render(request, DETAIL, _detail_context(request, migration, access, task))


@require_POST
@login_required
def task_status(request, pk: int, task_pk: int):
    migration, task, access = get_task_for_user(request, pk, task_pk, need="can_update")
    meeting_task = task.template_item_id is not None and task.template_item.key == PLANNING_MEETING_TASK
    held_before = migration.planning_meeting_date
    form = TaskStatusForm(
        request.POST, planning_meeting=meeting_task, meeting_recorded=task.is_done and held_before is not None
    )
    # The planning meeting's date and clear-or-keep choice sit in the row's own forms, not "Not applicable".
    kind = "meeting" if meeting_task and request.POST.get("status") in {"done", "open"} else "status"
    if not form.is_valid():
        return _after_write(request, migration, access, task, **{kind: form})
    status = form.cleaned_data["status"]
    version = form.cleaned_data["version"]
    try:
        if kind == "meeting" and status == Task.Status.DONE:
            task = planning_meeting_mark_held(
                task=task, held_on=form.cleaned_data["held_on"], by=request.user, version=version
            )
        elif kind == "meeting":
            task = planning_meeting_reopen(
                task=task, by=request.user, version=version, clear_meeting=form.clears_meeting
            )
        else:
            task = services.task_set_status(
                task=task, status=status, by=request.user, version=version, reason=form.cleaned_data["reason"]
            )
    except services.StaleTask as stale:
        return _after_write(
            request, migration, access, stale.task, message=_stale_message(stale.task), level=messages.WARNING
        )
    except services.TaskNotReady as not_ready:
        return _after_write(request, migration, access, task, message=str(not_ready), level=messages.WARNING)
    except ValidationError as exc:  # a meeting date the service refuses (in the future, years ago)
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return _after_write(request, migration, access, task, **{kind: form})
    return _after_write(
        request,
        migration,
        access,
        task,
        message=_status_message(
            task, status, meeting_task=meeting_task, held_before=held_before, held=migration.planning_meeting_date
        ),
    )


def _status_message(task, status: str, *, meeting_task: bool, held_before, held) -> str:
    done_text = {"done": "marked done", "open": "reopened", "not_applicable": "marked not applicable"}[status]
    if meeting_task and status == Task.Status.DONE and held:
        return f"“{task.title}” marked done: the meeting held on {day_text(held)} is recorded."
    if meeting_task and status == Task.Status.OPEN and held_before and held is None:
        return f"“{task.title}” reopened, and the recorded meeting date was cleared."
    if meeting_task and status == Task.Status.OPEN and held:
        return f"“{task.title}” reopened; the meeting held on {day_text(held)} stays recorded."
    return f"“{task.title}” {done_text}."


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
    form = TaskCustomForm(request.POST or None, migration=migration)
    if request.method == "POST" and form.is_valid():
        task = services.task_create_custom(
            migration=migration,
            title=form.cleaned_data["title"],
            guidance=form.cleaned_data["guidance"],
            phase=form.cleaned_data["phase"],
            **form.rule(),
            by=request.user,
        )
        messages.success(request, f"“{task.title}” added to the plan, due {day_text(task.due_date)}.")
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
            messages.success(request, f"“{task.title}” is now due {day_text(task.due_date)}.")
            return redirect(f"{reverse('plan', args=[migration.pk])}#task-{task.pk}")
    return render(
        request,
        "tasks/task_due_form.html",
        {"migration": migration, "task": task, "form": form},
        status=400 if form.errors else 200,
    )
