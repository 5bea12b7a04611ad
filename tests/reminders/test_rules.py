"""Each kind of reminder is due on the right day, at the right time, to the right people."""

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse

from reminders.kinds import KINDS
from reminders.models import ReminderLog
from reminders.send import reminder_send
from reminders.sweep import reminders_sweep
from systems.national import national_rows, national_services_add

from ..factories import ContactFactory, ThirdPartySystemFactory, UserFactory
from ..reentry.factories import EntryFactory
from ..tasks.factories import TaskFactory
from .conftest import d, due_today, walk

pytestmark = pytest.mark.django_db


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


@pytest.mark.lifecycle_reminders
def test_each_kind_sends_text_and_html_with_an_absolute_link_and_our_own_subject(
    clock, people, make_migration, settings, staff
):
    settings.SITE_URL = "https://cutover.example.org"
    migration = make_migration("2027-03-10", "2027-03-17")
    migration.practice.name = "Smith & Jones Surgery"
    migration.practice.save()
    # Something for every kind: a linked system, tasks for a colleague and an outside contact,
    # and an entry left to re-enter after go-live.
    ThirdPartySystemFactory(practice=migration.practice, name="Docs & Scans", contact_email="jo@docs.example")
    lab = ContactFactory(migration=migration, email="lab@lab.example")
    TaskFactory(migration=migration, due_date=d("2027-01-28"), assignee=staff, title="Check & sign")
    TaskFactory(migration=migration, due_date=d("2027-01-28"), assigned_contact=lab, title="Test the link")
    EntryFactory(migration=migration, recorded_by=staff)
    # The national services, and the first day one of them must be told.
    national_services_add(migrations=[migration], by=people["manager"])
    notice = min(row.notice_date for row in national_rows(migration, today=migration.fdp_date))
    seen = set()
    days = ["2027-01-27", "2027-02-10", "2027-02-11", "2027-03-03", "2027-03-08", "2027-03-10", "2027-03-17"]
    # The lifecycle dates' reminders: a week before the order, the kick-off and the sign-off.
    days = ["2026-12-04", "2026-12-30", "2027-02-24", *days]
    for day in sorted([*days, str(notice), "2027-03-24", "2027-05-14", "2027-06-15"]):
        clock(f"{day} 07:30")
        for pk in reminders_sweep(enqueue=False).ready_ids:
            assert reminder_send(reminder_id=pk) == "sent"
    for message in mail.outbox:
        row = ReminderLog.objects.get(pk=message.extra_headers["X-Cutover-Reminder"])
        seen.add(row.kind)
        html = message.alternatives[0][0]
        if row.recipient_user_id:
            args = [migration.pk] if row.migration_id else []
            link = f"https://cutover.example.org{reverse(KINDS[row.kind].page, args=args)}"
            assert link in message.body and f'href="{link}"' in html, row.kind
        else:  # outside contacts cannot sign in: no links into the app
            assert "cutover.example.org/migrations" not in message.body + html, row.kind
        if row.migration_id:
            assert message.subject.startswith("Smith & Jones Surgery"), message.subject
        assert "&amp;" not in message.body and "&amp;" not in message.subject
        assert "Smith &amp; Jones Surgery" in html
        assert "\n" not in message.subject
        assert message.extra_headers["Auto-Submitted"] == "auto-generated"
    assert seen == set(KINDS)


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


# --- Escalation to the migration's own ICB and delivery partner people -------------------------


def escalated_to(clock) -> list[str]:
    clock("2027-02-11 07:30")  # FDP 10 Mar 2027: the day after the planning meeting deadline
    return due_today()["planning_meeting_overdue"]


def test_escalation_goes_to_the_named_icb_and_partner_people_instead_of_everyone_there(clock, people, make_migration):
    migration = make_migration("2027-03-10", "2027-03-17")
    named_icb_user = UserFactory(email="named@icb.example")
    ContactFactory(migration=migration, role="icb", user=named_icb_user, name="", email="", organisation_name="")
    ContactFactory(migration=migration, role="delivery_partner", name="Pat", email="Pat@Partner.example")
    # Not lead@icb.example nor pm@csu.example: the migration names its own people.
    assert escalated_to(clock) == sorted([MANAGER, "named@icb.example", "pat@partner.example"])


def test_a_named_icb_person_leaves_the_partner_side_to_all_its_members(clock, people, make_migration):
    migration = make_migration("2027-03-10", "2027-03-17")
    ContactFactory(migration=migration, role="icb", name="Kim", email="kim@icb.example")
    assert escalated_to(clock) == sorted(["kim@icb.example", MANAGER, PARTNER])


