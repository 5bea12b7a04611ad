import datetime
import uuid

from crispy_forms.bootstrap import StrictButton
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Field, Fieldset, Layout, Row, Submit
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from cutover.models import Migration
from cutover.text import CleanTextMixin
from cutover.widgets import DateInput, DateTimeInput

from .models import (
    FIELDS_BY_KIND,
    PATIENT_FIELDS,
    PATIENT_KINDS,
    REGISTRATION_FIELDS,
    STOCK_FIELDS,
    SUMMARY_OPTIONAL_KINDS,
    Kind,
    check_occurred_at,
    empty_value,
    kinds_for,
    recording_window,
    still_to_re_enter,
)
from .nhs_number import normalise_nhs_number, validate_nhs_number

REQUIRED_MESSAGES = {
    "nhs_number": (
        "Enter the patient's NHS number (10 digits). A new patient without one is recorded as "
        "“New patient registration (in person)”."
    ),
    "patient_name": "Enter the new patient's full name.",
    "patient_date_of_birth": "Enter the new patient's date of birth.",
    "patient_address": "Enter the new patient's address.",
    "stock_item": "Enter the item, for example “Amoxicillin 500 mg capsules”.",
    "stock_quantity": "Enter the quantity, a number above 0.",
    "stock_unit": "Enter the unit, for example “capsules” or “ml”.",
    "summary": "Say briefly what must be re-entered, for example “Repeat prescription for amlodipine issued”.",
}


