"""A programme lead's pages: their organisation's own tasks, added to the plans of its practices."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cutover.timeline import local_today
from tasks.local import local_item_create, local_item_push, local_item_push_plan, local_item_retire, local_item_update
from tasks.models import LocalPlanItem

from .access import get_local_item_for_lead, get_organisation_for_lead, require_programme_lead
from .forms import LocalTaskForm


@require_GET
@login_required
def programme_home(request):
    """Where "Your organisation's tasks" starts: straight to the list when the person leads one."""
    organisations = list(require_programme_lead(request))
    if len(organisations) == 1:
        return redirect("local-tasks", organisation_pk=organisations[0].pk)
    return render(request, "programme/home.html", {"organisations": organisations})


@require_GET
@login_required
def local_tasks(request, organisation_pk: int):
    organisation = get_organisation_for_lead(request, organisation_pk)
    items = (
        LocalPlanItem.objects.filter(organisation=organisation)
        .annotate(
            in_plans=Count("tasks", distinct=True),
            in_open_plans=Count("tasks", filter=Q(tasks__migration__status="active"), distinct=True),
        )
        .order_by("retired_at", "phase", "position", "pk")
    )
    return render(request, "programme/local_tasks.html", {"organisation": organisation, "items": items})


@require_http_methods(["GET", "POST"])
@login_required
def local_task_add(request, organisation_pk: int):
    organisation = get_organisation_for_lead(request, organisation_pk)
    form = LocalTaskForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        item = local_item_create(organisation=organisation, by=request.user, **form.cleaned_data)
        messages.success(
            request,
            f"“{item.title}” is added to the plan of every migration created from now on at "
            f"{organisation.name}'s practices. To add it to migrations already under way, push it.",
        )
        return redirect("local-tasks", organisation_pk=organisation.pk)
    return render(request, "programme/local_task_form.html", {"organisation": organisation, "form": form})


@require_http_methods(["GET", "POST"])
@login_required
def local_task_edit(request, organisation_pk: int, item_pk: int):
    item = get_local_item_for_lead(request, organisation_pk, item_pk)
    if item.is_retired:
        messages.error(request, "This task is retired, so it is no longer changed.")
        return redirect("local-tasks", organisation_pk=organisation_pk)
    initial = {name: getattr(item, name) for name in LocalTaskForm.base_fields}
    form = LocalTaskForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        local_item_update(item=item, by=request.user, **form.cleaned_data)
        messages.success(
            request,
            f"“{item.title}” is changed for migrations created from now on. "
            "Plans that already hold it keep their copy.",
        )
        return redirect("local-tasks", organisation_pk=organisation_pk)
    return render(
        request, "programme/local_task_form.html", {"organisation": item.organisation, "form": form, "item": item}
    )


@require_POST
@login_required
def local_task_retire(request, organisation_pk: int, item_pk: int):
    item = get_local_item_for_lead(request, organisation_pk, item_pk)
    if local_item_retire(item=item, by=request.user):
        messages.success(
            request, f"“{item.title}” is retired: new plans leave it out. Plans that already hold it keep it."
        )
    return redirect("local-tasks", organisation_pk=organisation_pk)


@require_http_methods(["GET", "POST"])
@login_required
def local_task_push(request, organisation_pk: int, item_pk: int):
    """Shows which open migrations would get the task (and which not, and why); POST adds it."""
    item = get_local_item_for_lead(request, organisation_pk, item_pk)
    today = local_today()
    if request.method == "POST" and not item.is_retired:
        added = local_item_push(item=item, by=request.user, today=today)
        count = len(added)
        if count:
            messages.success(request, f"“{item.title}” is added to {count} open migration{'s' if count != 1 else ''}.")
        else:
            messages.info(request, f"No open migration was missing “{item.title}”: nothing was added.")
        return redirect(reverse("local-task-push", args=[organisation_pk, item.pk]))
    plan = local_item_push_plan(item=item, today=today)
    context = {"organisation": item.organisation, "item": item, "plan": plan}
    return render(request, "programme/local_task_push.html", context)
