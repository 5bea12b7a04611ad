"""The re-entry section on the migration page."""

import pytest
from django.urls import reverse

from reentry import services

from .factories import EntryFactory, RegistrationEntryFactory

pytestmark = pytest.mark.django_db


def page(client, migration):
    return client.get(reverse("migration-detail", args=[migration.pk])).content.decode()


def test_before_fdp_the_panel_says_when_recording_opens(client, manager, cutover, before_fdp):
    client.force_login(manager)
    body = page(client, cutover)
    assert "Recording opens on FDP day, 23 Nov 2026." in body
    assert reverse("reentry-paper-form", args=[cutover.pk]) in body
    assert reverse("reentry-worklist", args=[cutover.pk]) not in body


def test_the_panel_counts_what_was_recorded_and_what_is_left(client, manager, staff, cutover, after_go_live):
    EntryFactory.create_batch(3, migration=cutover, recorded_by=staff)
    done = EntryFactory(migration=cutover, recorded_by=staff)
    services.entry_mark_re_entered(entry=done, by=staff)
    RegistrationEntryFactory.create_batch(2, migration=cutover, recorded_by=staff)
    services.entry_void(entry=EntryFactory(migration=cutover, recorded_by=staff), reason="Duplicate", by=staff)
    client.force_login(manager)
    body = page(client, cutover)
    assert "6 recorded, 5 still to re-enter, 2 new registrations to re-register (1 voided)" in body
    assert f'href="{reverse("reentry-worklist", args=[cutover.pk])}">Re-entry worklist (5)' in body
    assert "Key in a paper entry" in body


def test_the_panel_celebrates_an_empty_backlog(client, manager, staff, cutover, after_go_live):
    services.entry_mark_re_entered(entry=EntryFactory(migration=cutover, recorded_by=staff), by=staff)
    client.force_login(manager)
    body = page(client, cutover)
    assert "1 recorded, 0 still to re-enter, 0 new registrations to re-register" in body
    assert "Everything recorded during cutover has been re-entered." in body


def test_the_panel_costs_the_same_queries_however_many_entries(
    client, manager, staff, cutover, after_go_live, django_assert_max_num_queries
):
    client.force_login(manager)
    EntryFactory(migration=cutover, recorded_by=staff)
    # Sign-offs add two: the sign-offs themselves and whether the user is the clinical lead; the plan
    # on the page one (the user's role on the plan); the national services' notice rule one.
    with django_assert_max_num_queries(20) as few:
        page(client, cutover)
    EntryFactory.create_batch(20, migration=cutover, recorded_by=staff)
    RegistrationEntryFactory.create_batch(5, migration=cutover, recorded_by=staff)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page(client, cutover)
