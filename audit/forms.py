from crispy_forms.bootstrap import StrictButton
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from django import forms

from cutover.timeline import validate_plannable_date
from cutover.widgets import DateInput

from .activity import ACCESS_GROUP, GROUPS, ActivityFilters

DATE_ERRORS = {"invalid": "Enter a real date, for example 26/11/2026."}


class ActivityFilterForm(forms.Form):
    kind = forms.ChoiceField(label="What changed", required=False, choices=[("", "Everything"), *GROUPS.items()])
    person = forms.ModelChoiceField(
        label="Who",
        required=False,
        queryset=None,
        empty_label="Anyone",
        error_messages={"invalid_choice": "Choose someone from the list."},
    )
    date_from = forms.DateField(
        validators=[validate_plannable_date],
        label="From",
        required=False,
        widget=DateInput(),
        error_messages=DATE_ERRORS,
    )
    date_to = forms.DateField(
        validators=[validate_plannable_date], label="To", required=False, widget=DateInput(), error_messages=DATE_ERRORS
    )

    def __init__(self, *args, people, with_access: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people
        if with_access:
            self.fields["kind"].choices = [*self.fields["kind"].choices, ACCESS_GROUP]
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Row(
                Column("kind"),
                Column("person"),
                Column("date_from"),
                Column("date_to"),
                Column(
                    StrictButton("Filter", type="submit", css_class="nhsuk-button nhsuk-button--secondary"),
                    css_class="app-form-row__item--button",
                ),
            )
        )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "The end date must be on or after the start date.")
        return cleaned

    def filters(self) -> ActivityFilters:
        """The filters to apply; none while the form has errors (the errors are shown beside the fields)."""
        if not self.is_bound or not self.is_valid():
            return ActivityFilters()
        person = self.cleaned_data.get("person")
        return ActivityFilters(
            group=self.cleaned_data.get("kind") or "",
            person_id=person.pk if person else None,
            date_from=self.cleaned_data.get("date_from"),
            date_to=self.cleaned_data.get("date_to"),
        )
