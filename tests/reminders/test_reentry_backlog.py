"""The weekly re-entry backlog: to the manager after go-live while anything is left, numbers only."""

import pytest
from django.core import mail

from reentry import services
from reminders.models import ReminderLog
from reminders.send import reminder_send
from reminders.sweep import reminders_sweep

from ..reentry.factories import EntryFactory, RegistrationEntryFactory
from .conftest import d, due_today, send_due, walk

pytestmark = pytest.mark.django_db

MANAGER = "manager@riverside.example"
BACKLOG = "reentry_backlog"


@pytest.fixture
def go_live_22_march(people, make_migration, staff):
    """Go-live Monday 22 Mar 2027, with 3 consultations and a registration left to re-enter, and
    one entry voided and one already re-entered, which do not count."""
    migration = make_migration("2027-03-15", "2027-03-22", planning_meeting_date=d("2027-02-01"))
    EntryFactory.create_batch(3, migration=migration, recorded_by=staff)
    RegistrationEntryFactory(migration=migration, recorded_by=staff)
    services.entry_void(entry=EntryFactory(migration=migration, recorded_by=staff), reason="Twice", by=staff)
    migration.done_entry = EntryFactory(migration=migration, recorded_by=staff)
    return migration


def backlog_days(clock, first, last):
    return {day: found[BACKLOG] for day, found in walk(clock, first, last).items() if BACKLOG in found}


def test_the_manager_hears_weekly_after_go_live_moving_off_easter_monday(clock, go_live_22_march, staff):
    clock("2027-03-22 12:00")
    services.entry_mark_re_entered(entry=go_live_22_march.done_entry, by=staff)
    # A week after go-live is Easter Monday, 29 Mar 2027: that one goes on Tuesday 30 Mar.
    assert backlog_days(clock, "2027-03-22", "2027-04-19") == {
        "2027-03-30": [MANAGER],
        "2027-04-05": [MANAGER],
        "2027-04-12": [MANAGER],
        "2027-04-19": [MANAGER],
    }


def test_it_stops_once_everything_is_re_entered(clock, go_live_22_march, staff):
    assert backlog_days(clock, "2027-03-22", "2027-04-06") == {"2027-03-30": [MANAGER], "2027-04-05": [MANAGER]}
    services.entries_mark_re_entered(
        migration=go_live_22_march,
        entry_ids=list(go_live_22_march.reentry_entries.to_re_enter().values_list("pk", flat=True)),
        by=staff,
    )
    assert backlog_days(clock, "2027-04-07", "2027-05-31") == {}


def test_nothing_before_go_live_or_without_entries(clock, people, make_migration):
    make_migration("2027-03-15", "2027-03-22", planning_meeting_date=d("2027-02-01"))
    assert backlog_days(clock, "2027-03-15", "2027-04-20") == {}


def test_a_missed_week_is_caught_up_on_a_later_working_day(clock, go_live_22_march):
    clock("2027-04-01 07:30")  # Thursday: beat was down on Tuesday 30 and Wednesday 31 Mar
    assert due_today() == {BACKLOG: [MANAGER]}
    assert ReminderLog.objects.get(kind=BACKLOG).due_date == d("2027-03-30")
    clock("2027-04-05 07:30")  # the next week's goes on its own day
    assert due_today() == {BACKLOG: [MANAGER]}
    assert ReminderLog.objects.filter(kind=BACKLOG).count() == 2


def test_a_week_missed_entirely_is_not_sent_when_the_next_is_due(clock, go_live_22_march):
    clock("2027-04-03 07:30")  # a Saturday: nothing goes at the weekend
    assert due_today() == {}
    clock("2027-04-05 07:30")  # Monday: this week's numbers, not last week's as well
    assert due_today() == {BACKLOG: [MANAGER]}
    assert list(ReminderLog.objects.values_list("due_date", flat=True)) == [d("2027-04-05")]


def test_the_email_gives_counts_by_kind_and_nothing_about_any_patient(clock, go_live_22_march, staff, settings):
    settings.SITE_URL = "https://cutover.example.org"
    clock("2027-03-30 07:30")
    services.entry_mark_re_entered(entry=go_live_22_march.done_entry, by=staff)
    [email] = send_due()
    assert email.subject == "Riverside Medical Centre: 4 entries from cutover still to re-enter"
    assert "4 entries are still to be entered into TPP SystmOne" in email.body
    assert "- Consultation: 3\n- New patient registration (in person): 1\n" in email.body
    assert "need a full registration on TPP SystmOne" in email.body
    worklist = f"https://cutover.example.org/migrations/{go_live_22_march.pk}/re-entry/worklist/"
    assert worklist in email.body
    html = email.alternatives[0][0]
    for entry in go_live_22_march.reentry_entries.all():
        for secret in (entry.nhs_number, entry.patient_name, entry.summary, entry.patient_address):
            if secret:
                assert secret not in email.body and secret not in html and secret not in email.subject
        if entry.patient_date_of_birth:
            assert f"{entry.patient_date_of_birth:%-d %b %Y}" not in email.body


def test_the_numbers_are_counted_when_the_email_goes(clock, go_live_22_march, staff):
    clock("2027-03-30 07:30")
    [row_id] = reminders_sweep(enqueue=False).ready_ids
    services.entry_mark_re_entered(entry=go_live_22_march.done_entry, by=staff)
    assert reminder_send(reminder_id=row_id) == "sent"
    assert "4 entries from cutover still to re-enter" in mail.outbox[0].subject


def test_a_backlog_cleared_before_the_email_goes_cancels_it(clock, go_live_22_march, staff):
    clock("2027-03-30 07:30")
    [row_id] = reminders_sweep(enqueue=False).ready_ids
    services.entries_mark_re_entered(
        migration=go_live_22_march,
        entry_ids=list(go_live_22_march.reentry_entries.to_re_enter().values_list("pk", flat=True)),
        by=staff,
    )
    assert reminder_send(reminder_id=row_id) == "cancelled"
    assert mail.outbox == []
