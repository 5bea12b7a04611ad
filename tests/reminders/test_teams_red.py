"""A migration turning red on the dashboard, told to the Teams channels that chose it.

The dashboard's watch (dashboard/rag_watch.py) notices the change; the message goes through the
reminder log and sender like every Teams message, to a local HTTPS webhook the test starts."""

import datetime as dt

import pytest
from django.urls import reverse

from cutover.models import Migration
from dashboard.models import RagSeen
from dashboard.rag_watch import rag_watch
from reminders.models import ReminderLog
from reminders.send import reminder_send
from reminders.sweep import reminders_sweep
from reminders.teams import teams_channel_save
from reminders.teams_announced import MIGRATION_TURNED_RED

from ..factories import MigrationFactory, PracticeFactory
from .conftest import d

pytestmark = pytest.mark.django_db

ALL_EVENTS = {"escalations": True, "switch_off": True, "fdp_day": True, "go_live": True, "turned_red": True}


@pytest.fixture
def on_track(clock, make_migration):
    """Tue 2 Feb 2027, mid-morning: FDP is four weeks away and the planning meeting is recorded."""
    clock("2027-02-02 10:00")
    return make_migration("2027-03-02", planning_meeting_date=d("2027-01-20"))


def practice_channel(server, practice, **events):
    return teams_channel_save(channel=None, practice=practice, url=server.url(), events={**ALL_EVENTS, **events})


def meeting_forgotten(migration):
    """The meeting date is taken off: with FDP under six weeks away the dashboard shows red."""
    Migration.objects.filter(pk=migration.pk).update(planning_meeting_date=None)


def watch_and_send() -> list[dict]:
    """The two beat entries, one after the other: the watch logs, the sweep sends."""
    rag_watch()
    for pk in reminders_sweep(enqueue=False).ready_ids:
        reminder_send(reminder_id=pk)


def red_cards(server) -> list[dict]:
    return [card for card in server.cards if "turned red" in card["body"][0]["text"]]


def test_turning_red_is_told_once_to_a_channel_that_chose_it_even_when_the_watch_runs_twice(
    teams_server, practice, on_track
):
    channel = practice_channel(teams_server, practice)
    watch_and_send()
    assert red_cards(teams_server) == []  # on track

    meeting_forgotten(on_track)
    watch_and_send()
    watch_and_send()

    [card] = red_cards(teams_server)
    assert card["body"][0]["text"] == "Riverside Medical Centre: turned red on the dashboard"
    facts = {fact["title"]: fact["value"] for fact in card["body"][1]["facts"]}
    assert facts["Practice"] == "Riverside Medical Centre (A81001)"
    # The reason in the dashboard's own words.
    assert "- No planning meeting recorded; FDP is in 28 days (2 Mar 2027)." in card["body"][2]["text"]
    assert card["actions"][0]["url"].endswith(reverse("migration-detail", args=[on_track.pk]))
    row = ReminderLog.objects.get(channel=channel, kind=MIGRATION_TURNED_RED)
    assert (row.status, row.due_date) == ("sent", dt.date(2027, 2, 2))


def test_staying_red_sends_nothing_more(teams_server, practice, on_track, clock):
    practice_channel(teams_server, practice)
    rag_watch()
    meeting_forgotten(on_track)
    watch_and_send()
    assert len(red_cards(teams_server)) == 1

    for day in ("2027-02-02 15:00", "2027-02-03 10:00", "2027-02-04 10:00"):
        clock(day)
        watch_and_send()
    assert len(red_cards(teams_server)) == 1
    assert RagSeen.objects.get(migration=on_track).colour == "red"


def test_a_channel_that_did_not_choose_it_gets_nothing(teams_server, practice, on_track):
    practice_channel(teams_server, practice, turned_red=False)
    rag_watch()
    meeting_forgotten(on_track)
    watch_and_send()
    assert red_cards(teams_server) == []
    assert not ReminderLog.objects.filter(kind=MIGRATION_TURNED_RED).exists()


def test_the_icb_and_delivery_partner_channels_hear_of_it_too(teams_server, practice, on_track):
    teams_channel_save(channel=None, organisation=practice.icb, url=teams_server.url("/icb?sig=1"), events=ALL_EVENTS)
    teams_channel_save(
        channel=None, organisation=practice.delivery_partner, url=teams_server.url("/dp?sig=2"), events=ALL_EVENTS
    )
    teams_server.posts.clear()
    rag_watch()
    meeting_forgotten(on_track)
    watch_and_send()
    assert sorted(post["path"] for post in teams_server.posts) == ["/dp?sig=2", "/icb?sig=1"]


