"""Each kind of reminder is due on the right day, at the right time, to the right people."""

import datetime as dt

import pytest
from django.core import mail

from cutover.models import ReminderLog
from cutover.reminders import reminder_send, reminders_sweep

from .conftest import d

pytestmark = pytest.mark.django_db


def due_today():
    """Run the sweep now; return {kind: sorted recipient emails} for the rows it newly logged.

    Rows stay in the log, as they would in production, so calling this day after day walks the
    calendar the way beat does.
    """
    before = set(ReminderLog.objects.values_list("pk", flat=True))
    reminders_sweep(enqueue=False)
    found: dict[str, list[str]] = {}
    for row in ReminderLog.objects.exclude(pk__in=before).order_by("recipient_email"):
        found.setdefault(row.kind, []).append(row.recipient_email)
    return found


def walk(clock, first: str, last: str, at: str = "07:30") -> dict[str, dict]:
    """Sweep once a day from first to last; return the days something was logged."""
    day, logged = d(first), {}
    while day <= d(last):
        clock(f"{day} {at}")
        found = due_today()
        if found:
            logged[str(day)] = found
        day += dt.timedelta(days=1)
    return logged


MANAGER = "manager@riverside.example"
STAFF = "staff@riverside.example"
IT_LEAD = "itlead@riverside.example"
ICB = "lead@icb.example"
PARTNER = "pm@csu.example"


def test_planning_meeting_reminders_follow_the_fdp_date(clock, people, make_migration):
    make_migration("2027-03-10", "2027-03-17")
    assert walk(clock, "2027-01-20", "2027-03-09") == {
        # FDP Wednesday 10 Mar 2027: 6 weeks before is Wednesday 27 Jan, 5 weeks Wednesday 3 Feb.
        "2027-01-27": {"planning_meeting_ahead": [MANAGER]},
        "2027-02-03": {"planning_meeting_ahead": [MANAGER]},
        # The deadline (FDP minus 28 days) is Wednesday 10 Feb.
        "2027-02-10": {"planning_meeting_deadline": [MANAGER]},
        # The day after, still nothing recorded: the ICB and the delivery partner hear too.
        "2027-02-11": {"planning_meeting_overdue": sorted([ICB, MANAGER, PARTNER])},
    }


def test_no_planning_meeting_reminders_once_the_meeting_is_recorded(clock, people, make_migration):
    make_migration("2027-03-10", "2027-03-17", planning_meeting_date=d("2027-01-20"))
    assert walk(clock, "2027-01-20", "2027-03-09") == {}


def test_a_lead_time_on_a_bank_holiday_goes_on_the_working_day_before(clock, people, make_migration):
    # FDP Monday 14 Jun 2027: 6 weeks before is Monday 3 May, the early May bank holiday.
    make_migration("2027-06-14", "2027-06-21")
    logged = walk(clock, "2027-04-26", "2027-05-07")
    assert logged == {"2027-04-30": {"planning_meeting_ahead": [MANAGER]}}  # Friday before


def test_escalation_waits_for_the_first_working_day_after_the_deadline(clock, people, make_migration):
    # FDP Friday 12 Mar 2027: the deadline is Friday 12 Feb, so the escalation goes on Monday 15 Feb.
    make_migration("2027-03-12", "2027-03-19")
    assert walk(clock, "2027-02-12", "2027-02-20") == {
        "2027-02-12": {"planning_meeting_deadline": [MANAGER]},
        "2027-02-15": {"planning_meeting_overdue": sorted([ICB, MANAGER, PARTNER])},
    }


def test_fdp_day_reminds_the_team_to_log_off_and_the_manager_to_finish_preparation(clock, people, make_migration):
    make_migration("2027-03-10", "2027-03-17", planning_meeting_date=d("2027-02-01"))
    clock("2027-03-10 07:30")
    assert due_today() == {"fdp_day_team": [IT_LEAD, STAFF], "fdp_day_manager": [MANAGER]}


