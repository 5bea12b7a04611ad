"""Closing a migration: completed after go-live, cancelled any time, reopened by a superuser."""

import datetime

import pytest
from django.urls import reverse

from coordinator import services
from cutover.models import Migration
from lifecycle.closing import CLOSED_REMINDER_NOTE, migration_cancel, migration_complete
from lifecycle.models import Closure
from reentry.retention import retention_of
from reminders.models import ReminderLog
from reminders.sweep import reminders_sweep

from ..factories import MigrationFactory, working_day_in
from ..reentry.factories import EntryFactory


@pytest.fixture
def live_migration(practice, suppliers):
    """A migration that went live yesterday: it may be completed."""
    today = datetime.date.today()
    return MigrationFactory(
        practice=practice,
        current_supplier=suppliers[0],
        new_supplier=suppliers[1],
        fdp_date=today - datetime.timedelta(days=8),
        go_live_date=today - datetime.timedelta(days=1),
    )


def pending_reminder(migration, *, days_ahead=3) -> ReminderLog:
    return ReminderLog.objects.create(
        migration=migration,
        kind="go_live",
        recipient_email="manager@riverside.example",
        due_date=datetime.date.today() + datetime.timedelta(days=days_ahead),
    )


def test_manager_completes_a_live_migration_with_lessons_learned(client, manager, live_migration):
    EntryFactory(migration=live_migration)
    client.force_login(manager)
    response = client.post(
        reverse("migration-complete", args=[live_migration.pk]),
        {"lessons_learned": "Book the IT lead for go-live week earlier."},
    )
    assert response.status_code == 302
    live_migration.refresh_from_db()
    assert live_migration.status == Migration.Status.COMPLETED
    closure = Closure.objects.get(migration=live_migration)
    assert closure.closed_by == manager
    assert closure.summary["cutover_days"] == 7
    assert closure.summary["reentry_recorded"] == 1
    page = client.get(live_migration.get_absolute_url()).content.decode()
    assert "Completed: this migration is closed" in page
    assert "Book the IT lead for go-live week earlier." in page
    assert "Closed (completed)" in page


def test_a_migration_cannot_be_completed_before_go_live(client, manager, migration):
    client.force_login(manager)
    url = reverse("migration-complete", args=[migration.pk])
    assert "Until then it can only be cancelled" in client.get(url).content.decode()
    response = client.post(url, {"lessons_learned": "Too early."})
    assert response.status_code == 200
    assert "can be completed from go-live day" in response.content.decode()
    migration.refresh_from_db()
    assert migration.status == Migration.Status.ACTIVE
    assert not Closure.objects.exists()


def test_cancelling_needs_a_reason_and_nothing_is_saved_without_one(client, manager, migration):
    client.force_login(manager)
    response = client.post(reverse("migration-cancel", args=[migration.pk]), {"reason": "   "})
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    migration.refresh_from_db()
    assert migration.status == Migration.Status.ACTIVE


def test_manager_cancels_a_migration_before_fdp(client, manager, migration):
    client.force_login(manager)
    response = client.post(reverse("migration-cancel", args=[migration.pk]), {"reason": "The practice is merging."})
    assert response.status_code == 302
    migration.refresh_from_db()
    assert migration.status == Migration.Status.CANCELLED
    assert Closure.objects.get(migration=migration).note == "The practice is merging."


@pytest.mark.parametrize("who", ["staff", "it_lead", "icb_user", "partner_user"])
def test_only_the_manager_may_close_a_migration(client, request, who, live_migration):
    client.force_login(request.getfixturevalue(who))
    for name, data in [("migration-complete", {"lessons_learned": "x"}), ("migration-cancel", {"reason": "x"})]:
        assert client.post(reverse(name, args=[live_migration.pk]), data).status_code == 403
    live_migration.refresh_from_db()
    assert live_migration.status == Migration.Status.ACTIVE


def test_closing_twice_is_refused_and_changes_nothing(client, manager, live_migration):
    migration_complete(migration=live_migration, lessons_learned="Went well.", by=manager)
    client.force_login(manager)
    response = client.post(reverse("migration-cancel", args=[live_migration.pk]), {"reason": "Changed my mind"})
    assert response.status_code == 403
    assert "This migration is closed (completed)" in response.content.decode()
    assert Closure.objects.get(migration=live_migration).outcome == Closure.Outcome.COMPLETED