def test_named_people_who_cannot_be_reached_leave_it_to_the_organisation(clock, people, make_migration):
    migration = make_migration("2027-03-10", "2027-03-17")
    ContactFactory(migration=migration, role="icb", name="No address", email="")  # nothing to send to
    gone = UserFactory(email="gone@icb.example", is_active=False)
    ContactFactory(migration=migration, role="delivery_partner", user=gone, name="", email="", organisation_name="")
    assert escalated_to(clock) == sorted([ICB, MANAGER, PARTNER])


def test_a_named_person_removed_from_the_migration_is_not_escalated_to(clock, people, make_migration):
    migration = make_migration("2027-03-10", "2027-03-17")
    # Kept only as the holder of closed tasks: no longer involved, so the whole ICB hears instead.
    ContactFactory(migration=migration, role="icb", name="Former lead", email="former@icb.example")
    migration.stakeholders.update(removed_at=migration.created_at)
    assert escalated_to(clock) == sorted([ICB, MANAGER, PARTNER])


def test_other_stakeholders_are_not_escalated_to(clock, people, make_migration):
    migration = make_migration("2027-03-10", "2027-03-17")
    ContactFactory(migration=migration, role="new_supplier", name="Sales", email="sales@tpp.example")
    assert escalated_to(clock) == sorted([ICB, MANAGER, PARTNER])


def test_the_manager_is_told_who_else_heard(clock, people, make_migration):
    migration = make_migration("2027-03-10", "2027-03-17")
    ContactFactory(
        migration=migration, role="icb", name="Kim Lo", email="kim@icb.example", organisation_name="Leeds ICB"
    )
    clock("2027-02-11 07:30")
    for pk in reminders_sweep(enqueue=False).ready_ids:
        reminder_send(reminder_id=pk)
    manager_email = next(m for m in mail.outbox if m.to[0].endswith(f"<{MANAGER}>"))
    assert "have been told as well, so they can help: Kim Lo (Leeds ICB), " in manager_email.body
    assert people["partner"].get_full_name() in manager_email.body
    kim = next(m for m in mail.outbox if m.to[0].endswith("<kim@icb.example>"))
    assert "because you support Riverside Medical Centre" in kim.body
    assert "migrations/" not in kim.body, "an outside contact gets no link into the app"


def test_with_nobody_to_escalate_to_the_manager_is_asked_to_add_them(clock, manager, make_migration):
    make_migration("2027-03-10", "2027-03-17")
    clock("2027-02-11 07:30")
    [pk] = reminders_sweep(enqueue=False).ready_ids
    reminder_send(reminder_id=pk)
    assert "Nobody from the ICB or the IT delivery partner could be told" in mail.outbox[0].body


# --- FDP day: the manager's list of what is still open ----------------------------------------


def fdp_manager_email(clock):
    clock("2027-03-10 07:30")
    for pk in reminders_sweep(enqueue=False).ready_ids:
        reminder_send(reminder_id=pk)
    return next(m for m in mail.outbox if m.to[0].endswith(f"<{MANAGER}>"))


def test_on_fdp_day_the_manager_gets_the_preparation_tasks_still_open(clock, people, make_migration):
    migration = make_migration("2027-03-10", "2027-03-17", planning_meeting_date=d("2027-02-01"))
    TaskFactory(migration=migration, title="Clear the inboxes", due_date=d("2027-03-09"))
    TaskFactory(migration=migration, title="Export templates", due_date=d("2027-03-01"))
    TaskFactory(migration=migration, title="Finished", due_date=d("2027-03-02"), status="done", status_changed_at=now())
    TaskFactory(
        migration=migration,
        title="Skipped",
        due_date=d("2027-03-02"),
        status="not_applicable",
        not_applicable_reason="Not here",
        status_changed_at=now(),
    )
    TaskFactory(migration=migration, title="Re-enter", due_date=d("2027-03-18"), phase="after_go_live")
    email = fdp_manager_email(clock)
    assert email.subject == "Riverside Medical Centre: FDP today, 2 preparation tasks still open"
    assert "2 preparation tasks are still open on the plan:\n" in email.body
    assert "- Export templates (due 1 Mar 2027)\n- Clear the inboxes (due 9 Mar 2027)\n" in email.body
    assert "Finished" not in email.body and "Skipped" not in email.body and "Re-enter" not in email.body
    assert "<li>Export templates (due 1 Mar 2027)</li>" in email.alternatives[0][0]
    assert f"/migrations/{migration.pk}/plan/" in email.body


def test_on_fdp_day_a_manager_with_everything_done_hears_so(clock, people, make_migration):
    make_migration("2027-03-10", "2027-03-17", planning_meeting_date=d("2027-02-01"))
    email = fdp_manager_email(clock)
    assert email.subject == "Riverside Medical Centre: FDP today, preparation finished"
    assert "Every preparation task on the plan is done or marked not applicable." in email.body


def now():
    from django.utils import timezone

    return timezone.now()
