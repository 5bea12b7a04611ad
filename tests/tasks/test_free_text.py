"""Free text people type is bounded and clean: a length limit on every field (model and form, the
admin included), Unicode NFC, and no control characters, which are refused beside the field.

The last test throws random text, huge text and control characters at the free-text forms of the
plan and the third-party systems pages: never a 500, and nothing stored half-clean.
"""

import importlib
import inspect
import pkgutil
import unicodedata

import pytest
from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.test import RequestFactory
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coordinator.people_forms import AcceptInvitationForm
from cutover.text import CONTROL_CHARACTERS, CONTROL_CHARACTERS_ONE_LINE, CleanTextMixin
from practices.models import ThirdPartyState, ThirdPartySystem
from tasks.models import PlanTemplateItem, Task, TaskNote

from ..factories import ThirdPartySystemFactory
from .conftest import task_by_key

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen_first(frozen_today):
    return frozen_today


@pytest.fixture
def task(plan_migration):
    return task_by_key(plan_migration, "smartcards")


@pytest.fixture
def system(practice):
    return ThirdPartySystemFactory(practice=practice, name="Docman")


def note_url(task):
    return reverse("task-note-add", args=[task.migration_id, task.pk])


def add_task(client, migration, **fields):
    data = {
        "title": "Book the locum",
        "guidance": "",
        "phase": "during_cutover",
        "anchor": "go_live",
        "offset_days": "2",
        "direction": "before",
        "fixed_date": "",
        **fields,
    }
    return client.post(reverse("task-add", args=[migration.pk]), data)


def add_system(client, migration, **fields):
    return client.post(reverse("system-add", args=[migration.pk]), {"name": "Apollo", "category": "other", **fields})


def not_applicable(client, migration, system, reason):
    return client.post(reverse("system-not-applicable", args=[migration.pk, system.pk]), {"reason": reason})


# --- Control characters and NFC -----------------------------------------------------------------------


@pytest.mark.parametrize("text", ["Call\x00 the supplier", "Call\x07 the supplier", "Soft\x0bbreak", "C1\x85 control"])
def test_a_note_holding_a_control_character_is_refused_beside_the_field_and_not_saved(client, manager, task, text):
    client.force_login(manager)
    response = client.post(note_url(task), {"text": text})
    assert response.status_code == 400
    assert "This text holds a control character (U+" in response.content.decode()
    assert not TaskNote.objects.exists()


def test_a_note_is_stored_in_nfc_with_its_line_breaks(client, manager, task):
    client.force_login(manager)
    client.post(note_url(task), {"text": "Cafe\u0301 rota:\r\n\tmorning"})
    assert TaskNote.objects.get().text == "Caf\u00e9 rota:\r\n\tmorning"


def test_a_one_line_field_refuses_a_tab_that_a_textarea_keeps(client, manager, plan_migration):
    client.force_login(manager)
    response = add_task(client, plan_migration, title="Book\tthe locum", guidance="Step 1:\n\tcall them")
    assert "This text holds a control character (U+0009)" in response.context["form"].errors["title"][0]
    assert "guidance" not in response.context["form"].errors
    assert not plan_migration.tasks.filter(template_item=None).exists()
    add_task(client, plan_migration, guidance="Step 1:\n\tcall them")
    assert plan_migration.tasks.get(template_item=None).guidance == "Step 1:\n\tcall them"


def test_passwords_are_kept_exactly_as_typed():
    form = AcceptInvitationForm(email="new@example.org")
    assert form.fields["password1"].to_python("\u00e9\x07 ") == "\u00e9\x07 "
    assert form.fields["first_name"].to_python("Jose\u0301") == "Jos\u00e9"


# --- Length limits ------------------------------------------------------------------------------------


def test_a_custom_tasks_guidance_is_limited_to_4000_characters(client, manager, plan_migration):
    """Issue 19: a task's guidance took 1,000,000 characters, making the plan 2.3 MB."""
    client.force_login(manager)
    response = add_task(client, plan_migration, guidance="g" * 4001)
    assert response.context["form"].errors["guidance"] == [
        "Ensure this value has at most 4000 characters (it has 4001)."
    ]
    assert not plan_migration.tasks.filter(template_item=None).exists()


def test_third_party_notes_are_limited_to_2000_characters(client, manager, plan_migration):
    client.force_login(manager)
    response = add_system(client, plan_migration, notes="n" * 2001)
    assert response.context["form"].errors["notes"] == ["Ensure this value has at most 2000 characters (it has 2001)."]
    assert not ThirdPartySystem.objects.exists()


def test_a_not_applicable_reason_is_limited_to_500_characters(client, manager, plan_migration, system):
    client.force_login(manager)
    response = not_applicable(client, plan_migration, system, "r" * 501)
    assert response.context["form"].errors["reason"] == ["Ensure this value has at most 500 characters (it has 501)."]
    assert not ThirdPartyState.objects.filter(not_applicable_at__isnull=False).exists()


@pytest.mark.parametrize(("field", "limit"), [("guidance", 4000), ("why_it_matters", 2000), ("done_when", 2000)])
def test_the_plan_templates_texts_are_limited_in_the_admin_and_the_model(superuser, plan_template, field, limit):
    item = PlanTemplateItem.objects.first()
    request = RequestFactory().post("/admin/")
    request.user = superuser
    form_class = admin.site._registry[PlanTemplateItem].get_form(request, item)
    data = {name: getattr(item, name) for name in form_class.base_fields} | {field: "x" * (limit + 1)}
    form = form_class(data=data, instance=item)
    assert form.errors[field] == [f"Ensure this value has at most {limit} characters (it has {limit + 1})."]
    data[field] = "Ctrl\x01 char"
    assert form_class(data=data, instance=item).errors[field][0].startswith("This text holds a control character")
    setattr(item, field, "x" * (limit + 1))
    with pytest.raises(ValidationError) as raised:
        item.full_clean()
    assert field in raised.value.message_dict
    assert Task._meta.get_field(field).max_length == limit


