"""The migration page keeps its content for each person (coordinator/page_cache.py): whatever changes
in any of its sections, by whatever path, the next view shows it; nobody sees a page kept for
somebody else."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cutover.models import Migration
from cutover.timeline import local_today
from lifecycle.models import SignOff
from practices.models import PracticeMembership, StakeholderConfirmation
from reentry.services import entry_void
from reminders.models import ReminderLog

from ..factories import ContactFactory
from ..kept_pages import assert_the_change_shows, page_content
from ..reentry.factories import EntryFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no row versions: nothing is kept"),
]


def page_url(migration) -> str:
    return reverse("migration-detail", args=[migration.pk])


def nothing(migration, manager):
    pass


def confirm_who_is_involved(migration, manager):
    StakeholderConfirmation.objects.create(migration=migration, confirmed_by=manager)


def add_a_contact(migration, manager):
    ContactFactory(migration=migration)


def rename_the_practice(migration, manager):
    migration.practice.name = "Riverside Health Centre"
    migration.practice.save()


def rename_the_new_supplier(migration, manager):
    migration.new_supplier.name = "TPP (The Phoenix Partnership)"
    migration.new_supplier.save()


def sign_off_the_data_checking(migration, manager):
    SignOff.objects.create(
        migration=migration, kind=SignOff.Kind.DATA_CHECKING, signed_at=timezone.now(), signed_by=manager
    )


def rename_the_signer(migration, manager):
    manager.first_name = "Renamed"
    manager.save()


def send_a_reminder_that_fails(migration, manager):
    ReminderLog.objects.create(
        migration=migration,
        kind="planning_meeting",
        recipient_email=manager.email,
        due_date=local_today(),
        status=ReminderLog.Status.FAILED,
    )


def record_an_entry(migration, manager):
    migration.fdp_date, migration.go_live_date = (
        local_today() - dt.timedelta(days=2),
        local_today() + dt.timedelta(days=2),
    )
    migration.save()
    EntryFactory(migration=migration, recorded_by=manager)


def void_the_entry(migration, manager):
    entry_void(entry=migration.reentry_entries.get(), by=manager, reason="Recorded twice")


def make_the_manager_clinical_lead(migration, manager):
    # Audit: a test of the cache; a bulk write (no signals, no history) must still show.
    PracticeMembership.objects.filter(user=manager, practice=migration.practice).update(is_clinical_lead=True)


def cancel_the_migration_behind_the_apps_back(migration, manager):
    Migration.objects.filter(pk=migration.pk).update(status=Migration.Status.CANCELLED)  # Audit: as above.


# (what is there before the page is first shown, the change made while it is kept)
CHANGES = [
    (nothing, confirm_who_is_involved),
    (nothing, add_a_contact),
    (nothing, rename_the_practice),
    (nothing, rename_the_new_supplier),
    (nothing, sign_off_the_data_checking),
    (sign_off_the_data_checking, rename_the_signer),
    (nothing, send_a_reminder_that_fails),
    (nothing, record_an_entry),
    (record_an_entry, void_the_entry),
    (nothing, make_the_manager_clinical_lead),
    (nothing, cancel_the_migration_behind_the_apps_back),
]


@pytest.mark.parametrize(("setup", "change"), CHANGES, ids=[change.__name__ for _, change in CHANGES])
def test_after_any_change_the_page_shows_what_a_page_built_afresh_shows(client, manager, migration, setup, change):
    setup(migration, manager)
    client.force_login(manager)
    assert_the_change_shows(client, page_url(migration), lambda: change(migration, manager))


def test_each_person_sees_the_page_kept_for_them_alone(client, manager, staff, icb_user, migration):
    url = page_url(migration)
    pages = {}
    for person in (manager, staff, icb_user, manager):
        client.force_login(person)
        pages.setdefault(person, []).append(page_content(client, url))
    assert "Change dates" in pages[manager][0] and pages[manager][0] == pages[manager][1]
    assert "Change dates" not in pages[staff][0]
    assert "Change dates" not in pages[icb_user][0]


def test_someone_whose_role_changes_sees_the_page_for_their_new_role(client, manager, migration):
    client.force_login(manager)
    url = page_url(migration)
    assert "Change dates" in page_content(client, url)
    # Audit: a test of the cache; the membership row's new version must show.
    PracticeMembership.objects.filter(user=manager).update(role=PracticeMembership.Role.PRACTICE_STAFF)
    assert "Change dates" not in page_content(client, url)


def test_the_next_day_the_page_counts_the_days_from_that_day(client, manager, migration):
    url = page_url(migration)
    now = timezone.now()
    with_days = {}
    for day in (now, now + dt.timedelta(days=1)):
        with time_machine.travel(day, tick=False):
            client.force_login(manager)
            with_days[day] = page_content(client, url)
    assert with_days[now] != with_days[now + dt.timedelta(days=1)]


def test_a_form_on_a_kept_page_carries_the_viewers_own_valid_csrf_token(manager, migration):
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)
    url = page_url(migration)
    client.get(url)
    kept = client.get(url).content.decode()
    action = reverse("calendar-feed-create")
    form = kept[kept.index(f'action="{action}"') :]
    token = form.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]

    response = client.post(action, {"csrfmiddlewaretoken": token, "kind": "migration", "target": migration.pk})

    assert response.status_code in (200, 302)
