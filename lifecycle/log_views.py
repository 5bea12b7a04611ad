"""The data-checking log page: counts for everyone who sees the migration; the log for the practice."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from cutover.access import get_migration_for_user

from . import data_checking
from .forms import IssueStateForm, PatientComparisonForm, ReportComparisonForm, SupplierIssueForm
from .models import ReportComparison, SupplierIssue

MEMBERS_ONLY = "Only members of the practice can keep its data-checking log."
FORMS = {"patient": PatientComparisonForm, "report": ReportComparisonForm, "issue": SupplierIssueForm}


@require_http_methods(["GET", "POST"])
@login_required
def data_checking_log(request, pk: int):
    migration = get_migration_for_user(request, pk)
    member = data_checking.can_see_log_details(request.user, migration)
    bound = {}
    if request.method == "POST":
        if not member:
            raise PermissionDenied(MEMBERS_ONLY)
        action = request.POST.get("action")
        if action == "issue-state":
            return _issue_state(request, migration)
        if action not in FORMS:
            return HttpResponseBadRequest("Unknown action.")
        form = FORMS[action](request.POST, prefix=action)
        if form.is_valid():
            _save(action, form, migration, request.user)
            messages.success(request, "Logged.")
            return redirect(reverse("data-checking-log", args=[migration.pk]) + f"#{action}s")
        bound[action] = form
    context = {"migration": migration, "member": member, "counts": data_checking.data_checking_counts(migration)}
    if member and not migration.is_closed:
        context["forms"] = {name: bound.get(name) or form(prefix=name) for name, form in FORMS.items()}
    if member:
        context |= {
            "reports": ReportComparison.objects.filter(migration=migration),
            "issues": SupplierIssue.objects.filter(migration=migration),
            "states": SupplierIssue.State.choices,
        }
    return render(request, "lifecycle/data_checking.html", context)


def _save(action: str, form, migration, by) -> None:
    data = form.cleaned_data
    if action == "patient":
        data_checking.patient_comparison_record(migration=migration, outcome=data["outcome"], by=by)
    elif action == "report":
        data_checking.report_comparison_record(migration=migration, **data, by=by)
    else:
        data_checking.supplier_issue_raise(migration=migration, summary=data["summary"], by=by)


def _issue_state(request, migration):
    form = IssueStateForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest("Choose a state for the issue.")
    issue = get_object_or_404(SupplierIssue, pk=form.cleaned_data["issue"], migration=migration)
    data_checking.supplier_issue_set_state(issue=issue, state=form.cleaned_data["state"], by=request.user)
    messages.success(request, f"Issue marked {issue.get_state_display().lower()}.")
    return redirect(reverse("data-checking-log", args=[migration.pk]) + "#issues")
