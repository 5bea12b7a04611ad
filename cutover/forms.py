import datetime

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.conf import settings

from practices.models import Organisation

from .models import Migration
from .timeline import local_today, planning_meeting_due


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class MigrationForm(forms.ModelForm):
    """Create or change a migration. The same rules apply to both, except that a new
    migration cannot start in the past."""

    confirm_long_cutover = forms.BooleanField(
        required=False,
        label="Yes, the cutover really is this long",
        help_text="Tick to confirm a cutover longer than usual.",
    )

    class Meta:
        model = Migration
        fields = [
            "practice",
            "current_system",
            "current_supplier",
            "new_system",
            "new_supplier",
            "fdp_date",
            "go_live_date",
            "legacy_support_days",
            "planning_meeting_date",
        ]
        widgets = {
            "fdp_date": DateInput(),
            "go_live_date": DateInput(),
            "planning_meeting_date": DateInput(),
        }
        help_texts = {
            "current_system": "For example EMIS Web.",
            "new_system": "For example TPP SystmOne.",
            "fdp_date": "The day the current supplier takes the final extract. Cutover starts here.",
            "go_live_date": "The first day the practice works on the new system.",
        }

    def __init__(self, *args, practices, today: datetime.date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today or local_today()
        self.warnings: list[str] = []
        suppliers = Organisation.objects.filter(kind=Organisation.Kind.SUPPLIER)
        self.fields["current_supplier"].queryset = suppliers
        self.fields["new_supplier"].queryset = suppliers
        if self.instance.pk:
            # The practice of an existing migration never changes.
            del self.fields["practice"]
        else:
            self.fields["practice"].queryset = practices
            only = list(practices[:2])
            if len(only) == 1:
                self.fields["practice"].initial = only[0].pk
            # A meeting cannot have been held for a migration that does not exist yet.
            del self.fields["planning_meeting_date"]
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Save migration" if self.instance.pk else "Create migration"))

    def _refuse_past(self, name: str) -> None:
        value = self.cleaned_data.get(name)
        if value is None or value >= self.today:
            return
        is_new = self.instance.pk is None
        if is_new or value != getattr(self.instance, name):
            when = "A new migration" if is_new else "A date"
            self.add_error(name, f"{when} cannot be set in the past. Today is {self.today:%-d %b %Y}.")

    def clean_practice(self):
        practice = self.cleaned_data["practice"]
        if Migration.objects.active().filter(practice=practice).exists():
            raise forms.ValidationError(
                "This practice already has an active migration. Open that one instead, or close it first."
            )
        return practice

    def clean_planning_meeting_date(self):
        held = self.cleaned_data.get("planning_meeting_date")
        if held and held > self.today:
            raise forms.ValidationError("Record the meeting once it has happened: this date is in the future.")
        return held

    def clean(self):
        cleaned = super().clean()
        self._refuse_past("fdp_date")
        self._refuse_past("go_live_date")
        fdp, go_live = cleaned.get("fdp_date"), cleaned.get("go_live_date")
        if fdp and go_live:
            if go_live <= fdp:
                self.add_error("go_live_date", "Go-live must be after the FDP date.")
            elif (go_live - fdp).days > settings.MAX_CUTOVER_DAYS and not cleaned.get("confirm_long_cutover"):
                self.add_error(
                    "confirm_long_cutover",
                    f"This cutover lasts {(go_live - fdp).days} days, longer than the usual maximum of "
                    f"{settings.MAX_CUTOVER_DAYS}. Everything done in that time must be re-entered by hand: "
                    "tick to confirm, or bring go-live closer.",
                )
            if not self.errors and planning_meeting_due(fdp) < self.today and not cleaned.get("planning_meeting_date"):
                self.warnings.append(
                    f"FDP is less than {settings.PLANNING_MEETING_DAYS_BEFORE_FDP} days away, so the planning "
                    "meeting can no longer be held 4 weeks before it. Hold it as soon as you can."
                )
        return cleaned
