"""Third-party switch-off: each supplier contact and the practice manager, a week ahead and when
the switch-off window opens, for every system not yet confirmed off."""

import datetime as dt

import pytest
from django.utils import timezone

from reminders.models import ReminderLog
from reminders.send import reminder_send
from reminders.sweep import reminders_sweep
from systems.third_party import third_party_mark_not_applicable, third_party_step_record

from ..factories import ThirdPartySystemFactory
from .conftest import by_address, d, due_today, send_due, walk

pytestmark = pytest.mark.django_db

MANAGER = "manager@riverside.example"
DOCMAN = "chris@docman.example"
APOLLO = "sam@apollo.example"
AHEAD = "third_party_switch_off_ahead"
WINDOW = "third_party_switch_off_window"


@pytest.fixture
def systems(practice):
    """Four linked systems: two with contacts, one without an email, one that does not apply."""
    return {
        "docman": ThirdPartySystemFactory(
            practice=practice, name="Docman", contact_name="Chris Taylor", contact_email="Chris@Docman.example"
        ),
        "apollo": ThirdPartySystemFactory(
            practice=practice, name="Apollo", contact_name="Sam Lee", contact_email=APOLLO, supplier_name="Apollo Ltd"
        ),
        "online": ThirdPartySystemFactory(practice=practice, name="Online consult", contact_email=""),
        "unused": ThirdPartySystemFactory(practice=practice, name="Unused", contact_email="nobody@unused.example"),
    }


# Links confirmed off before the switch-off window opens need a reason (an unfrozen clock is always early here).
EARLY = "The supplier switches links off a week ahead"


@pytest.fixture
def fdp_10_march(people, make_migration, systems, manager):
    """FDP Wednesday 10 Mar 2027: the window is Monday 8 and Tuesday 9 Mar, a week ahead is Wednesday 3 Mar."""
    migration = make_migration("2027-03-10", "2027-03-17", planning_meeting_date=d("2027-02-01"))
    third_party_mark_not_applicable(migration=migration, system=systems["unused"], reason="Not used here", by=manager)
    return migration


def test_contacts_and_the_manager_hear_a_week_ahead_and_when_the_window_opens(clock, fdp_10_march):
    assert walk(clock, "2027-02-22", "2027-03-09") == {
        "2027-03-03": {AHEAD: sorted([APOLLO, DOCMAN, MANAGER])},
        "2027-03-08": {WINDOW: sorted([APOLLO, DOCMAN, MANAGER])},
    }


def test_a_system_confirmed_off_drops_out_of_the_window_reminder(clock, fdp_10_march, systems, manager):
    clock("2027-03-04 10:00")  # before the window: early, so it needs a reason
    third_party_step_record(
        migration=fdp_10_march, system=systems["apollo"], step="switched_off", by=manager, reason=EARLY
    )
    clock("2027-03-08 07:30")
    assert due_today() == {WINDOW: [DOCMAN, MANAGER]}


def test_nothing_goes_once_every_system_is_off_or_not_applicable(clock, fdp_10_march, systems, manager):
    for name in ["docman", "apollo", "online"]:
        third_party_step_record(
            migration=fdp_10_march, system=systems[name], step="switched_off", by=manager, reason=EARLY
        )
    assert walk(clock, "2027-02-22", "2027-03-09") == {}


def test_a_practice_without_linked_systems_gets_no_switch_off_reminders(clock, people, make_migration):
    make_migration("2027-03-10", "2027-03-17", planning_meeting_date=d("2027-02-01"))
    assert walk(clock, "2027-03-01", "2027-03-09") == {}


def test_working_days_are_counted_back_over_easter(clock, people, make_migration, practice):
    # FDP Thursday 1 Apr 2027. The window is Tuesday 30 and Wednesday 31 Mar; five working days
    # before FDP skips Easter Monday (29 Mar), the weekend and Good Friday (26 Mar): Tuesday 23 Mar.
    ThirdPartySystemFactory(practice=practice, contact_email=DOCMAN)
    make_migration("2027-04-01", "2027-04-08", planning_meeting_date=d("2027-02-01"))
    assert walk(clock, "2027-03-15", "2027-03-31") == {
        "2027-03-23": {AHEAD: [DOCMAN, MANAGER]},
        "2027-03-30": {WINDOW: [DOCMAN, MANAGER]},
    }


def test_a_window_before_a_bank_holiday_monday_opens_the_thursday_before(clock, people, make_migration, practice):
    # FDP Tuesday 4 May 2027, after the early May bank holiday: window Thursday 29 and Friday 30 Apr.
    ThirdPartySystemFactory(practice=practice, contact_email=DOCMAN)
    make_migration("2027-05-04", "2027-05-11", planning_meeting_date=d("2027-03-01"))
    assert walk(clock, "2027-04-19", "2027-05-03") == {
        "2027-04-26": {AHEAD: [DOCMAN, MANAGER]},
        "2027-04-29": {WINDOW: [DOCMAN, MANAGER]},
    }


