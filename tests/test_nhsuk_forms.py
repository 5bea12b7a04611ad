"""Forms render NHS.UK design system markup through the project's crispy-forms pack (templates/nhsuk/)."""

import re

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.template import Context, Template

from cutover.widgets import DateInput


class ContactForm(forms.Form):
    name = forms.CharField(label="Your name", help_text="As it appears on your smartcard.")
    notes = forms.CharField(label="Notes", widget=forms.Textarea(attrs={"rows": 2}), required=False)
    role = forms.ChoiceField(label="Role", choices=[("", "Choose"), ("pm", "Practice manager"), ("it", "IT lead")])
    contact = forms.ChoiceField(
        label="How to contact you", widget=forms.RadioSelect, choices=[("e", "Email"), ("p", "Phone")]
    )
    days = forms.MultipleChoiceField(
        label="Days you work", widget=forms.CheckboxSelectMultiple, choices=[("mon", "Monday"), ("tue", "Tuesday")]
    )
    start = forms.DateField(label="Start date", widget=DateInput())
    agree = forms.BooleanField(label="I have read the guidance", help_text="You can read it again later.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Save"))


def render(form) -> str:
    return Template("{% load crispy_forms_tags %}{% crispy form %}").render(Context({"form": form}))


def test_a_form_with_errors_opens_with_a_summary_that_links_to_each_field():
    html = render(ContactForm(data={"name": "", "role": "", "start": "not a date"}))

    summary = html.split('class="nhsuk-error-summary"')[1].split("</ul>")[0]
    assert "There is a problem" in summary
    for target in ["id_name", "id_role", "id_contact_0", "id_days_0", "id_start", "id_agree"]:
        assert f'href="#{target}"' in summary
    assert html.index("nhsuk-error-summary") < html.index('id="id_name"')


def test_an_error_sits_beside_its_field_and_is_read_with_it():
    html = render(ContactForm(data={"name": ""}))

    assert 'class="nhsuk-form-group nhsuk-form-group--error"' in html
    assert (
        '<span class="nhsuk-error-message" id="id_name_error"><span class="nhsuk-u-visually-hidden">Error: </span>'
        in html
    )
    name_input = re.search(r"<input[^>]*name=\"name\"[^>]*>", html).group(0)
    assert 'aria-describedby="id_name_helptext id_name_error"' in name_input
    assert "nhsuk-input--error" in name_input and 'aria-invalid="true"' in name_input
    assert '<div class="nhsuk-hint" id="id_name_helptext">As it appears on your smartcard.</div>' in html
    role_select = re.search(r"<select[^>]*>", html).group(0)
    assert "nhsuk-select nhsuk-select--error" in role_select


def test_choices_are_fieldsets_of_nhs_radios_and_checkboxes():
    html = render(ContactForm())

    assert '<legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">How to contact you</legend>' in html
    assert 'class="nhsuk-radios__input"' in html and 'class="nhsuk-checkboxes__input"' in html
    assert '<label class="nhsuk-label nhsuk-checkboxes__label" for="id_agree">I have read the guidance</label>' in html
    assert re.search(r'<input type="date"[^>]*class="[^"]*nhsuk-input nhsuk-input--width-10', html)
    assert re.search(r'<textarea[^>]*class="[^"]*nhsuk-textarea', html)
    assert 'class="nhsuk-button" data-module="nhsuk-button"' in html
    assert "nhsuk-error" not in html and "btn" not in html and "form-control" not in html