class EntryForm(CleanTextMixin, forms.Form):
    """Record one activity at a busy desk.

    Every field is in the page, so it works without JavaScript; a small script hides the fields the
    chosen kind does not use. Only the fields of the chosen kind are validated and kept.
    """

    # Recording at a busy desk: after an error the cursor goes straight to the first field to fix
    # (autofocus, below), so the error summary does not take focus (templates/nhsuk/errors.html).
    focus_first_error = True

    kind = forms.ChoiceField(
        label="Kind of activity",
        help_text="Choose first: the fields below follow from it.",
        error_messages={"required": "Choose the kind of activity."},
    )
    nhs_number = forms.CharField(
        label="NHS number",
        required=False,
        help_text="10 digits; spaces are fine, for example 943 476 5919.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "maxlength": 16}),
    )
    patient_name = forms.CharField(label="Patient's full name", required=False, max_length=200)
    patient_date_of_birth = forms.DateField(label="Date of birth", required=False, widget=DateInput())
    patient_address = forms.CharField(
        label="Address", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )
    stock_item = forms.CharField(label="Item", required=False, max_length=200)
    stock_quantity = forms.DecimalField(
        label="Quantity", required=False, max_digits=10, decimal_places=2, min_value=0.01
    )
    stock_unit = forms.CharField(
        label="Unit", required=False, max_length=50, help_text="For example tablets, ml, packs."
    )
    occurred_at = forms.DateTimeField(
        label="Date and time of the activity",
        widget=DateTimeInput(),
        help_text="Now, unless you are copying from paper: then the date and time written on it.",
        error_messages={"required": "Enter the date and time of the activity.", "invalid": "Enter a valid date/time."},
    )
    from_paper = forms.BooleanField(label="Copied from a paper form", required=False)
    summary = forms.CharField(
        label="What must be re-entered",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Enough for whoever types it into the new system.",
    )
    token = forms.UUIDField(widget=forms.HiddenInput())

    def __init__(self, *args, migration: Migration, last_kind: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.migration = migration
        now = timezone.localtime()
        today = now.date()
        self.window = recording_window(migration)
        self.fields["kind"].choices = kinds_for(migration)
        self.kinds = {value for value, _ in self.fields["kind"].choices}
        if not migration.practice.dispensing:
            for name in STOCK_FIELDS:
                del self.fields[name]
        self.fields["token"].initial = uuid.uuid4()
        if last_kind in self.kinds:
            self.fields["kind"].initial = last_kind
        if self.window.paper_only(today):
            # After go-live day everything keyed in is copied from paper, with the date written on it.
            # The box is not shown at all (a greyed-out ticked box is hard to read and cannot be
            # changed anyway); the date field's hint says why.
            self.fields["from_paper"].disabled = True
            self.fields["from_paper"].initial = True
            self.fields["from_paper"].widget = forms.HiddenInput()
            self.fields["occurred_at"].help_text = (
                "Cutover has ended, so anything recorded now is copied from paper: "
                "enter the date and time written on the paper form."
            )
        else:
            self.fields["occurred_at"].initial = now.replace(second=0, microsecond=0)
        self.fields["occurred_at"].widget.attrs.update(
            {"min": f"{self.window.fdp:%Y-%m-%d}T00:00", "max": f"{self.window.go_live:%Y-%m-%d}T23:59"}
        )
        self.fields["kind"].widget.attrs["autofocus"] = True
        self.helper = self._helper()

    def _helper(self) -> FormHelper:
        helper = FormHelper()
        helper.attrs = {"data-reentry-form": "", "novalidate": ""}
        groups = [
            Fieldset(
                "Patient",
                *PATIENT_FIELDS,
                data_kinds=" ".join(PATIENT_KINDS),
                css_class="reentry-group",
            ),
            Fieldset(
                "New patient (no NHS number yet)",
                *REGISTRATION_FIELDS,
                data_kinds=Kind.NEW_REGISTRATION,
                css_class="reentry-group",
            ),
        ]
        if "stock_item" in self.fields:
            groups.append(
                Fieldset(
                    "Dispensary stock",
                    "stock_item",
                    Row(Column("stock_quantity"), Column("stock_unit")),
                    data_kinds=Kind.DISPENSARY_STOCK,
                    css_class="reentry-group",
                )
            )
        helper.layout = Layout(
            Field("kind"),
            *groups,
            Row(Column("occurred_at"), Column("from_paper", css_class="app-form-row__item--button")),
            "summary",
            "token",
            Submit("submit", "Record activity"),
        )
        return helper

    def full_clean(self):
        super().full_clean()
        if self.is_bound and "token" in self._errors:
            # The hidden token was lost or altered. Nobody can fix a hidden field, so explain it at the
            # top and issue a fresh token; submitting again then works.
            del self._errors["token"]
            self.add_error(None, "This form could not be matched to the page it came from. Check it and record again.")
            self.data = self.data.copy()
            self.data[self.add_prefix("token")] = str(uuid.uuid4())
        if self.is_bound and self._errors:
            # Put the cursor where the first problem is, not back on the kind.
            self.fields["kind"].widget.attrs.pop("autofocus", None)
            first = next((name for name in self.fields if name in self._errors), None)
            if first:
                self.fields[first].widget.attrs["autofocus"] = True

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind is None:
            return cleaned
        kept = FIELDS_BY_KIND[kind]
        for group in (
            PATIENT_FIELDS,
            REGISTRATION_FIELDS,
            STOCK_FIELDS,
        ):
            for name in group:
                if name in kept or name not in self.fields:
                    continue
                # A value left in another kind's field is not part of this entry, typos included.
                self._errors.pop(name, None)
                cleaned[name] = empty_value(name)
        for name in kept:
            if name not in self._errors and cleaned.get(name) in (None, ""):
                self.add_error(name, REQUIRED_MESSAGES[name])
        if kind not in SUMMARY_OPTIONAL_KINDS and not cleaned.get("summary", "").strip():
            self.add_error("summary", REQUIRED_MESSAGES["summary"])
        if kind in PATIENT_KINDS and cleaned.get("nhs_number"):
            try:
                validate_nhs_number(cleaned["nhs_number"])
            except ValidationError as exc:
                self.add_error("nhs_number", exc)
            else:
                cleaned["nhs_number"] = normalise_nhs_number(cleaned["nhs_number"])
        dob = cleaned.get("patient_date_of_birth")
        if kind == Kind.NEW_REGISTRATION and dob:
            if dob > timezone.localdate():
                self.add_error("patient_date_of_birth", "The date of birth cannot be in the future.")
            elif dob < datetime.date(1900, 1, 1):
                self.add_error("patient_date_of_birth", "Check the year of birth: it is before 1900.")
        occurred_at = cleaned.get("occurred_at")
        if occurred_at:
            try:
                check_occurred_at(self.migration, occurred_at, now=timezone.now())
            except ValidationError as exc:
                self.add_error("occurred_at", exc)
        return cleaned

    def entry_fields(self) -> dict:
        """The cleaned values in the shape entry_record() takes."""
        data = self.cleaned_data
        names = ["kind", "occurred_at", "summary", "from_paper", *FIELDS_BY_KIND[data["kind"]]]
        return {name: data[name] for name in names} | {"token": data["token"]}


class VoidForm(CleanTextMixin, forms.Form):
    reason = forms.CharField(
        label="Why is this entry void?",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "autofocus": True}),
        help_text="For example “Duplicate of entry 12” or “Recorded against the wrong patient”. Everyone can see it.",
        error_messages={"required": "Say why the entry is void: it stays in the log with your reason."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            "reason", StrictButton("Void entry", type="submit", css_class="nhsuk-button nhsuk-button--warning")
        )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError(self.fields["reason"].error_messages["required"])
        return reason


