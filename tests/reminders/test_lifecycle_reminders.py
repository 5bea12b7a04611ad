"""Reminders for the lifecycle before the cutover: the order, the kick-off, IDP and the clinical
lead's data-checking sign-off, each a week ahead, moving with its date and stopping at close."""

import pytest

from coordinator import services
from lifecycle.closing import migration_cancel
from lifecycle.models import SignOff
from reminders.kinds import LIFECYCLE_KINDS
from reminders.models import ReminderLog
from reminders.send import reminder_send
from reminders.sweep import reminders_sweep

from ..factories import at
from .conftest import by_address, d, london, send_due, walk

pytestmark = [pytest.mark.django_db, pytest.mark.lifecycle_reminders]

MANAGER = "manager@riverside.example"
LEAD = "staff@riverside.example"  # the practice's clinical lead in these tests


@pytest.fixture
def clinical_lead(staff, practice):
    staff.practice_memberships.filter(practice=practice).update(is_clinical_lead=True)
    return staff


def lifecycle_only(logged: dict) -> dict:
    """The days and reminders of the lifecycle kinds, leaving out the others the walk also logs."""
    kept = {}
    for day, kinds in logged.items():
        found = {kind: who for kind, who in kinds.items() if kind in LIFECYCLE_KINDS}
        if found:
            kept[day] = found
    return kept


def test_the_manager_hears_a_week_ahead_and_the_clinical_lead_of_the_sign_off(
    clock, people, clinical_lead, make_migration
):
    # FDP Wednesday 10 Mar 2027, planned in good time: every date keeps its lead time from FDP.
    make_migration("2027-03-10", "2027-03-17")
    assert lifecycle_only(walk(clock, "2026-12-01", "2027-03-09")) == {
        "2026-12-04": {"order_ahead": [MANAGER]},  # the order on Friday 11 Dec
        "2026-12-30": {"kickoff_ahead": [MANAGER]},  # kick-off on Wednesday 6 Jan
        "2027-02-10": {"idp_ahead": [MANAGER]},  # IDP on Wednesday 17 Feb
        "2027-02-24": {"data_signoff_ahead": [MANAGER, LEAD]},
        "2027-03-03": {"data_signoff_due": [MANAGER, LEAD]},
    }


def test_the_sign_off_email_tells_the_clinical_lead_what_is_due(clock, people, clinical_lead, make_migration):
    make_migration("2027-03-10", "2027-03-17")
    clock("2027-03-03 07:30")
    email = by_address(send_due())[LEAD]
    assert email.subject == "Riverside Medical Centre: data checking sign-off due today"
    assert "go, or no-go, for final data production on 10 Mar 2027" in email.body


def test_a_moved_date_moves_its_reminder_and_the_one_for_the_old_date_is_not_sent(
    clock, people, manager, make_migration
):
    migration = make_migration("2027-03-10", "2027-03-17")
    clock("2026-12-30 07:00")  # before the send time: logged by the sweep, not yet sent
    reminders_sweep(now=london("2026-12-30 07:31"), enqueue=False)
    old = ReminderLog.objects.get(kind="kickoff_ahead")
    services.migration_update(migration=migration, by=manager, kickoff_date=d("2027-01-13"))
    assert reminder_send(reminder_id=old.pk, today=d("2026-12-30")) == "cancelled"
    assert lifecycle_only(walk(clock, "2026-12-31", "2027-01-12")) == {"2027-01-06": {"kickoff_ahead": [MANAGER]}}


def test_nothing_more_about_the_sign_off_once_the_data_has_its_go(clock, people, clinical_lead, make_migration):
    migration = make_migration("2027-03-10", "2027-03-17")
    clock("2027-02-22 12:00")
    SignOff.objects.create(
        migration=migration, kind="data_checking", decision="go", signed_by=clinical_lead, signed_at=at(d("2027-02-22"))
    )
    assert lifecycle_only(walk(clock, "2027-02-22", "2027-03-09")) == {}


def test_closing_the_migration_cancels_its_lifecycle_reminders_and_sends_no_more(
    clock, people, manager, clinical_lead, make_migration
):
    migration = make_migration("2027-03-10", "2027-03-17")
    clock("2027-02-24 07:00")
    reminders_sweep(now=london("2027-02-24 07:31"), enqueue=False)
    assert ReminderLog.objects.filter(kind="data_signoff_ahead", status="pending").count() == 2
    migration_cancel(migration=migration, reason="The ICB postponed the wave.", by=manager)
    assert set(ReminderLog.objects.filter(kind="data_signoff_ahead").values_list("status", flat=True)) == {"cancelled"}
    assert lifecycle_only(walk(clock, "2027-02-25", "2027-03-09")) == {}


def test_a_migration_planned_late_sends_nothing_late_about_the_phases_already_behind(
    clock, people, clinical_lead, make_migration
):
    # Planned on Monday 1 Feb for FDP on 10 Mar: the order and kick-off are due that first day.
    clock("2027-02-01 09:00")
    migration = make_migration("2027-03-10", "2027-03-17")
    assert migration.order_on == migration.kickoff_on == d("2027-02-01")
    assert lifecycle_only(walk(clock, "2027-02-01", "2027-02-09")) == {}
