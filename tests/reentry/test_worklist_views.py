"""After go-live: the worklist, marking re-entered (one or a page), checking, voiding and the whole log."""

import datetime

import pytest
from django.urls import reverse

from reentry import services
from reentry.models import AccessEvent, Entry, Kind

from ..factories import at
from .conftest import FDP
from .factories import EntryFactory, RegistrationEntryFactory

pytestmark = pytest.mark.django_db


def worklist(migration, **query):
    from urllib.parse import urlencode

    base = reverse("reentry-worklist", args=[migration.pk])
    return f"{base}?{urlencode(query)}" if query else base


def test_the_worklist_shows_what_is_left_oldest_first_with_counts_per_kind(
    client, staff, colleague, cutover, after_go_live
):
    late = EntryFactory(migration=cutover, recorded_by=staff, occurred_at=at(FDP, 15))
    early = RegistrationEntryFactory(migration=cutover, recorded_by=colleague, occurred_at=at(FDP, 9))
    done = EntryFactory(migration=cutover, recorded_by=staff, occurred_at=at(FDP, 8))
    services.entry_mark_re_entered(entry=done, by=staff)
    void = EntryFactory(migration=cutover, recorded_by=staff, occurred_at=at(FDP, 7))
    services.entry_void(entry=void, reason="Duplicate", by=staff)
    client.force_login(staff)
    response = client.get(worklist(cutover))
    assert response.status_code == 200
    assert list(response.context["page"].object_list) == [early, late]
    assert "2 still to re-enter, including 1 new registration to re-register with full GMS." in response.text
    assert "Full GMS re-registration" in response.text
    assert late.nhs_number_display in response.text
    by_kind = {c.kind: (c.recorded, c.to_re_enter, c.voided) for c in response.context["counts"].by_kind}
    assert by_kind == {Kind.CONSULTATION: (2, 1, 1), Kind.NEW_REGISTRATION: (1, 1, 0)}
    assert AccessEvent.objects.filter(user=staff, action="viewed_worklist", migration=cutover).count() == 1


def test_the_worklist_filters_by_kind_and_by_who_recorded(client, staff, colleague, cutover, after_go_live):
    mine = EntryFactory(migration=cutover, recorded_by=staff)
    theirs = EntryFactory(migration=cutover, recorded_by=colleague)
    registration = RegistrationEntryFactory(migration=cutover, recorded_by=colleague)
    client.force_login(staff)
    page = client.get(worklist(cutover, kind=Kind.CONSULTATION)).context["page"]
    assert list(page.object_list) == [mine, theirs]
    page = client.get(worklist(cutover, recorded_by=colleague.pk)).context["page"]
    assert list(page.object_list) == [theirs, registration]
    page = client.get(worklist(cutover, recorded_by=colleague.pk, kind=Kind.CONSULTATION)).context["page"]
    assert list(page.object_list) == [theirs]


def test_a_bad_filter_is_explained_and_the_whole_list_shown(client, staff, cutover, after_go_live):
    EntryFactory(migration=cutover, recorded_by=staff)
    client.force_login(staff)
    response = client.get(worklist(cutover, kind="gossip", recorded_by="nobody"))
    assert response.status_code == 200
    assert "Select a valid choice." in response.text
    assert len(response.context["page"].object_list) == 1


def test_the_worklist_is_paginated_and_keeps_its_filter(client, staff, cutover, after_go_live, settings):
    settings.REENTRY_PAGE_SIZE = 2
    entries = EntryFactory.create_batch(5, migration=cutover, recorded_by=staff)
    client.force_login(staff)
    response = client.get(worklist(cutover, kind=Kind.CONSULTATION, page=3))
    assert list(response.context["page"].object_list) == entries[4:]
    assert "Page 3 of 3" in response.text
    assert "?kind=consultation&amp;page=2" in response.text


def test_the_worklist_runs_a_fixed_number_of_queries(
    client, staff, colleague, cutover, after_go_live, django_assert_max_num_queries
):
    client.force_login(staff)
    EntryFactory.create_batch(2, migration=cutover, recorded_by=staff)
    with django_assert_max_num_queries(12) as few:
        client.get(worklist(cutover))
    EntryFactory.create_batch(20, migration=cutover, recorded_by=colleague)
    RegistrationEntryFactory.create_batch(3, migration=cutover, recorded_by=colleague)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(worklist(cutover))


