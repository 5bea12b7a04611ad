"""Each person's reminder choices: email (as before), Teams only, or both; and the digest's time."""

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse

from reminders.models import ReminderLog, ReminderPreference
from reminders.preferences import preferences_save
from reminders.send import Outcome, reminder_send
from reminders.sweep import reminders_sweep
from reminders.teams import teams_channel_save

from ..tasks.factories import TaskFactory
from .conftest import d, send_due

pytestmark = pytest.mark.django_db

FDP_TEAM = "fdp_day_team"


@pytest.fixture
def fdp_today(clock, people, make_migration):
    clock("2027-03-10 07:30")
    return make_migration("2027-03-10", "2027-03-17", planning_meeting_date=d("2027-02-01"))


@pytest.fixture
def practice_channel(teams_server, practice):
    return teams_channel_save(channel=None, practice=practice, url=teams_server.url(), events={"fdp_day": True})


def emailed(messages) -> set[str]:
    return {message.to[0].split("<")[-1].rstrip(">") for message in messages}


def test_without_choices_everyone_gets_email_as_before(fdp_today, practice_channel):
    assert emailed(send_due()) == {"staff@riverside.example", "itlead@riverside.example", "manager@riverside.example"}


def test_staff_who_chose_teams_read_fdp_day_in_their_practice_channel_instead_of_email(
    fdp_today, practice_channel, staff, teams_server
):
    preferences_save(user=staff, vias={FDP_TEAM: "teams"}, digest_at=None)
    teams_server.posts.clear()
    sent = send_due()
    assert "staff@riverside.example" not in emailed(sent)
    assert "itlead@riverside.example" in emailed(sent)  # who did not choose still gets email
    assert len(teams_server.posts) == 1


def test_teams_only_still_emails_when_the_channel_does_not_take_that_message(fdp_today, practice_channel, staff):
    practice_channel.fdp_day = False
    practice_channel.save()
    preferences_save(user=staff, vias={FDP_TEAM: "teams"}, digest_at=None)
    assert "staff@riverside.example" in emailed(send_due())


def test_email_and_teams_gets_both(fdp_today, practice_channel, staff, teams_server):
    preferences_save(user=staff, vias={FDP_TEAM: "both"}, digest_at=None)
    teams_server.posts.clear()
    assert "staff@riverside.example" in emailed(send_due())
    assert len(teams_server.posts) == 1


def test_an_email_already_logged_is_not_sent_once_the_person_chose_teams(fdp_today, practice_channel, staff):
    ready = reminders_sweep(enqueue=False).ready_ids
    preferences_save(user=staff, vias={FDP_TEAM: "teams"}, digest_at=None)
    outcomes = {ReminderLog.objects.get(pk=pk).recipient_email: reminder_send(reminder_id=pk) for pk in ready}
    assert outcomes["staff@riverside.example"] == Outcome.CANCELLED
    assert outcomes["itlead@riverside.example"] == Outcome.SENT


def test_the_daily_summary_goes_at_the_time_the_person_chose(clock, people, make_migration, staff):
    migration = make_migration("2027-03-22", "2027-03-29", planning_meeting_date=d("2027-02-01"))
    TaskFactory(migration=migration, due_date=d("2027-03-05"), assignee=staff, title="Check smartcards")
    preferences_save(user=staff, vias={}, digest_at=dt.time(9, 0))
    clock("2027-03-04 07:30")
    assert "staff@riverside.example" not in emailed(send_due())
    clock("2027-03-04 08:59")
    assert "staff@riverside.example" not in emailed(send_due())
    clock("2027-03-04 09:00")
    digests = [m for m in send_due() if "staff@riverside.example" in m.to[0]]
    assert len(digests) == 1
    clock("2027-03-04 11:00")
    assert send_due() == []  # once a day


def test_choosing_email_again_and_the_usual_time_leaves_no_rows(staff):
    preferences_save(user=staff, vias={FDP_TEAM: "teams"}, digest_at=dt.time(10, 0))
    preferences_save(user=staff, vias={FDP_TEAM: "email"}, digest_at=dt.time(7, 30))
    assert not ReminderPreference.objects.exists()
    assert ReminderPreference.history.filter(history_type="-").count() == 2


def test_the_page_offers_teams_only_where_the_person_has_a_channel(client, staff, practice, teams_server):
    client.force_login(staff)
    page = client.get(reverse("reminder-preferences")).content.decode()
    assert "Teams only" not in page and "Once your practice or organisation connects" in page

    teams_channel_save(channel=None, practice=practice, url=teams_server.url(), events={"fdp_day": True})
    page = client.get(reverse("reminder-preferences")).content.decode()
    assert "Teams only" in page and "FDP day: log off and record everything" in page

    response = client.post(reverse("reminder-preferences"), {f"via_{FDP_TEAM}": "teams", "digest_at": "09:30"})
    assert response.status_code == 302
    saved = {(p.kind, p.via, p.digest_time) for p in ReminderPreference.objects.filter(user=staff)}
    assert saved == {(FDP_TEAM, "teams", None), ("task_digest", "email", dt.time(9, 30))}
    assert mail.outbox == []


def test_a_time_not_offered_is_a_field_error_and_nothing_is_saved(client, staff):
    client.force_login(staff)
    response = client.post(reverse("reminder-preferences"), {"digest_at": "03:00"})
    assert response.status_code == 200
    assert "digest_at" in response.context["form"].errors
    assert not ReminderPreference.objects.exists()
