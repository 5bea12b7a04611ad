"""The admin can look at the log's shape, never its patient details, and cannot add, change or delete."""

import pytest
from django.contrib import admin
from django.urls import reverse

from reentry.models import AccessEvent, Entry

from .factories import EntryFactory, RegistrationEntryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(cutover, staff):
    return RegistrationEntryFactory(
        migration=cutover, recorded_by=staff, patient_name="Jordan Fletcher", patient_address="14 Mill Lane"
    )


def test_the_admin_lists_entries_without_patient_details(client, superuser, cutover, staff, entry):
    consultation = EntryFactory(migration=cutover, recorded_by=staff, nhs_number="9434765919")
    client.force_login(superuser)
    for url in [
        reverse("admin:reentry_entry_changelist"),
        reverse("admin:reentry_entry_change", args=[entry.pk]),
        reverse("admin:reentry_entry_change", args=[consultation.pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        for identifier in ["9434765919", "943 476 5919", "Jordan Fletcher", "14 Mill Lane", consultation.summary]:
            assert identifier not in response.text, (url, identifier)


def test_the_admin_offers_no_delete_anywhere(client, superuser, entry, rf):
    client.force_login(superuser)
    request = rf.get("/")
    request.user = superuser
    for model in (Entry, AccessEvent):
        model_admin = admin.site._registry[model]
        assert not model_admin.has_delete_permission(request)
        assert not model_admin.has_delete_permission(request, entry if model is Entry else None)
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request)
        assert "delete_selected" not in model_admin.get_actions(request)
    assert client.get(reverse("admin:reentry_entry_delete", args=[entry.pk])).status_code == 403
    assert client.post(reverse("admin:reentry_entry_delete", args=[entry.pk]), {"post": "yes"}).status_code == 403
    response = client.post(
        reverse("admin:reentry_entry_changelist"),
        {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"},
    )
    assert response.status_code in (200, 302, 403)
    assert client.get(reverse("admin:reentry_entry_add")).status_code == 403
    assert Entry.objects.filter(pk=entry.pk).exists()


def test_the_admin_cannot_change_an_entry(client, superuser, entry):
    client.force_login(superuser)
    client.post(reverse("admin:reentry_entry_change", args=[entry.pk]), {"kind": "other", "void_reason": "x"})
    entry.refresh_from_db()
    assert (entry.kind, entry.void_reason) == ("new_registration", "")
