"""The Teams channel form (a webhook address and the events that go to it) and a person's reminder choices."""

import datetime

from django import forms

from cutover.text import CleanTextMixin

from .kinds import TASK_DIGEST
from .models import ReminderPreference, TeamsChannel
from .preferences import TEAMS_KINDS, digest_times, kind_label, preferences_load
from .teams import EVENT_FIELDS, MAX_URL_LENGTH, webhook_url_error


class TeamsChannelForm(CleanTextMixin, forms.Form):
    webhook_url = forms.CharField(
        label="Webhook address",
        max_length=MAX_URL_LENGTH,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "inputmode": "url"}),
        help_text=(
            'In the Teams channel, add the workflow "Post to a channel when a webhook request is received" '
            "and paste the address it gives you. It starts https://."
        ),
    )
    escalations = forms.BooleanField(label="No planning meeting recorded by its deadline", required=False)
    switch_off = forms.BooleanField(label="The switch-off window opens", required=False)
    fdp_day = forms.BooleanField(label="FDP day", required=False)
    go_live = forms.BooleanField(label="Go-live day", required=False)
    turned_red = forms.BooleanField(label="A migration turns red on the dashboard", required=False)
    sign_off = forms.BooleanField(
        label="A sign-off is recorded (data checking go or no-go, go-live, close-out)", required=False
    )

    def __init__(self, *args, channel: TeamsChannel | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.channel = channel
        connected = channel is not None and channel.is_connected
        for name in EVENT_FIELDS:
            self.fields[name].initial = getattr(channel, name) if connected else True
        if connected:
            self.fields[
                "webhook_url"
            ].help_text = (
                f"Now {channel.webhook_url_masked}. Leave empty to keep it, or paste a new address to replace it."
            )

    def clean_webhook_url(self) -> str:
        url = self.cleaned_data["webhook_url"].strip()
        if not url and not (self.channel and self.channel.is_connected):
            raise forms.ValidationError("Enter the webhook address.")
        if url:
            problem = webhook_url_error(url)
            if problem:
                raise forms.ValidationError(problem)
        return url

    @property
    def events(self) -> dict[str, bool]:
        return {name: self.cleaned_data[name] for name in EVENT_FIELDS}


class ReminderPreferencesForm(forms.Form):
    """Email, Teams or both for each kind a Teams channel carries, and the daily summary's time."""

    digest_at = forms.TypedChoiceField(
        label="Daily task summary at", coerce=lambda value: datetime.time.fromisoformat(value), choices=()
    )

    def __init__(self, *args, user, teams_available: bool, **kwargs):
        super().__init__(*args, **kwargs)
        saved = preferences_load([user.pk]).get(user.pk, {})
        times = digest_times()
        self.fields["digest_at"].choices = [(f"{t:%H:%M}", f"{t:%H:%M}") for t in times]
        digest = saved.get(TASK_DIGEST)
        self.fields["digest_at"].initial = f"{(digest and digest.digest_time) or times[0]:%H:%M}"
        self.fields["digest_at"].help_text = "UK time, on working days. Earlier than this, the summary is not sent."
        self.kind_fields = []
        if teams_available:
            for kind in TEAMS_KINDS:
                name = f"via_{kind}"
                self.fields[name] = forms.ChoiceField(
                    label=kind_label(kind),
                    choices=ReminderPreference.Via.choices,
                    widget=forms.RadioSelect,
                    required=False,  # a kind left out keeps email, the default
                    initial=saved[kind].via if kind in saved else ReminderPreference.Via.EMAIL,
                )
                self.kind_fields.append(name)

    @property
    def vias(self) -> dict[str, str]:
        return {
            name.removeprefix("via_"): self.cleaned_data[name] or ReminderPreference.Via.EMAIL
            for name in self.kind_fields
        }