def test_a_missed_window_day_is_caught_up_on_its_last_day_but_not_after(clock, fdp_10_march):
    clock("2027-03-09 07:30")  # nothing ran on Monday 8 Mar
    assert due_today() == {WINDOW: sorted([APOLLO, DOCMAN, MANAGER])}
    ReminderLog.objects.all().delete()
    clock("2027-03-10 07:30")  # FDP day: too late to ask for links to go off before it
    assert WINDOW not in due_today()


def test_a_missed_week_ahead_reminder_is_caught_up_only_before_the_window(clock, fdp_10_march):
    clock("2027-03-05 07:30")  # nothing ran on Wednesday 3 or Thursday 4 Mar
    assert due_today() == {AHEAD: sorted([APOLLO, DOCMAN, MANAGER])}
    ReminderLog.objects.all().delete()
    clock("2027-03-08 07:30")  # the window's own reminder says it now; the week-ahead one is stale
    assert set(due_today()) == {WINDOW}


def test_each_contact_hears_about_their_own_systems_and_the_manager_about_all(clock, fdp_10_march, practice):
    ThirdPartySystemFactory(practice=practice, name="Apollo Scan", contact_name="Sam Lee", contact_email=APOLLO)
    clock("2027-03-03 07:30")
    emails = by_address(send_due())
    assert set(emails) == {APOLLO, DOCMAN, MANAGER}, "one email per contact, however many systems they look after"
    apollo = emails[APOLLO]
    assert apollo.subject == (
        "Riverside Medical Centre (A81001): please switch off links from Apollo, Apollo Scan "
        "on 8 Mar 2027 or 9 Mar 2027"
    )
    assert "Docman" not in apollo.body and "Online consult" not in apollo.body
    manager = emails[MANAGER]
    assert manager.subject == "Riverside Medical Centre: third-party links must be off by 9 Mar 2027"
    assert "- Apollo: Sam Lee (Apollo Ltd) <sam@apollo.example> has been emailed" in manager.body
    assert "- Docman: Chris Taylor" in manager.body
    assert "- Online consult: no contact email recorded, so nobody has been emailed" in manager.body
    assert "Unused" not in manager.body, "a system marked not applicable is never mentioned"


def test_outside_contacts_get_no_link_into_the_app_and_no_way_out_of_a_deadline(clock, fdp_10_march, settings):
    settings.SITE_URL = "https://cutover.example.org"
    clock("2027-03-08 07:30")
    emails = by_address(send_due())
    contact = emails[DOCMAN]
    html = contact.alternatives[0][0]
    for text in (contact.body, html):
        assert "cutover.example.org" not in text, "they cannot sign in, so a link would only show a sign-in page"
        assert "Stop these emails" not in text and "To stop these emails" not in text
    assert "List-Unsubscribe" not in contact.extra_headers
    assert "please do it by the end of 9 Mar 2027" in contact.body
    assert "because the practice named you as the contact for Docman" in contact.body
    row = ReminderLog.objects.get(recipient_email=DOCMAN)
    assert (row.recipient_user_id, row.recipient_name, row.migration_id) == (None, "Chris Taylor", fdp_10_march.pk)
    systems_page = f"https://cutover.example.org/migrations/{fdp_10_march.pk}/systems/"
    assert systems_page in emails[MANAGER].body


def test_a_system_switched_off_before_its_email_goes_is_not_chased(clock, fdp_10_march, systems, manager):
    clock("2027-03-08 07:30")
    ids = reminders_sweep(enqueue=False).ready_ids
    third_party_step_record(
        migration=fdp_10_march, system=systems["docman"], step="switched_off", by=manager, at=timezone.now()
    )
    outcomes = {ReminderLog.objects.get(pk=pk).recipient_email: reminder_send(reminder_id=pk) for pk in ids}
    assert outcomes == {DOCMAN: "cancelled", APOLLO: "sent", MANAGER: "sent"}
    from django.core import mail

    manager_email = by_address(mail.outbox)[MANAGER]
    assert "Docman" not in manager_email.body and "- Apollo" in manager_email.body


def test_moving_fdp_moves_the_switch_off_reminders(clock, fdp_10_march):
    clock("2027-03-01 09:00")
    fdp_10_march.fdp_date, fdp_10_march.go_live_date = dt.date(2027, 3, 17), dt.date(2027, 3, 24)
    fdp_10_march.save()
    assert walk(clock, "2027-03-02", "2027-03-16") == {
        "2027-03-10": {AHEAD: sorted([APOLLO, DOCMAN, MANAGER])},
        "2027-03-15": {WINDOW: sorted([APOLLO, DOCMAN, MANAGER])},
    }