def test_go_live_day_goes_to_the_whole_practice_even_on_a_bank_holiday(clock, people, make_migration):
    # Go-live on the early May bank holiday: a deadline-day reminder goes on its day regardless.
    make_migration("2027-04-26", "2027-05-03", planning_meeting_date=d("2027-03-01"))
    clock("2027-05-03 07:30")
    assert due_today() == {"go_live_day": sorted([IT_LEAD, MANAGER, STAFF])}


def test_legacy_support_expiry_goes_to_the_manager_and_it_lead(clock, people, make_migration):
    # Go-live Monday 29 Mar 2027 + 90 days: legacy support ends Sunday 27 Jun 2027.
    make_migration("2027-03-22", "2027-03-29", planning_meeting_date=d("2027-02-01"))
    both = {"legacy_support_ending": [IT_LEAD, MANAGER]}
    assert walk(clock, "2027-05-20", "2027-07-05") == {
        "2027-05-28": both,  # 30 days before, a Friday
        "2027-06-11": both,  # 14 days before is Sunday 13 Jun: the Friday before
        "2027-06-18": both,  # 7 days before is Sunday 20 Jun: Friday 18
        "2027-06-25": both,  # 1 day before is Saturday 26 Jun: Friday 25
        "2027-06-27": {"legacy_support_ends": [IT_LEAD, MANAGER]},  # on the day, though a Sunday
    }


def test_the_day_before_legacy_support_ends_over_christmas_goes_before_the_holidays(clock, people, make_migration):
    # Legacy support ends Tuesday 29 Dec 2026; Monday 28 is the substitute Boxing Day and 25 is
    # Christmas Day, so "1 day before" goes on Thursday 24 Dec.
    make_migration("2026-09-23", "2026-09-30", planning_meeting_date=d("2026-08-01"))
    assert walk(clock, "2026-12-22", "2026-12-30") == {
        "2026-12-22": {"legacy_support_ending": [IT_LEAD, MANAGER]},  # 7 days before
        "2026-12-24": {"legacy_support_ending": [IT_LEAD, MANAGER]},
        "2026-12-29": {"legacy_support_ends": [IT_LEAD, MANAGER]},
    }


@pytest.mark.parametrize(
    ("instant_utc", "due"),
    [
        # Monday 29 Mar 2027 is the first day of British Summer Time: 07:30 in London is 06:30 UTC.
        ("2027-03-29T06:29:00+00:00", False),
        ("2027-03-29T06:30:00+00:00", True),
        # 00:30 BST is already 29 Mar in London but 28 Mar in UTC, and before the send time.
        ("2027-03-28T23:30:00+00:00", False),
    ],
)
def test_the_send_time_is_london_time_across_the_change_to_summer_time(clock, people, make_migration, instant_utc, due):
    make_migration("2027-03-29", "2027-04-05", planning_meeting_date=d("2027-02-01"))
    clock(dt.datetime.fromisoformat(instant_utc))
    assert ("fdp_day_team" in due_today()) is due


@pytest.mark.parametrize(
    ("instant_utc", "due"),
    [
        # Sunday 31 Oct 2027, clocks went back at 02:00 BST: 07:30 in London is 07:30 UTC again.
        ("2027-10-31T06:30:00+00:00", False),
        ("2027-10-31T07:30:00+00:00", True),
    ],
)
def test_the_send_time_is_london_time_after_the_change_back(clock, people, make_migration, instant_utc, due):
    make_migration("2027-10-31", "2027-11-08", planning_meeting_date=d("2027-09-01"))
    clock(dt.datetime.fromisoformat(instant_utc))
    assert ("fdp_day_team" in due_today()) is due


def test_the_send_time_is_a_setting(clock, people, make_migration, settings):
    settings.REMINDER_SEND_TIME = dt.time(9, 0)
    make_migration("2027-03-10", "2027-03-17", planning_meeting_date=d("2027-02-01"))
    clock("2027-03-10 08:59")
    assert due_today() == {}
    clock("2027-03-10 09:00")
    assert set(due_today()) == {"fdp_day_team", "fdp_day_manager"}


