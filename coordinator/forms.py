import datetime

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.conf import settings

from cutover import timeline
from cutover.formatting import day_text
from cutover.models import Migration
from cutover.text import CleanTextMixin
from cutover.timeline import local_today, non_working_day_reason, planning_meeting_due, planning_meeting_held_error
from cutover.widgets import DateInput
from practices.models import Organisation


class MigrationForm(CleanTextMixin, forms.ModelForm):
    """Create or change a migration. The same rules apply to both, except that a new
    migration cannot start in the past."""

    confirm_long_cutover = forms.BooleanField(
        required=False,
        label="Yes, the cutover really is this long",
        help_text="Tick to confirm a cutover longer than usual.",
    )
    confirm_non_working_day = forms.BooleanField(
        required=False,
        label="Yes, keep this date on a weekend or bank holiday",
        help_text="Tick to confirm an FDP or go-live on a day the practice and suppliers may not be at work.",
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
            self.add_error(name, f"{when} cannot be set in the past. Today is {day_text(self.today)}.")

    def _confirm_non_working_days(self, cleaned: dict) -> None:
        """Weekend switch-overs happen, so a key date on a non-working day is allowed, but never by
        accident: a new or changed FDP or go-live on one must be confirmed."""
        reasons = []
        for name, label in (("fdp_date", "FDP"), ("go_live_date", "Go-live")):
            value = cleaned.get(name)
            changed = self.instance.pk is None or value != getattr(self.instance, name)
            reason = non_working_day_reason(value) if value and changed else ""
            if reason:
                reasons.append(f"{label}: {reason}.")
        if reasons and not cleaned.get("confirm_non_working_day"):
            self.add_error(
                "confirm_non_working_day",
                " ".join(reasons) + " Suppliers and staff may not be at work then: tick to confirm, or pick a "
                "working day.",
            )

    def _keep_lifecycle_in_order(self, fdp) -> None:
        """A moved FDP must stay after the lifecycle dates the migration set (and those worked from it)."""
        problems = timeline.lifecycle_date_errors(
            fdp, self.instance.lifecycle_given, editing={"fdp_date"}, planned_on=self.instance.planned_on
        )
        if problems:
            self.add_error(
                "fdp_date",
                " ".join(problems.values()) + " Change the lifecycle dates first, or pick a later FDP.",
            )

    def clean_practice(self):
        practice = self.cleaned_data["practice"]
        if Migration.objects.active().filter(practice=practice).exists():
            raise forms.ValidationError(
                "This practice already has an active migration. Open that one instead, or close it first."
            )
        return practice

    def clean(self):
        cleaned = super().clean()
        self._refuse_past("fdp_date")
        self._refuse_past("go_live_date")
        fdp, go_live = cleaned.get("fdp_date"), cleaned.get("go_live_date")
        held = cleaned.get("planning_meeting_date")
        if held:
            # The same rule as marking the planning-meeting task done, so both paths agree.
            error = planning_meeting_held_error(held, fdp=fdp or self.instance.fdp_date, today=self.today)
            if error:
                self.add_error("planning_meeting_date", error)
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
            self._confirm_non_working_days(cleaned)
            if self.instance.pk and fdp != self.instance.fdp_date:
                self._keep_lifecycle_in_order(fdp)
            due = planning_meeting_due(fdp)
            if not self.errors and due < self.today and not cleaned.get("planning_meeting_date"):
                # Said from the deadline itself: it can pass with FDP a little more than 28 days away.
                self.warnings.append(
                    f"FDP is on {day_text(fdp)} and the planning meeting deadline ({day_text(due)}) has passed, "
                    f"so the meeting can no longer be held {settings.PLANNING_MEETING_DAYS_BEFORE_FDP // 7} weeks "
                    "before it. Hold it as soon as you can."
                )
        return cleaned
