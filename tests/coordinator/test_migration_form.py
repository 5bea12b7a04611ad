"""A practice manager plans a migration and changes its dates; bad input is explained and saves nothing."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from cutover.models import Migration

from ..factories import MigrationFactory

TODAY = dt.date(2026, 11, 26)
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.UTC), tick=False):
        yield


def create_data(practice, suppliers, **overrides):
    data = {
        "practice": practice.pk,
        "current_system": "EMIS Web",
        "current_supplier": suppliers[0].pk,
        "new_system": "TPP SystmOne",
        "new_supplier": suppliers[1].pk,
        "fdp_date": "2027-02-10",
        "go_live_date": "2027-02-17",
        "legacy_support_days": "90",
    }
    data.update(overrides)
    return data


def test_manager_creates_a_migration_and_lands_on_its_timeline(client, manager, practice, suppliers):
    client.force_login(manager)
    response = client.post(reverse("migration-create"), create_data(practice, suppliers), follow=True)
    migration = Migration.objects.get(practice=practice)
    assert response.redirect_chain[-1][0] == reverse("migration-detail", args=[migration.pk])
    assert migration.created_by == manager
    assert migration.legacy_support_days == 90
    page = response.content.decode()
    assert "Key dates" in page
    assert "13 Jan 2027" in page  # planning meeting, 28 days before FDP
    assert "8 Feb 2027 to 9 Feb 2027" in page  # switch-off window
    assert "Cutover (7 days)" in page
    assert "18 May 2027" in page  # legacy support end: go-live + 90


def test_the_creation_is_recorded_in_the_history_with_who_did_it(client, manager, practice, suppliers):
    client.force_login(manager)
    client.post(reverse("migration-create"), create_data(practice, suppliers))
    record = Migration.objects.get(practice=practice).history.get()
    assert record.history_type == "+"
    assert record.history_user == manager


def assert_refused(client, manager, practice, suppliers, field, message, **overrides):
    client.force_login(manager)
    response = client.post(reverse("migration-create"), create_data(practice, suppliers, **overrides))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors.get(field, []))
    assert not Migration.objects.exists()
    return response


def test_go_live_must_be_after_fdp(client, manager, practice, suppliers):
    assert_refused(
        client,
        manager,
        practice,
        suppliers,
        "go_live_date",
        "Go-live must be after the FDP date",
        go_live_date="2027-02-10",
    )


def test_a_new_migration_cannot_start_in_the_past(client, manager, practice, suppliers):
    assert_refused(client, manager, practice, suppliers, "fdp_date", "cannot be set in the past", fdp_date="2026-11-20")


def test_a_long_cutover_needs_confirming(client, manager, practice, suppliers):
    response = assert_refused(
        client, manager, practice, suppliers, "confirm_long_cutover", "lasts 28 days", go_live_date="2027-03-10"
    )
    # Everything typed is still there to confirm.
    assert response.context["form"]["go_live_date"].value() == "2027-03-10"
    confirmed = create_data(practice, suppliers, go_live_date="2027-03-10", confirm_long_cutover="on")
    client.post(reverse("migration-create"), confirmed)
    assert Migration.objects.get().cutover_days == 28


def test_an_unreadable_date_is_explained(client, manager, practice, suppliers):
    assert_refused(client, manager, practice, suppliers, "fdp_date", "Enter a valid date", fdp_date="31/02/2027")


def test_legacy_support_days_must_be_sensible(client, manager, practice, suppliers):
    assert_refused(
        client,
        manager,
        practice,
        suppliers,
        "legacy_support_days",
        "greater than or equal to 1",
        legacy_support_days="0",
    )


def test_fdp_less_than_four_weeks_away_is_allowed_with_a_warning(client, manager, practice, suppliers):
    client.force_login(manager)
    response = client.post(
        reverse("migration-create"),
        create_data(practice, suppliers, fdp_date="2026-12-10", go_live_date="2026-12-17"),
        follow=True,
    )
    assert Migration.objects.count() == 1
    assert "can no longer be held 4 weeks before it" in response.content.decode()


def test_a_practice_cannot_have_two_active_migrations(client, manager, practice, suppliers, migration):
    client.force_login(manager)
    response = client.post(reverse("migration-create"), create_data(practice, suppliers))
    assert "already has an active migration" in " ".join(response.context["form"].errors["practice"])
    assert Migration.objects.count() == 1


def test_the_database_refuses_a_second_active_migration_even_without_the_form(practice, suppliers, migration):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        MigrationFactory(practice=practice, current_supplier=suppliers[0], new_supplier=suppliers[1])


def test_a_closed_migration_does_not_block_a_new_one(practice, suppliers, migration):
    migration.status = Migration.Status.COMPLETED
    migration.save()
    MigrationFactory(practice=practice, current_supplier=suppliers[0], new_supplier=suppliers[1])
    assert Migration.objects.active().count() == 1


def test_a_manager_cannot_plan_for_a_practice_they_do_not_manage(client, manager, suppliers, other_practice):
    client.force_login(manager)
    response = client.post(reverse("migration-create"), create_data(other_practice, suppliers))
    assert "Select a valid choice" in " ".join(response.context["form"].errors["practice"])
    assert not Migration.objects.exists()


def edit_data(migration, **overrides):
    data = {
        "current_system": migration.current_system,
        "current_supplier": migration.current_supplier_id,
        "new_system": migration.new_system,
        "new_supplier": migration.new_supplier_id,
        "fdp_date": migration.fdp_date.isoformat(),
        "go_live_date": migration.go_live_date.isoformat(),
        "legacy_support_days": migration.legacy_support_days,
        "planning_meeting_date": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def planned(practice, suppliers):
    return MigrationFactory(
        practice=practice,
        current_supplier=suppliers[0],
        new_supplier=suppliers[1],
        fdp_date=dt.date(2027, 2, 10),
        go_live_date=dt.date(2027, 2, 17),
    )


def test_editing_the_dates_recomputes_the_timeline_and_records_the_change(client, manager, planned):
    client.force_login(manager)
    response = client.post(
        reverse("migration-edit", args=[planned.pk]),
        edit_data(planned, fdp_date="2027-03-03", go_live_date="2027-03-10", legacy_support_days="45"),
        follow=True,
    )
    planned.refresh_from_db()
    assert (planned.fdp_date, planned.go_live_date, planned.legacy_support_days) == (
        dt.date(2027, 3, 3),
        dt.date(2027, 3, 10),
        45,
    )
    page = response.content.decode()
    assert "3 Feb 2027" in page  # new planning meeting due date
    assert "24 Apr 2027" in page  # go-live + 45
    changes = client.get(reverse("migration-changes", args=[planned.pk])).content.decode()
    assert "10 Feb 2027 → 3 Mar 2027" in changes  # the history line
    latest = planned.history.first()
    assert latest.history_user == manager


def test_editing_with_bad_dates_keeps_the_saved_ones(client, manager, planned):
    client.force_login(manager)
    response = client.post(reverse("migration-edit", args=[planned.pk]), edit_data(planned, go_live_date="2027-02-01"))
    assert "Go-live must be after the FDP date" in response.content.decode()
    planned.refresh_from_db()
    assert planned.go_live_date == dt.date(2027, 2, 17)


def test_a_planning_meeting_cannot_be_recorded_in_the_future(client, manager, planned):
    client.force_login(manager)
    response = client.post(
        reverse("migration-edit", args=[planned.pk]), edit_data(planned, planning_meeting_date="2026-12-01")
    )
    assert "has happened" in " ".join(response.context["form"].errors["planning_meeting_date"])
    planned.refresh_from_db()
    assert planned.planning_meeting_date is None


def test_dates_already_in_the_past_can_stay_when_editing_during_cutover(client, manager, practice, suppliers):
    in_cutover = MigrationFactory(
        practice=practice,
        current_supplier=suppliers[0],
        new_supplier=suppliers[1],
        fdp_date=dt.date(2026, 11, 23),
        go_live_date=dt.date(2026, 11, 30),
    )
    client.force_login(manager)
    client.post(reverse("migration-edit", args=[in_cutover.pk]), edit_data(in_cutover, go_live_date="2026-12-02"))
    in_cutover.refresh_from_db()
    assert in_cutover.go_live_date == dt.date(2026, 12, 2)


# Key dates on a weekend or bank holiday, and dates no cutover could have -------------------------


def test_an_fdp_on_a_bank_holiday_is_named_and_must_be_confirmed(client, manager, practice, suppliers):
    response = assert_refused(
        client,
        manager,
        practice,
        suppliers,
        "confirm_non_working_day",
        "FDP: Mon 3 May 2027 is the early May bank holiday. Suppliers and staff may not be at work then",
        fdp_date="2027-05-03",
        go_live_date="2027-05-10",
    )
    assert "Nothing has been saved yet" in response.content.decode()


def test_a_go_live_on_christmas_day_and_an_fdp_on_a_sunday_are_both_named(client, manager, practice, suppliers):
    assert_refused(
        client,
        manager,
        practice,
        suppliers,
        "confirm_non_working_day",
        "FDP: Sun 20 Dec 2026 is a Sunday. Go-live: Fri 25 Dec 2026 is Christmas Day.",
        fdp_date="2026-12-20",
        go_live_date="2026-12-25",
    )


def test_a_confirmed_weekend_switch_over_is_saved(client, manager, practice, suppliers):
    client.force_login(manager)
    client.post(
        reverse("migration-create"),
        create_data(
            practice, suppliers, fdp_date="2027-02-13", go_live_date="2027-02-15", confirm_non_working_day="on"
        ),
    )
    assert Migration.objects.get(practice=practice).fdp_date == dt.date(2027, 2, 13)


def test_changing_something_else_does_not_ask_again_about_a_date_already_on_a_weekend(
    client, manager, practice, suppliers
):
    weekend = MigrationFactory(
        practice=practice,
        current_supplier=suppliers[0],
        new_supplier=suppliers[1],
        fdp_date=dt.date(2027, 2, 13),
        go_live_date=dt.date(2027, 2, 15),
    )
    client.force_login(manager)
    client.post(reverse("migration-edit", args=[weekend.pk]), edit_data(weekend, legacy_support_days="60"))
    weekend.refresh_from_db()
    assert weekend.legacy_support_days == 60


def test_moving_go_live_onto_a_bank_holiday_must_be_confirmed(client, manager, planned):
    client.force_login(manager)
    response = client.post(reverse("migration-edit", args=[planned.pk]), edit_data(planned, go_live_date="2027-03-29"))
    assert (
        response.context["form"]
        .errors["confirm_non_working_day"][0]
        .startswith("Go-live: Mon 29 Mar 2027 is Easter Monday.")
    )
    planned.refresh_from_db()
    assert planned.go_live_date == dt.date(2027, 2, 17)


@pytest.mark.parametrize(
    ("field", "overrides"),
    [
        ("fdp_date", {"fdp_date": "9999-12-30", "go_live_date": "9999-12-31"}),
        ("go_live_date", {"go_live_date": "9999-12-31"}),
        ("fdp_date", {"fdp_date": "9999-09-01"}),
        ("go_live_date", {"go_live_date": "2101-01-04"}),
    ],
)
def test_dates_past_the_plannable_years_are_refused_next_to_the_field(
    client, manager, practice, suppliers, field, overrides
):
    assert_refused(client, manager, practice, suppliers, field, "Enter a date between 2000 and 2100.", **overrides)


def test_a_change_to_a_date_at_the_end_of_the_calendar_is_refused_and_the_saved_dates_stay(client, manager, planned):
    client.force_login(manager)
    response = client.post(reverse("migration-edit", args=[planned.pk]), edit_data(planned, go_live_date="9999-12-31"))
    assert response.status_code == 200
    assert response.context["form"].errors["go_live_date"] == ["Enter a date between 2000 and 2100."]
    planned.refresh_from_db()
    assert planned.go_live_date == dt.date(2027, 2, 17)


def test_saving_dates_and_a_meeting_reads_the_stored_row_once(manager, planned):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from coordinator.services import migration_update

    with CaptureQueriesContext(connection) as queries:
        # As the change form does: every field, the meeting date among them.
        migration_update(
            migration=planned,
            by=manager,
            fdp_date=dt.date(2027, 3, 3),
            go_live_date=dt.date(2027, 3, 10),
            planning_meeting_date=dt.date(2026, 11, 25),
        )
    sql = [q["sql"] for q in queries.captured_queries]
    update_at = next(i for i, text in enumerate(sql) if text.startswith('UPDATE "cutover_migration"'))
    # Reads of the migration's own row before it is written (PostgreSQL adds FOR UPDATE to the one read).
    reads = [text for text in sql[:update_at] if text.startswith("SELECT") and 'FROM "cutover_migration"' in text]
    assert len(reads) == 1, reads
    planned.refresh_from_db()
    assert (planned.fdp_date, planned.planning_meeting_date) == (dt.date(2027, 3, 3), dt.date(2026, 11, 25))