def test_lead_times_are_settings(clock, people, make_migration, settings):
    settings.REMINDER_LEAD_DAYS = {**settings.REMINDER_LEAD_DAYS, "legacy_support_ending": (10,)}
    make_migration("2027-03-22", "2027-03-29", planning_meeting_date=d("2027-02-01"))  # ends Sun 27 Jun
    assert walk(clock, "2027-06-10", "2027-06-26") == {"2027-06-17": {"legacy_support_ending": [IT_LEAD, MANAGER]}}


def test_only_active_migrations_get_reminders(clock, people, make_migration):
    make_migration("2027-03-10", "2027-03-17", status="completed")
    clock("2027-03-10 07:30")
    assert due_today() == {}


def test_inactive_users_get_nothing(clock, people, make_migration):
    people["staff"].is_active = False
    people["staff"].save()
    make_migration("2027-03-10", "2027-03-17", planning_meeting_date=d("2027-02-01"))
    clock("2027-03-10 07:30")
    assert due_today()["fdp_day_team"] == [IT_LEAD]


def test_each_kind_sends_text_and_html_with_an_absolute_link_and_our_own_subject(
    clock, people, make_migration, settings
):
    settings.SITE_URL = "https://cutover.example.org"
    migration = make_migration("2027-03-10", "2027-03-17")
    migration.practice.name = "Smith & Jones Surgery"
    migration.practice.save()
    seen = set()
    for day in ["2027-01-27", "2027-02-10", "2027-02-11", "2027-03-10", "2027-03-17", "2027-05-14", "2027-06-15"]:
        clock(f"{day} 07:30")
        for pk in reminders_sweep(enqueue=False).ready_ids:
            assert reminder_send(reminder_id=pk) == "sent"
    for message in mail.outbox:
        kind = message.extra_headers["X-Cutover-Reminder"]
        seen.add(ReminderLog.objects.get(pk=kind).kind)
        html = message.alternatives[0][0]
        link = f"https://cutover.example.org/migrations/{migration.pk}/"
        assert link in message.body and f'href="{link}"' in html
        assert message.subject.startswith("Smith & Jones Surgery: ")
        assert "&amp;" not in message.body and "&amp;" not in message.subject
        assert "Smith &amp; Jones Surgery" in html
        assert "\n" not in message.subject
        assert message.extra_headers["Auto-Submitted"] == "auto-generated"
    assert seen == {
        "planning_meeting_ahead",
        "planning_meeting_deadline",
        "planning_meeting_overdue",
        "fdp_day_team",
        "fdp_day_manager",
        "go_live_day",
        "legacy_support_ending",
        "legacy_support_ends",
    }


def test_the_escalation_tells_outsiders_why_they_get_it(clock, people, make_migration):
    make_migration("2027-03-10", "2027-03-17")
    clock("2027-02-11 07:30")
    for pk in reminders_sweep(enqueue=False).ready_ids:
        reminder_send(reminder_id=pk)
    by_recipient = {message.to[0].split("<")[-1].rstrip(">"): message for message in mail.outbox}
    assert "because you support Riverside Medical Centre" in by_recipient[ICB].body
    assert "The ICB and the IT delivery partner have been told" in by_recipient[MANAGER].body


def test_legacy_countdown_says_how_many_days_are_left_on_the_day_it_goes(clock, people, make_migration):
    make_migration("2027-03-22", "2027-03-29", planning_meeting_date=d("2027-02-01"))  # ends Sun 27 Jun
    clock("2027-06-25 07:30")  # the "1 day before" reminder, moved back from Saturday
    for pk in reminders_sweep(enqueue=False).ready_ids:
        reminder_send(reminder_id=pk)
    assert mail.outbox[0].subject == "Riverside Medical Centre: support for EMIS Web ends in 2 days"