def test_before_go_live_the_worklist_waits_and_offers_no_marking(client, staff, cutover, during_cutover):
    EntryFactory(migration=cutover, recorded_by=staff)
    client.force_login(staff)
    response = client.get(worklist(cutover))
    assert "Re-entry starts at go-live on 30 Nov 2026" in response.text
    assert "Mark re-entered" not in response.text
    response = client.post(reverse("reentry-bulk-mark", args=[cutover.pk]), {"entries": [Entry.objects.get().pk]})
    assert response.status_code == 302
    assert not Entry.objects.get().is_re_entered


def test_marking_one_entry_from_the_worklist_returns_to_the_same_view(client, staff, cutover, after_go_live):
    entry = EntryFactory(migration=cutover, recorded_by=staff)
    client.force_login(staff)
    back = worklist(cutover, kind=Kind.CONSULTATION)
    response = client.post(reverse("reentry-mark", args=[cutover.pk, entry.pk]), {"next": back})
    assert response.url == back
    entry.refresh_from_db()
    assert entry.re_entered_by == staff


def test_marking_refuses_to_send_people_to_another_site(client, staff, cutover, after_go_live):
    entry = EntryFactory(migration=cutover, recorded_by=staff)
    client.force_login(staff)
    response = client.post(reverse("reentry-mark", args=[cutover.pk, entry.pk]), {"next": "https://evil.example/"})
    assert response.url == entry.get_absolute_url()


def test_bulk_marking_a_page_marks_each_ticked_entry_with_its_own_history(client, staff, cutover, after_go_live):
    ticked = EntryFactory.create_batch(3, migration=cutover, recorded_by=staff)
    left = EntryFactory(migration=cutover, recorded_by=staff)
    client.force_login(staff)
    response = client.post(
        reverse("reentry-bulk-mark", args=[cutover.pk]),
        {"entries": [e.pk for e in ticked], "return_query": "kind=consultation&evil=1"},
        follow=True,
    )
    assert response.redirect_chain == [(worklist(cutover, kind=Kind.CONSULTATION), 302)]
    assert "Marked 3 entries re-entered." in response.text
    assert list(response.context["page"].object_list) == [left]
    for entry in ticked:
        assert entry.history.latest().history_user == staff
        assert entry.history.latest().re_entered_by_id == staff.pk


def test_bulk_marking_says_when_nothing_was_ticked_or_some_were_done_already(client, staff, cutover, after_go_live):
    entries = EntryFactory.create_batch(2, migration=cutover, recorded_by=staff)
    services.entry_mark_re_entered(entry=entries[0], by=staff)
    client.force_login(staff)
    url = reverse("reentry-bulk-mark", args=[cutover.pk])
    response = client.post(url, {}, follow=True)
    assert "Tick at least one entry" in response.text
    response = client.post(url, {"entries": ["x"]}, follow=True)
    assert "Tick at least one entry" in response.text
    response = client.post(url, {"entries": [e.pk for e in entries]}, follow=True)
    assert "Marked 1 entry re-entered. 1 was already re-entered or void" in response.text


def test_someone_else_checks_a_re_entry(client, staff, colleague, cutover, after_go_live):
    entry = EntryFactory(migration=cutover, recorded_by=staff)
    services.entry_mark_re_entered(entry=entry, by=staff)
    url = reverse("reentry-check", args=[cutover.pk, entry.pk])
    client.force_login(staff)
    assert "I have checked it" not in client.get(entry.get_absolute_url()).text
    response = client.post(url, follow=True)
    assert "someone else must check" in response.text
    entry.refresh_from_db()
    assert not entry.is_checked
    client.force_login(colleague)
    assert "I have checked it" in client.get(entry.get_absolute_url()).text
    client.post(url)
    entry.refresh_from_db()
    assert entry.checked_by == colleague


def test_voiding_asks_for_a_reason_and_keeps_the_entry(client, staff, cutover, after_go_live):
    entry = EntryFactory(migration=cutover, recorded_by=staff)
    url = reverse("reentry-void", args=[cutover.pk, entry.pk])
    client.force_login(staff)
    assert client.get(url).status_code == 200
    assert AccessEvent.objects.filter(entry=entry, user=staff, action="viewed_entry").count() == 1
    response = client.post(url, {"reason": "   "})
    assert response.status_code == 200
    assert "Say why the entry is void" in response.text
    entry.refresh_from_db()
    assert not entry.is_voided
    response = client.post(url, {"reason": "Duplicate of entry 3"}, follow=True)
    assert response.redirect_chain == [(entry.get_absolute_url(), 302)]
    entry.refresh_from_db()
    assert (entry.is_voided, entry.void_reason) == (True, "Duplicate of entry 3")
    assert entry not in client.get(worklist(cutover)).context["page"].object_list
    log = client.get(reverse("reentry-log", args=[cutover.pk]))
    assert "Duplicate of entry 3" in log.text
    assert 'class="reentry-voided"' in log.text


