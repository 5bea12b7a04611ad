from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Layout, Submit
from django import forms
from django.conf import settings
from django.utils import timezone

from cutover.formatting import day_text
from cutover.text import CleanTextMixin
from cutover.timeline import validate_plannable_date
from cutover.widgets import DateInput
from lifecycle.annotations import SIGN_OFF_FILTERS

from . import selectors
from .rag import RAG_LABELS
from .stages import STAGES
from .wave_file import layout


class WaveChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        # The file name is what the ICB chose and will recognise; the day tells two uploads of it apart.
        return f"{obj.file_name}, imported {day_text(timezone.localdate(obj.imported_at))}"


class DashboardFilterForm(CleanTextMixin, forms.Form):
    """The dashboard's filters. They travel in the URL (a GET form) so a filtered view can be shared."""

    q = forms.CharField(label="Practice name or ODS code", required=False, max_length=100)
    icb = forms.ModelChoiceField(label="ICB", queryset=None, required=False, empty_label="Any ICB")
    partner = forms.ModelChoiceField(
        label="IT delivery partner", queryset=None, required=False, empty_label="Any delivery partner"
    )
    suppliers = forms.ChoiceField(label="Current → new supplier", required=False)
    stage = forms.ChoiceField(
        label="Stage", required=False, choices=[("", "Any stage")] + [(s.key, s.label) for s in STAGES]
    )
    rag = forms.ChoiceField(label="RAG status", required=False, choices=[("", "Any status"), *RAG_LABELS.items()])
    sign_off = forms.ChoiceField(
        label="Sign-offs",
        required=False,
        choices=[("", "Any sign-offs"), *((key, label) for key, (label, _) in SIGN_OFF_FILTERS.items())],
    )
    wave = WaveChoiceField(label="Wave", queryset=None, required=False, empty_label="Any wave")
    fdp_from = forms.DateField(
        validators=[validate_plannable_date], label="FDP from", required=False, widget=DateInput()
    )
    fdp_to = forms.DateField(validators=[validate_plannable_date], label="FDP to", required=False, widget=DateInput())
    go_live_from = forms.DateField(
        validators=[validate_plannable_date], label="Go-live from", required=False, widget=DateInput()
    )
    go_live_to = forms.DateField(
        validators=[validate_plannable_date], label="Go-live to", required=False, widget=DateInput()
    )
    sort = forms.CharField(required=False, widget=forms.HiddenInput())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["icb"].queryset = selectors.icb_choices(user)
        self.fields["partner"].queryset = selectors.partner_choices(user)
        self.fields["wave"].queryset = selectors.wave_choices(user)
        self.fields["suppliers"].choices = [("", "Any suppliers"), *selectors.supplier_pair_choices(user)]
        self.helper = FormHelper()
        # The templates write the <form> tag, so a page can add its own hidden fields (the calendar's month).
        self.helper.form_tag = False
        # A GET form must never put the CSRF token into a URL that people copy and share.
        self.helper.disable_csrf = True
        # One grid of fields (dashboard.css): side by side where there is room, stacked on a phone.
        self.helper.layout = Layout(
            Div(
                "q",
                "icb",
                "partner",
                "suppliers",
                "stage",
                "rag",
                "sign_off",
                "wave",
                "fdp_from",
                "fdp_to",
                "go_live_from",
                "go_live_to",
                css_class="dash-filter-grid",
            ),
            Field("sort"),
            Submit("", "Apply filters"),
        )

    def clean_suppliers(self) -> tuple[int, int] | None:
        value = self.cleaned_data["suppliers"]
        if not value:
            return None
        current_id, new_id = value.split("-")
        return int(current_id), int(new_id)

    def clean(self):
        cleaned = super().clean()
        for start, end in [("fdp_from", "fdp_to"), ("go_live_from", "go_live_to")]:
            if cleaned.get(start) and cleaned.get(end) and cleaned[end] < cleaned[start]:
                self.add_error(end, "This date is before the 'from' date. Swap them, or leave one empty.")
        return cleaned


class ImportUploadForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label="Import for",
        queryset=None,
        empty_label=None,
        help_text="New practices in the file are registered under this organisation's ICB.",
    )
    file = forms.FileField(
        label="Spreadsheet (CSV or Excel .xlsx)",
        help_text="One row per practice, with the columns of the template.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Upload and check"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                f"This file is {upload.size // 1024:,} KB; the most we accept is "
                f"{settings.IMPORT_MAX_BYTES // 1024:,} KB. Split the wave into smaller files."
            )
        if layout.file_format(upload.name) is None:
            raise forms.ValidationError("Upload a .csv or .xlsx file, like the template.")
        return upload
