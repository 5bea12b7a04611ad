from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms

from cutover import timeline
from cutover.formatting import day_text
from cutover.models import Migration
from cutover.text import CleanTextMixin
from cutover.widgets import DateInput

from .models import PatientComparison, ReportComparison, SignOff, SupplierIssue


class CompleteForm(CleanTextMixin, forms.Form):
    lessons_learned = forms.CharField(
        label="Lessons learned",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
        help_text="What went well, what did not, and what the next practice should do differently.",
    )


class CancelForm(CleanTextMixin, forms.Form):
    reason = forms.CharField(
        label="Why is this migration cancelled?",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text="For example: the practice merged, or the ICB postponed the wave.",
    )


class ReopenForm(CleanTextMixin, forms.Form):
    reason = forms.CharField(
        label="Why is this migration reopened?",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )


def with_button(form: forms.Form, label: str, css: str = "") -> forms.Form:
    form.helper = FormHelper()
    form.helper.add_input(Submit("submit", label, css_class=css))
    return form


class LifecycleDatesForm(CleanTextMixin, forms.ModelForm):
    """The lifecycle dates before the cutover. Each may be left empty: it is then worked back from FDP."""

    class Meta:
        model = Migration
        fields = list(timeline.LIFECYCLE_FIELDS)
        widgets = {field: DateInput() for field in timeline.LIFECYCLE_FIELDS}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        fdp, planned_on = self.instance.fdp_date, self.instance.planned_on
        for item in timeline.LIFECYCLE_DATES:
            others = {**self.instance.lifecycle_given, item.field: None}
            default = timeline.lifecycle_dates(fdp, others, planned_on=planned_on)[item.field]
            worked = (
                f"{item.working_days_before_fdp} working days before FDP"
                if default == timeline.lifecycle_default(item.field, fdp)
                else "the day this migration was planned, as the usual lead time had passed"
            )
            self.fields[item.field].help_text = f"{item.explanation} Leave empty for {day_text(default)}, {worked}."
        with_button(self, "Save the lifecycle dates")

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            for field, message in timeline.lifecycle_date_errors(
                self.instance.fdp_date, cleaned, editing=set(self.changed_data), planned_on=self.instance.planned_on
            ).items():
                self.add_error(field, message)
        return cleaned


class DataCheckingSignOffForm(CleanTextMixin, forms.Form):
    decision = forms.ChoiceField(
        label="Is the data ready for FDP?",
        choices=[(SignOff.Decision.GO, "Go: FDP can go ahead"), (SignOff.Decision.NO_GO, "No-go: move FDP")],
        widget=forms.RadioSelect,
    )
    reports_compared = forms.CharField(
        label="Reports compared",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example: QOF, cytology, immunisations and list size match, or how they differ.",
    )
    open_issues = forms.CharField(
        label="Issues still open with the supplier",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    comment = forms.CharField(
        label="Comment",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Needed for a no-go: why the data is not ready. It is kept with the moved dates.",
    )
    new_fdp_date = forms.DateField(
        label="New FDP date", required=False, widget=DateInput(), validators=[timeline.validate_plannable_date]
    )
    new_go_live_date = forms.DateField(
        label="New go-live date", required=False, widget=DateInput(), validators=[timeline.validate_plannable_date]
    )
    new_data_signoff_due = forms.DateField(
        label="New data-checking sign-off deadline",
        required=False,
        widget=DateInput(),
        validators=[timeline.validate_plannable_date],
        help_text="Leave empty to work it out from the new FDP.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        with_button(self, "Record the sign-off")


class GoLiveSignOffForm(CleanTextMixin, forms.Form):
    comment = forms.CharField(
        label="Comment",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Anything to note: how the first day went, what is still to do.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        with_button(self, "Sign off go-live")


class PatientComparisonForm(forms.Form):
    outcome = forms.ChoiceField(
        label="How did the test patient's record compare?",
        choices=PatientComparison.Outcome.choices,
        widget=forms.RadioSelect,
        help_text="Compare the record in both systems; log only the outcome here, never who the patient is.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        with_button(self, "Log the test patient")
        self.helper.form_tag = False


class ReportComparisonForm(CleanTextMixin, forms.ModelForm):
    class Meta:
        model = ReportComparison
        fields = ["name", "old_figure", "new_figure", "explanation"]
        widgets = {"explanation": forms.Textarea(attrs={"rows": 2})}
        help_texts = {
            "name": "For example: QOF diabetes register, cervical screening due, list size.",
            "explanation": "Needed when the figures differ. No patient details.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        with_button(self, "Log the report")
        self.helper.form_tag = False


class SupplierIssueForm(CleanTextMixin, forms.ModelForm):
    class Meta:
        model = SupplierIssue
        fields = ["summary"]
        labels = {"summary": "What is wrong"}
        help_texts = {
            "summary": "Describe the problem, not the patient: for example, repeat templates lost their dose."
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        with_button(self, "Raise the issue")
        self.helper.form_tag = False


class IssueStateForm(forms.Form):
    issue = forms.IntegerField(widget=forms.HiddenInput)
    state = forms.ChoiceField(label="State", choices=SupplierIssue.State.choices)
