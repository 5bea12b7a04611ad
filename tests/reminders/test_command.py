"""python manage.py send_reminders [--date YYYY-MM-DD] [--dry-run]"""

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from reminders.models import ReminderLog

from .conftest import d

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command("send_reminders", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def fdp_on_10_march(people, make_migration):
    return make_migration("2027-03-10", "2027-03-17", planning_meeting_date=d("2027-02-01"))


def test_it_sends_what_is_due_now_synchronously_and_only_once(clock, fdp_on_10_march):
    clock("2027-03-10 07:30")
    assert "3 sent" in run()
    assert "0 sent" in run()
    assert len(mail.outbox) == 3
    assert ReminderLog.objects.filter(status="sent").count() == 3


def test_dry_run_prints_what_would_be_sent_and_writes_nothing(clock, fdp_on_10_march):
    clock("2027-03-01 12:00")
    output = run("--date", "2027-03-10", "--dry-run")
    line = "2027-03-10  FDP day: log off and record everything  Riverside Medical Centre (A81001)  to {}"
    assert line.format("staff@riverside.example") in output
    assert "3 reminders would be sent" in output
    assert ReminderLog.objects.count() == 0
    assert mail.outbox == []


def test_dry_run_leaves_out_what_was_already_sent(clock, fdp_on_10_march):
    clock("2027-03-10 07:30")
    run()
    assert "0 reminders would be sent" in run("--dry-run")


def test_dry_run_also_lists_what_is_logged_but_still_waiting_to_go(clock, fdp_on_10_march):
    from reminders.sweep import reminders_sweep

    clock("2027-03-10 07:30")
    reminders_sweep(enqueue=False)  # logged, as beat would, but no worker has sent them yet
    ReminderLog.objects.filter(recipient_email="staff@riverside.example").update(attempts=2)
    output = run("--dry-run")
    assert "0 reminders would be sent" in output
    assert "Already logged and waiting to be sent or retried: 3." in output
    assert "to staff@riverside.example (attempt 3)" in output
    assert mail.outbox == []


def test_date_replays_a_missed_day(clock, fdp_on_10_march):
    clock("2027-03-11 06:00")  # the morning after FDP, before the send time
    assert "nothing is due yet" in run()
    assert "3 sent" in run("--date", "2027-03-10")
    assert {row.due_date for row in ReminderLog.objects.all()} == {d("2027-03-10")}


def test_a_date_in_the_future_needs_dry_run(clock, fdp_on_10_march):
    clock("2027-03-01 12:00")
    with pytest.raises(CommandError, match="in the future"):
        run("--date", "2027-03-10")
    assert ReminderLog.objects.count() == 0


@pytest.mark.parametrize("bad", ["10/03/2027", "2027-02-30", "tomorrow", ""])
def test_a_bad_date_is_a_clear_error(bad, db):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        run("--date", bad)
