"""A person's own reminder choices, on the account pages."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from practices.models import OrganisationMembership, PracticeMembership

from .forms import ReminderPreferencesForm
from .models import TeamsChannel
from .preferences import preferences_save


def teams_channels_of(user):
    """The connected channels of the person's practices and organisations."""
    return TeamsChannel.objects.filter(
        Q(practice__in=PracticeMembership.objects.filter(user=user).values("practice_id"))
        | Q(organisation__in=OrganisationMembership.objects.filter(user=user).values("organisation_id"))
    ).exclude(webhook_url_encrypted="")


@require_http_methods(["GET", "POST"])
@login_required
def reminder_preferences(request):
    channels = list(teams_channels_of(request.user).select_related("practice", "organisation"))
    form = ReminderPreferencesForm(request.POST or None, user=request.user, teams_available=bool(channels))
    if request.method == "POST" and form.is_valid():
        preferences_save(user=request.user, vias=form.vias, digest_at=form.cleaned_data["digest_at"])
        messages.success(request, "Saved. Your reminders follow these choices from the next one.")
        return redirect("reminder-preferences")
    return render(request, "reminders/preferences.html", {"form": form, "channels": channels})