def test_the_first_look_records_the_colour_without_telling_anyone(teams_server, practice, on_track):
    """A deploy, or a migration the watch has not seen before, must not flood the channels."""
    practice_channel(teams_server, practice)
    meeting_forgotten(on_track)
    watch_and_send()
    assert red_cards(teams_server) == []
    assert RagSeen.objects.get(migration=on_track).colour == "red"


def test_red_then_better_then_red_again_is_told_again(teams_server, practice, on_track, clock):
    practice_channel(teams_server, practice)
    rag_watch()
    meeting_forgotten(on_track)
    watch_and_send()
    Migration.objects.filter(pk=on_track.pk).update(planning_meeting_date=d("2027-01-20"))
    clock("2027-02-03 10:00")
    watch_and_send()
    assert RagSeen.objects.get(migration=on_track).colour != "red"
    clock("2027-02-04 10:00")
    meeting_forgotten(on_track)
    watch_and_send()
    assert len(red_cards(teams_server)) == 2


def test_a_closed_migration_is_never_told(teams_server, practice, on_track):
    practice_channel(teams_server, practice)
    rag_watch()
    Migration.objects.filter(pk=on_track.pk).update(planning_meeting_date=None, status=Migration.Status.COMPLETED)
    watch_and_send()
    assert red_cards(teams_server) == []


def test_a_message_logged_before_the_migration_closed_is_cancelled(teams_server, practice, on_track):
    channel = practice_channel(teams_server, practice)
    rag_watch()
    meeting_forgotten(on_track)
    rag_watch()
    Migration.objects.filter(pk=on_track.pk).update(status=Migration.Status.CANCELLED)
    for pk in reminders_sweep(enqueue=False).ready_ids:
        reminder_send(reminder_id=pk)
    assert red_cards(teams_server) == []
    assert ReminderLog.objects.get(channel=channel, kind=MIGRATION_TURNED_RED).status == "cancelled"


def test_a_failed_post_is_retried_and_shown_on_the_migration_page(
    teams_server, practice, on_track, clock, settings, client, manager
):
    settings.REMINDER_MAX_ATTEMPTS = 2
    settings.REMINDER_RETRY_MINUTES = 1
    practice_channel(teams_server, practice)
    rag_watch()
    meeting_forgotten(on_track)
    teams_server.answers = [500, 503]
    watch_and_send()
    clock("2027-02-02 10:02")
    watch_and_send()
    assert len(red_cards(teams_server)) == 2
    client.force_login(manager)
    page = client.get(reverse("migration-detail", args=[on_track.pk])).content.decode()
    assert "Migration turned red" in page
    assert "answered HTTP 503" in page


def make_red_wave(count: int) -> list[Migration]:
    """``count`` practices whose migrations the watch has seen on track, each with a Teams channel."""
    migrations = []
    for _ in range(count):
        migration = MigrationFactory(
            practice=PracticeFactory(), fdp_date=d("2027-03-02"), planning_meeting_date=d("2027-01-20")
        )
        migrations.append(migration)
    return migrations


@pytest.mark.parametrize("count", [2, 12])
def test_the_watch_costs_the_same_queries_for_a_few_migrations_or_many(
    teams_server, on_track, count, django_assert_max_num_queries, monkeypatch
):
    from reminders import teams

    monkeypatch.setattr(teams, "teams_post", lambda **kwargs: None)  # no test message for each channel
    wave = make_red_wave(count)
    for migration in wave:
        practice_channel(teams_server, migration.practice)
    rag_watch()
    Migration.objects.filter(pk__in=[m.pk for m in wave]).update(planning_meeting_date=None)

    with django_assert_max_num_queries(8):
        result = rag_watch()
    assert sorted(result.turned_red) == sorted(m.pk for m in wave)
    assert ReminderLog.objects.filter(kind=MIGRATION_TURNED_RED).count() == count


def test_the_watch_is_on_the_one_beat_schedule_as_often_as_the_sweep(settings):
    from cutover.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["dashboard-rag-watch"]
    assert entry["schedule"] == settings.REMINDER_SWEEP_MINUTES * 60
    assert entry["task"] == "dashboard.jobs.watch_rag"
    app.loader.import_default_modules()  # what a worker does at start: find every app's jobs module
    assert entry["task"] in app.tasks


def test_a_message_the_workers_could_not_send_for_two_days_is_cancelled_as_old_news(
    teams_server, practice, on_track, clock
):
    channel = practice_channel(teams_server, practice)
    rag_watch()
    meeting_forgotten(on_track)
    rag_watch()
    clock("2027-02-04 10:00")
    for pk in reminders_sweep(enqueue=False).ready_ids:
        reminder_send(reminder_id=pk)
    assert red_cards(teams_server) == []
    assert ReminderLog.objects.get(channel=channel, kind=MIGRATION_TURNED_RED).status == "cancelled"