def test_closing_cancels_pending_reminders_and_the_page_shows_them_as_not_sent(client, manager, migration):
    reminder = pending_reminder(migration)
    migration_cancel(migration=migration, reason="Postponed by the ICB.", by=manager)
    reminder.refresh_from_db()
    assert reminder.status == ReminderLog.Status.CANCELLED
    assert reminder.note == CLOSED_REMINDER_NOTE
    client.force_login(manager)
    page = client.get(migration.get_absolute_url()).content.decode()
    assert "Not sent: the migration was closed." in page


def test_the_sweep_sends_nothing_for_a_closed_migration(manager, live_migration):
    migration_complete(migration=live_migration, lessons_learned="Fine.", by=manager)
    result = reminders_sweep(day=datetime.date.today(), migration_ids=[live_migration.pk], enqueue=False)
    assert result.planned == []
    assert not live_migration.reminders.exclude(status=ReminderLog.Status.CANCELLED).exists()


def test_closing_frees_the_practice_for_its_next_migration(manager, practice, suppliers, live_migration):
    with pytest.raises(services.MigrationConflict):
        services.migration_create(
            practice=practice,
            current_system="TPP SystmOne",
            current_supplier=suppliers[1],
            new_system="EMIS Web",
            new_supplier=suppliers[0],
            fdp_date=working_day_in(60),
            go_live_date=working_day_in(67),
            by=manager,
        )
    migration_complete(migration=live_migration, lessons_learned="Fine.", by=manager)
    following = services.migration_create(
        practice=practice,
        current_system="TPP SystmOne",
        current_supplier=suppliers[1],
        new_system="EMIS Web",
        new_supplier=suppliers[0],
        fdp_date=working_day_in(60),
        go_live_date=working_day_in(67),
        by=manager,
    )
    assert following.status == Migration.Status.ACTIVE


def test_closing_keeps_the_re_entry_retention_rule(manager, live_migration):
    EntryFactory(migration=live_migration)
    before = retention_of(live_migration)
    migration_complete(migration=live_migration, lessons_learned="Fine.", by=manager)
    after = retention_of(live_migration)
    assert (after.due_on, after.to_remove) == (before.due_on, before.to_remove)


def test_a_closed_migration_stays_on_the_dashboard_with_its_outcome(client, icb_user, manager, migration):
    migration_cancel(migration=migration, reason="Postponed.", by=manager)
    client.force_login(icb_user)
    page = client.get(reverse("dashboard"), {"stage": "closed"}).content.decode()
    assert migration.practice.name in page
    assert "Closed (cancelled)" in page


def test_superuser_reopens_a_closed_migration_with_a_reason(client, superuser, manager, migration):
    reminder = pending_reminder(migration, days_ahead=0)
    migration_cancel(migration=migration, reason="Postponed.", by=manager)
    client.force_login(superuser)
    url = reverse("migration-reopen", args=[migration.pk])
    assert client.post(url, {"reason": ""}).status_code == 200
    migration.refresh_from_db()
    assert migration.is_closed
    response = client.post(url, {"reason": "Cancelled by mistake."})
    assert response.status_code == 302
    migration.refresh_from_db()
    assert migration.status == Migration.Status.ACTIVE
    closure = Closure.objects.get(migration=migration)
    assert (closure.reopened_by, closure.reopen_reason) == (superuser, "Cancelled by mistake.")
    assert reminder.pk  # the row stays: the sweep logs again whatever is still due for the migration's dates


def test_only_a_superuser_may_reopen(client, manager, migration):
    migration_cancel(migration=migration, reason="Postponed.", by=manager)
    client.force_login(manager)
    response = client.post(reverse("migration-reopen", args=[migration.pk]), {"reason": "Please"})
    assert response.status_code == 403
    migration.refresh_from_db()
    assert migration.is_closed


def test_reopening_is_refused_while_the_practice_has_started_its_next_migration(
    client, superuser, manager, practice, suppliers, migration
):
    migration_cancel(migration=migration, reason="Postponed.", by=manager)
    MigrationFactory(practice=practice, current_supplier=suppliers[0], new_supplier=suppliers[1])
    client.force_login(superuser)
    response = client.post(reverse("migration-reopen", args=[migration.pk]), {"reason": "Mistake"})
    assert response.status_code == 200
    assert "started another migration since" in response.content.decode()
    migration.refresh_from_db()
    assert migration.is_closed