# --- Random text at every free-text form of these pages ----------------------------------------------

ANY_TEXT = st.one_of(
    st.text(max_size=60),  # any code point but surrogates, control characters included
    st.text(alphabet=st.characters(max_codepoint=0x9F), max_size=30),
    st.text(alphabet=st.sampled_from("ae\u0301\u00e9\u212b\ufb2c \t\r\n\x00\x0b"), max_size=30),
    st.integers(min_value=450, max_value=4200).map(lambda n: "\u00e9" * n),
)
FORMS = ["note", "status", "task", "system", "not_applicable"]


class _Rollback(Exception):
    """Ends one example's transaction, so every example starts from the same database."""


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(which=st.sampled_from(FORMS), text=ANY_TEXT)
def test_random_free_text_is_either_stored_clean_or_refused_never_a_500(
    client, manager, plan_migration, task, system, which, text
):
    client.force_login(manager)
    try:
        with transaction.atomic():
            _post_and_check(client, plan_migration, task, system, which, text)
            raise _Rollback
    except _Rollback:
        pass


def _post_and_check(client, migration, task, system, which, text):
    if which == "note":
        response = client.post(note_url(task), {"text": text})
        stored = list(TaskNote.objects.values_list("text", flat=True))
        checks = [(value, True, 2000) for value in stored]
    elif which == "status":
        response = client.post(
            reverse("task-status", args=[task.migration_id, task.pk]),
            {"status": "not_applicable", "version": task.version, "reason": text},
        )
        stored = list(Task.objects.filter(pk=task.pk, status="not_applicable").values_list("not_applicable_reason"))
        checks = [(value, True, 500) for (value,) in stored]
    elif which == "task":
        response = add_task(client, migration, title=text[:250], guidance=text)
        stored = list(migration.tasks.filter(template_item=None).values_list("title", "guidance"))
        checks = [check for title, guidance in stored for check in [(title, False, 200), (guidance, True, 4000)]]
    elif which == "system":
        response = add_system(client, migration, name=text[:250], notes=text)
        stored = list(ThirdPartySystem.objects.exclude(pk=system.pk).values_list("name", "notes"))
        checks = [check for name, notes in stored for check in [(name, False, 200), (notes, True, 2000)]]
    else:
        response = not_applicable(client, migration, system, text)
        stored = list(
            ThirdPartyState.objects.filter(not_applicable_at__isnull=False).values_list("not_applicable_reason")
        )
        checks = [(value, True, 500) for (value,) in stored]
    assert response.status_code < 500
    # Saved means the form was valid; a form that was not saved shows why.
    if response.status_code == 302:
        assert stored
    else:
        assert not stored
        assert response.context is not None
    for value, multiline, limit in checks:
        pattern = CONTROL_CHARACTERS if multiline else CONTROL_CHARACTERS_ONE_LINE
        assert not pattern.search(value)
        assert unicodedata.is_normalized("NFC", value)
        assert len(value) <= limit


def test_every_form_people_type_text_into_uses_the_one_text_rule():
    """A new form with a text field must refuse control characters and store NFC, like the rest.

    accounts/ holds allauth's sign-in forms: what they take (an email, a password, a code) is
    compared, never stored as typed text.
    """
    checked = []
    form_modules = [
        f"{app}.{info.name}"
        for app in [
            "api",
            "calendars",
            "coordinator",
            "cutover",
            "dashboard",
            "lifecycle",
            "practices",
            "programme",
            "reentry",
            "reminders",
            "systems",
            "tasks",
        ]
        for info in pkgutil.iter_modules(importlib.import_module(app).__path__)
        if info.name == "forms" or info.name.endswith("_forms")
    ]
    for module_name in form_modules:
        module = importlib.import_module(module_name)
        for name, form in inspect.getmembers(module, inspect.isclass):
            if not issubclass(form, forms.BaseForm) or form.__module__ != module.__name__:
                continue
            texts = [
                field
                for field in form.base_fields.values()
                if isinstance(field, forms.CharField) and not isinstance(field.widget, forms.PasswordInput)
            ]
            if texts:
                checked.append(name)
                assert issubclass(form, CleanTextMixin), f"{module_name}.{name} takes text without CleanTextMixin"
    assert {"TaskNoteForm", "ThirdPartySystemForm", "EntryForm", "VoidForm", "MigrationForm"} <= set(checked)


@pytest.mark.parametrize(
    ("form_class", "field", "text"),
    [
        ("reentry.forms.VoidForm", "reason", "Duplicate\x00 of 12"),
        ("coordinator.people_forms.NotApplicableForm", "reason", "Not\x1b used"),
        ("tasks.forms.TaskNoteForm", "text", "\x7fDEL"),
    ],
)
def test_forms_without_context_refuse_control_characters_beside_the_field(form_class, field, text):
    module, name = form_class.rsplit(".", 1)
    form = getattr(importlib.import_module(module), name)(data={field: text})
    assert form.errors[field][0].startswith("This text holds a control character")
