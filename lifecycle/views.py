"""Closing and reopening a migration. The manager completes or cancels it; a superuser reopens it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from coordinator import services as migration_services
from cutover.access import get_migration_for_user, refuse_if_closed
from cutover.timeline import local_today

from . import closing, signoffs
from .forms import (
    CancelForm,
    CompleteForm,
    DataCheckingSignOffForm,
    GoLiveSignOffForm,
    LifecycleDatesForm,
    ReopenForm,
    with_button,
)
from .models import SignOff


def _refused(form, exc: Exception) -> None:
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, str(exc.messages[0] if isinstance(exc, ValidationError) else exc))


@require_http_methods(["GET", "POST"])
@login_required
def migration_complete(request, pk: int):
    migration = get_migration_for_user(request, pk, edit=True)
    today = local_today()
    refusal = closing.completion_refusal(migration, today=today)
    form = with_button(CompleteForm(request.POST or None), "Complete the migration")
    if request.method == "POST" and form.is_valid():
        try:
            closing.migration_complete(
                migration=migration, lessons_learned=form.cleaned_data["lessons_learned"], by=request.user, today=today
            )
        except (closing.ClosingRefused, ValidationError) as exc:
            _refused(form, exc)
        else:
            messages.success(
                request, "Migration completed. It is now read-only, and the practice can plan its next migration."
            )
            return redirect(migration)
    return render(
        request,
        "lifecycle/complete.html",
        {
            "migration": migration,
            "form": form,
            "refusal": refusal,
            "summary": closing.closeout_summary(migration, today=today),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def migration_cancel(request, pk: int):
    migration = get_migration_for_user(request, pk, edit=True)
    form = with_button(CancelForm(request.POST or None), "Cancel the migration", "nhsuk-button--warning")
    if request.method == "POST" and form.is_valid():
        try:
            closing.migration_cancel(migration=migration, reason=form.cleaned_data["reason"], by=request.user)
        except (closing.ClosingRefused, ValidationError) as exc:
            _refused(form, exc)
        else:
            messages.success(
                request, "Migration cancelled. It is now read-only, and the practice can plan another migration."
            )
            return redirect(migration)
    return render(request, "lifecycle/cancel.html", {"migration": migration, "form": form})


@require_http_methods(["GET", "POST"])
@login_required
def migration_reopen(request, pk: int):
    migration = get_migration_for_user(request, pk, allow_closed=True)
    if not request.user.is_superuser:
        raise PermissionDenied("Only a system administrator can reopen a closed migration.")
    form = with_button(ReopenForm(request.POST or None), "Reopen the migration")
    if request.method == "POST" and form.is_valid():
        try:
            closing.migration_reopen(migration=migration, reason=form.cleaned_data["reason"], by=request.user)
        except (closing.ClosingRefused, ValidationError) as exc:
            _refused(form, exc)
        else:
            messages.success(request, "Migration reopened. Its people can change it again.")
            return redirect(migration)
    return render(
        request,
        "lifecycle/reopen.html",
        {"migration": migration, "form": form, "closure": closing.standing_closure(migration)},
    )


@require_http_methods(["GET", "POST"])
@login_required
def lifecycle_dates(request, pk: int):
    """The order, kick-off, IDP and data-checking sign-off dates; open plan tasks follow a moved date."""
    migration = get_migration_for_user(request, pk, edit=True)
    # An empty form is a valid answer here (every date left to its default), so bind on any POST.
    form = LifecycleDatesForm(request.POST if request.method == "POST" else None, instance=migration)
    if request.method == "POST" and form.is_valid():
        migration_services.migration_update(
            migration=migration, by=request.user, **{name: form.cleaned_data[name] for name in form.fields}
        )
        messages.success(request, "Lifecycle dates saved. The plan's open tasks follow them.")
        return redirect(migration)
    return render(request, "lifecycle/dates.html", {"migration": migration, "form": form})


@require_http_methods(["GET", "POST"])
@login_required
def signoff_data_checking(request, pk: int):
    """The clinical lead's go or no-go; a no-go asks for new dates and moves the plan."""
    migration = get_migration_for_user(request, pk)
    refuse_if_closed(migration)
    if not signoffs.can_sign_off_data(request.user, migration):
        raise PermissionDenied(signoffs.CLINICAL_LEAD_ONLY)
    form = DataCheckingSignOffForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            sign_off = signoffs.signoff_data_checking(migration=migration, by=request.user, **form.cleaned_data)
        except (signoffs.SignOffRefused, ValidationError) as exc:
            _refused(form, exc)
        else:
            if sign_off.decision == SignOff.Decision.GO:
                messages.success(request, "Data checking signed off: FDP can go ahead.")
            else:
                messages.warning(request, "No-go recorded. FDP, go-live and the plan's open tasks have moved.")
            return redirect(migration)
    return render(
        request,
        "lifecycle/signoff_data_checking.html",
        {
            "migration": migration,
            "form": form,
            "refusal": signoffs.already_signed_off(migration, SignOff.Kind.DATA_CHECKING),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def signoff_go_live(request, pk: int):
    """The practice manager confirms the practice is live on the new system."""
    migration = get_migration_for_user(request, pk, edit=True)
    refusal = signoffs.go_live_refusal(migration, today=local_today())
    form = GoLiveSignOffForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            signoffs.signoff_go_live(migration=migration, by=request.user, comment=form.cleaned_data["comment"])
        except signoffs.SignOffRefused as exc:
            _refused(form, exc)
        else:
            messages.success(request, "Go-live signed off.")
            return redirect(migration)
    return render(request, "lifecycle/signoff_go_live.html", {"migration": migration, "form": form, "refusal": refusal})
