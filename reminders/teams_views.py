"""Pages to connect a Microsoft Teams channel: a practice manager for the practice, an ICB or
delivery-partner user for their organisation. Sending is in send.py; what is sent, teams_rules.py."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from practices.models import Organisation, OrganisationMembership, practices_managed_by, practices_visible_to

from .forms import TeamsChannelForm
from .models import TeamsChannel
from .teams import (
    TeamsDeliveryError,
    teams_channel_disconnect,
    teams_channel_save,
    teams_post,
    test_card,
    webhook_decrypt,
)

OVERSEERS = [Organisation.Kind.ICB, Organisation.Kind.DELIVERY_PARTNER]


def organisations_managed_by(user):
    """The ICBs and delivery partners whose channel this person may set: their own (any, for superusers)."""
    organisations = Organisation.objects.filter(kind__in=OVERSEERS)
    if user.is_superuser:
        return organisations
    return organisations.filter(pk__in=OrganisationMembership.objects.filter(user=user).values("organisation_id"))


@require_GET
@login_required
def teams_channels(request):
    practices = practices_managed_by(request.user).select_related("teams_channel")
    organisations = organisations_managed_by(request.user).select_related("teams_channel")
    return render(request, "reminders/teams_channels.html", {"practices": practices, "organisations": organisations})


@require_http_methods(["GET", "POST"])
@login_required
def teams_channel_practice(request, practice_pk: int):
    practice = get_object_or_404(practices_visible_to(request.user), pk=practice_pk)
    if not practices_managed_by(request.user).filter(pk=practice.pk).exists():
        raise PermissionDenied("Only the practice manager can connect the practice's Teams channel.")
    channel = TeamsChannel.objects.filter(practice=practice).first()
    return _channel_page(request, owner_name=practice.name, channel=channel, owner={"practice": practice})


@require_http_methods(["GET", "POST"])
@login_required
def teams_channel_organisation(request, organisation_pk: int):
    organisation = get_object_or_404(organisations_managed_by(request.user), pk=organisation_pk)
    channel = TeamsChannel.objects.filter(organisation=organisation).first()
    return _channel_page(request, owner_name=organisation.name, channel=channel, owner={"organisation": organisation})


def _channel_page(request, *, owner_name: str, channel: TeamsChannel | None, owner: dict):
    """One form, three buttons: send a test message (saves nothing), save, disconnect.

    A test that fails, or a new address whose test message fails, is an error beside the address
    and nothing is saved."""
    action = request.POST.get("action", "save")
    if request.method == "POST" and action == "disconnect" and channel is not None:
        teams_channel_disconnect(channel=channel)
        messages.success(request, f"Teams is disconnected from {owner_name}: nothing more goes to that channel.")
        return redirect("teams-channels")
    form = TeamsChannelForm(request.POST or None, channel=channel)
    if request.method == "POST" and form.is_valid():
        url = form.cleaned_data["webhook_url"]
        try:
            if action == "test":
                teams_post(url=url or webhook_decrypt(channel), card=test_card(owner=owner_name))
            else:
                teams_channel_save(channel=channel, url=url, events=form.events, **owner)
        except TeamsDeliveryError as exc:
            form.add_error("webhook_url", f"Teams did not take a test message: {exc}. Check the address and try again.")
        else:
            if action == "test":
                messages.success(request, "A test message went to the channel. Press Save to keep these settings.")
            else:
                messages.success(request, f"Saved. Messages for {owner_name} now go to the Teams channel.")
                return redirect("teams-channels")
    return render(
        request, "reminders/teams_channel_form.html", {"form": form, "channel": channel, "owner_name": owner_name}
    )