def test_a_re_entered_entry_offers_no_void_and_refuses_one(client, staff, cutover, after_go_live):
    entry = EntryFactory(migration=cutover, recorded_by=staff)
    services.entry_mark_re_entered(entry=entry, by=staff)
    client.force_login(staff)
    assert "Void this entry" not in client.get(entry.get_absolute_url()).text
    response = client.post(reverse("reentry-void", args=[cutover.pk, entry.pk]), {"reason": "Oops"})
    assert "cannot be voided" in response.text
    entry.refresh_from_db()
    assert not entry.is_voided


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("", {"pending", "done", "checked", "void"}),
        ("to_re_enter", {"pending"}),
        ("to_check", {"done"}),
        ("checked", {"checked"}),
        ("voided", {"void"}),
    ],
)
def test_the_whole_log_filters_by_status(client, staff, colleague, cutover, after_go_live, status, expected):
    entries = {
        name: EntryFactory(migration=cutover, recorded_by=staff) for name in ["pending", "done", "checked", "void"]
    }
    services.entry_mark_re_entered(entry=entries["done"], by=staff)
    services.entry_mark_re_entered(entry=entries["checked"], by=staff)
    services.entry_mark_checked(entry=entries["checked"], by=colleague)
    services.entry_void(entry=entries["void"], reason="Duplicate", by=staff)
    client.force_login(staff)
    response = client.get(reverse("reentry-log", args=[cutover.pk]), {"status": status} if status else {})
    shown = {name for name, entry in entries.items() if entry in response.context["page"].object_list}
    assert shown == expected


def test_the_whole_log_runs_a_fixed_number_of_queries(
    client, staff, colleague, cutover, after_go_live, django_assert_max_num_queries
):
    client.force_login(staff)
    EntryFactory(migration=cutover, recorded_by=staff)
    with django_assert_max_num_queries(10) as few:
        client.get(reverse("reentry-log", args=[cutover.pk]))
    for entry in EntryFactory.create_batch(10, migration=cutover, recorded_by=colleague):
        services.entry_mark_re_entered(entry=entry, by=staff)
        services.entry_mark_checked(entry=entry, by=colleague)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("reentry-log", args=[cutover.pk]))


def test_an_entry_page_shows_its_details_history_and_who_opened_it(client, staff, colleague, cutover, after_go_live):
    entry = EntryFactory(migration=cutover, recorded_by=staff, nhs_number="9434765919")
    services.entry_mark_re_entered(entry=entry, by=staff)
    client.force_login(colleague)
    client.get(entry.get_absolute_url())
    response = client.get(entry.get_absolute_url())
    assert "943 476 5919" in response.text
    assert f"Re-entered by: (empty) → {staff}" in response.text
    events = AccessEvent.objects.filter(entry=entry, user=colleague, action="viewed_entry")
    assert events.count() == 2
    assert len(response.context["access_events"]) == 2


def test_an_entry_of_another_migration_is_not_found_under_this_one(
    client, staff, cutover, other_practice, suppliers, after_go_live
):
    from tests.factories import MigrationFactory

    elsewhere = MigrationFactory(
        practice=other_practice, current_supplier=suppliers[0], new_supplier=suppliers[1], fdp_date=FDP
    )
    entry = EntryFactory(migration=elsewhere, recorded_by=staff)
    client.force_login(staff)
    assert client.get(reverse("reentry-entry", args=[cutover.pk, entry.pk])).status_code == 404
    assert client.get(reverse("reentry-entry", args=[cutover.pk, 99999])).status_code == 404


def test_the_entry_page_on_go_live_day_offers_re_registration(client, staff, cutover):
    import time_machine

    entry = RegistrationEntryFactory(migration=cutover, recorded_by=staff)
    # Signed in inside each travel: a session started at the real time would have expired.
    with time_machine.travel(at(cutover.go_live_date, 9), tick=False):
        client.force_login(staff)
        response = client.get(entry.get_absolute_url())
    assert "Mark re-registered" in response.text
    with time_machine.travel(at(cutover.go_live_date - datetime.timedelta(days=1), 9), tick=False):
        client.force_login(staff)
        response = client.get(entry.get_absolute_url())
    assert "Mark re-registered" not in response.text
