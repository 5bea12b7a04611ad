from django import forms
from django.conf import settings

from cutover.text import CleanTextMixin


def lifetime_choices() -> list[tuple[int, str]]:
    days = sorted({30, settings.API_TOKEN_DAYS, 180, settings.API_TOKEN_MAX_DAYS})
    return [(d, f"{d} days" + (" (recommended)" if d == settings.API_TOKEN_DAYS else "")) for d in days]


class TokenCreateForm(CleanTextMixin, forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=100,
        help_text="What the token is for, so you can tell your tokens apart: for example 'ICB Power BI report'.",
        error_messages={"required": "Give the token a name."},
    )
    days = forms.TypedChoiceField(label="Expires after", coerce=int, choices=lifetime_choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["days"].initial = settings.API_TOKEN_DAYS