class WorklistFilterForm(forms.Form):
    kind = forms.ChoiceField(label="Kind", required=False)
    recorded_by = forms.ModelChoiceField(label="Recorded by", required=False, queryset=None, empty_label="Anyone")

    def __init__(self, *args, migration: Migration, recorders, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "All kinds"), *kinds_for(migration)]
        self.fields["recorded_by"].queryset = recorders
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Row(
                Column("kind"),
                Column("recorded_by"),
                Column(
                    StrictButton("Filter", type="submit", css_class="nhsuk-button nhsuk-button--secondary"),
                    css_class="app-form-row__item--button",
                ),
            )
        )

    def filters(self) -> dict:
        """Valid filters as ORM lookups; an invalid one is shown beside its field and ignored."""
        if not self.is_valid():
            return {}
        lookups = {}
        if self.cleaned_data.get("kind"):
            lookups["kind"] = self.cleaned_data["kind"]
        if self.cleaned_data.get("recorded_by"):
            lookups["recorded_by"] = self.cleaned_data["recorded_by"]
        return lookups


class LogFilterForm(forms.Form):
    STATUSES = {
        "": ("Every entry", Q()),
        "to_re_enter": ("Still to re-enter", still_to_re_enter()),
        "to_check": ("Re-entered, not checked", Q(re_entered_at__isnull=False, checked_at__isnull=True)),
        "checked": ("Re-entered and checked", Q(checked_at__isnull=False)),
        "voided": ("Voided", Q(voided_at__isnull=False)),
    }

    status = forms.ChoiceField(label="Status", required=False)
    kind = forms.ChoiceField(label="Kind", required=False)

    def __init__(self, *args, migration: Migration, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [(key, label) for key, (label, _) in self.STATUSES.items()]
        self.fields["kind"].choices = [("", "All kinds"), *kinds_for(migration)]
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Row(
                Column("status"),
                Column("kind"),
                Column(
                    StrictButton("Filter", type="submit", css_class="nhsuk-button nhsuk-button--secondary"),
                    css_class="app-form-row__item--button",
                ),
            )
        )

    def filters(self) -> Q:
        if not self.is_valid():
            return Q()
        lookups = self.STATUSES[self.cleaned_data.get("status") or ""][1]
        if self.cleaned_data.get("kind"):
            lookups &= Q(kind=self.cleaned_data["kind"])
        return lookups
