from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Field, Layout, Row, Submit
from django import forms
from django.conf import settings

from cutover.forms import DateInput

from . import metrics, selectors, wave


class DashboardFilterForm(forms.Form):
    """The dashboard's filters. They travel in the URL (a GET form) so a filtered view can be shared."""

    q = forms.CharField(label="Practice name or ODS code", required=False, max_length=100)
    icb = forms.ModelChoiceField(label="ICB", queryset=None, required=False, empty_label="Any ICB")
    partner = forms.ModelChoiceField(
        label="IT delivery partner", queryset=None, required=False, empty_label="Any delivery partner"
    )
    suppliers = forms.ChoiceField(label="Current → new supplier", required=False)
    stage = forms.ChoiceField(
        label="Stage", required=False, choices=[("", "Any stage")] + [(s.key, s.label) for s in metrics.STAGES]
    )
    rag = forms.ChoiceField(
        label="RAG status", required=False, choices=[("", "Any status"), *metrics.RAG_LABELS.items()]
    )
    fdp_from = forms.DateField(label="FDP from", required=False, widget=DateInput())
    fdp_to = forms.DateField(label="FDP to", required=False, widget=DateInput())
    go_live_from = forms.DateField(label="Go-live from", required=False, widget=DateInput())
    go_live_to = forms.DateField(label="Go-live to", required=False, widget=DateInput())
    sort = forms.CharField(required=False, widget=forms.HiddenInput())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["icb"].queryset = selectors.icb_choices(user)
        self.fields["partner"].queryset = selectors.partner_choices(user)
        self.fields["suppliers"].choices = [("", "Any suppliers"), *selectors.supplier_pair_choices(user)]
        self.helper = FormHelper()
        # The templates write the <form> tag, so a page can add its own hidden fields (the calendar's month).
        self.helper.form_tag = False
        # A GET form must never put the CSRF token into a URL that people copy and share.
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Row(
                Column("q", css_class="col-md-4"),
                Column("icb", css_class="col-md-4"),
                Column("partner", css_class="col-md-4"),
            ),
            Row(
                Column("suppliers", css_class="col-md-4"),
                Column("stage", css_class="col-md-4"),
                Column("rag", css_class="col-md-4"),
            ),
            Row(
                Column("fdp_from", css_class="col-md-3"),
                Column("fdp_to", css_class="col-md-3"),
                Column("go_live_from", css_class="col-md-3"),
                Column("go_live_to", css_class="col-md-3"),
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
        if wave.file_format(upload.name) is None:
            raise forms.ValidationError("Upload a .csv or .xlsx file, like the template.")
        return upload
