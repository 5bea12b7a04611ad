"""Teams messages: posted to a local HTTPS webhook the test starts, through the same log as emails."""

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse

from cutover.models import Migration
from reminders.models import ReminderLog, TeamsChannel
from reminders.send import Outcome, reminder_send
from reminders.sweep import reminders_sweep
from reminders.teams import TeamsDeliveryError, teams_channel_save, teams_post, webhook_url_error

from ..factories import OrganisationFactory
from .conftest import d, london

pytestmark = pytest.mark.django_db


@pytest.fixture
def fdp_today(clock, people, make_migration):
    """FDP is Wednesday 10 Mar 2027, 07:30 that morning."""
    clock("2027-03-10 07:30")
    return make_migration("2027-03-10", "2027-03-17", planning_meeting_date=d("2027-02-01"))


@pytest.fixture
def channel(teams_server, practice):
    return teams_channel_save(
        channel=None,
        practice=practice,
        url=teams_server.url(),
        events={"escalations": True, "switch_off": True, "fdp_day": True, "go_live": True},
    )


def sweep_and_send(**kwargs) -> list[Outcome]:
    return [reminder_send(reminder_id=pk, **kwargs) for pk in reminders_sweep(enqueue=False).ready_ids]


def fdp_cards(server) -> list[dict]:
    return [card for card in server.cards if "FDP day" in card["body"][0]["text"]]


def test_fdp_day_goes_to_the_practice_channel_once_when_the_sweep_runs_twice(teams_server, channel, fdp_today):
    teams_server.posts.clear()  # the test message sent when the channel was saved
    sweep_and_send()
    sweep_and_send()

    assert len(teams_server.posts) == 1
    card = teams_server.cards[0]
    assert card["type"] == "AdaptiveCard"
    assert card["body"][0]["text"] == "Riverside Medical Centre: FDP day: EMIS Web final data extract today"
    facts = {fact["title"]: fact["value"] for fact in card["body"][1]["facts"]}
    assert facts["Practice"] == "Riverside Medical Centre (A81001)"
    assert "record everything" in card["body"][2]["text"]
    assert card["actions"][0]["url"].endswith(reverse("migration-detail", args=[fdp_today.pk]))
    row = ReminderLog.objects.get(channel=channel)
    assert (row.status, row.kind, row.due_date) == ("sent", "fdp_day_team", fdp_today.fdp_date)
    # The emails of the day went as well, each once.
    assert len(mail.outbox) == ReminderLog.objects.filter(channel__isnull=True).count() == 3


def test_a_channel_gets_only_the_events_it_chose(teams_server, channel, fdp_today):
    channel.fdp_day = False
    channel.save()
    teams_server.posts.clear()
    sweep_and_send()
    assert teams_server.posts == []
    assert len(mail.outbox) == 3


@pytest.mark.parametrize("in_list_limit", [1_000, 0], ids=["few owners: an IN list", "many owners: every channel"])
def test_an_icb_channel_hears_of_each_of_its_practices(teams_server, fdp_today, practice, monkeypatch, in_list_limit):
    monkeypatch.setattr("reminders.teams_rules.CHANNEL_IN_LIST_LIMIT", in_list_limit)
    elsewhere = teams_channel_save(  # another ICB's channel hears nothing of this practice
        channel=None,
        organisation=OrganisationFactory(kind="icb"),
        url=teams_server.url("/other?sig=x"),
        events={"fdp_day": True},
    )
    icb_channel = teams_channel_save(
        channel=None, organisation=practice.icb, url=teams_server.url("/icb?sig=abcd"), events={"fdp_day": True}
    )
    teams_server.posts.clear()
    sweep_and_send()
    assert [post["path"] for post in teams_server.posts] == ["/icb?sig=abcd"]
    assert ReminderLog.objects.get(channel=icb_channel).status == "sent"
    assert not ReminderLog.objects.filter(channel=elsewhere).exists()


def test_a_message_is_retried_with_backoff_after_a_500_and_the_email_is_not_held_up(
    teams_server, channel, fdp_today, clock, settings
):
    settings.REMINDER_RETRY_MINUTES = 5
    teams_server.posts.clear()
    teams_server.answers = [500]
    outcomes = sweep_and_send()

    assert sorted(outcomes) == sorted([Outcome.SENT] * 3 + [Outcome.RETRY])
    assert len(mail.outbox) == 3
    row = ReminderLog.objects.get(channel=channel)
    assert row.status == "pending" and "answered HTTP 500" in row.note
    assert row.next_attempt_at == london("2027-03-10 07:35")

    clock("2027-03-10 07:33")
    assert sweep_and_send() == []  # still waiting
    clock("2027-03-10 07:36")
    assert sweep_and_send() == [Outcome.SENT]
    assert len(fdp_cards(teams_server)) == 2  # the failed post and the one that went through
    assert ReminderLog.objects.get(channel=channel).status == "sent"


def test_a_webhook_that_keeps_failing_is_shown_on_the_migration_page(
    teams_server, channel, fdp_today, clock, settings, client, manager
):
    settings.REMINDER_MAX_ATTEMPTS = 2
    settings.REMINDER_RETRY_MINUTES = 1
    teams_server.answers = [503, 503]
    sweep_and_send()
    clock("2027-03-10 07:32")
    assert sweep_and_send() == [Outcome.FAILED]

    client.force_login(manager)
    page = client.get(reverse("migration-detail", args=[fdp_today.pk])).content.decode()
    assert "Could not be sent" in page
    assert "Teams channel of Riverside Medical Centre" in page
    assert "answered HTTP 503" in page


def test_a_webhook_that_does_not_answer_in_time_is_retried(teams_server, channel, fdp_today, settings):
    settings.TEAMS_TIMEOUT_SECONDS = 0.3
    teams_server.delay = 1
    outcomes = sweep_and_send()
    assert Outcome.RETRY in outcomes
    assert "did not answer within" in ReminderLog.objects.get(channel=channel).note


def test_nothing_goes_for_a_closed_migration(teams_server, channel, fdp_today):
    Migration.objects.filter(pk=fdp_today.pk).update(status=Migration.Status.COMPLETED)
    teams_server.posts.clear()
    sweep_and_send()
    assert teams_server.posts == []
    assert not ReminderLog.objects.filter(channel=channel).exists()


def test_a_message_logged_before_the_migration_closed_is_cancelled_not_sent(teams_server, channel, fdp_today):
    teams_server.posts.clear()
    ready = reminders_sweep(enqueue=False).ready_ids
    Migration.objects.filter(pk=fdp_today.pk).update(status=Migration.Status.CANCELLED)
    for pk in ready:
        reminder_send(reminder_id=pk)
    assert teams_server.posts == []
    assert ReminderLog.objects.get(channel=channel).status == "cancelled"


def test_the_webhook_is_stored_encrypted_and_shown_masked(teams_server, channel):
    url = teams_server.url()
    stored = TeamsChannel.objects.values_list("webhook_url_encrypted", "webhook_url_masked").get(pk=channel.pk)
    assert url not in stored[0] and "secret1234" not in stored[0]
    assert stored[1] == "https://localhost/…1234"
    assert "secret1234" not in str(channel.history.first().__dict__)


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://prod-01.uksouth.logic.azure.com/workflows/x", "must start https://"),
        ("not a url", "Enter the whole webhook address"),
        ("https://intranet.example.org/hook", "not a Teams Workflows webhook"),
        ("https://logic.azure.com.evil.example/hook", "not a Teams Workflows webhook"),
    ],
)
def test_only_https_teams_workflow_addresses_are_accepted(url, problem):
    assert problem in webhook_url_error(url)


def test_a_redirect_is_not_followed(teams_server):
    teams_server.answers = [302]
    with pytest.raises(TeamsDeliveryError):
        teams_post(url=teams_server.url(), card={})


def test_a_new_address_that_refuses_the_test_message_is_not_saved(teams_server, practice):
    teams_server.answers = [404]
    with pytest.raises(TeamsDeliveryError, match="HTTP 404"):
        teams_channel_save(channel=None, practice=practice, url=teams_server.url(), events={"fdp_day": True})
    assert not TeamsChannel.objects.exists()


def test_the_sweep_asks_for_the_channels_once_whatever_the_number_of_migrations(
    teams_server, clock, suppliers, channel, django_assert_max_num_queries
):
    from ..factories import MigrationFactory, PracticeFactory

    clock("2027-03-10 07:30")
    for _ in range(3):
        MigrationFactory(
            practice=PracticeFactory(icb=channel.practice.icb),
            fdp_date=d("2027-03-10"),
            go_live_date=d("2027-03-17"),
            current_supplier=suppliers[0],
            new_supplier=suppliers[1],
        )
    with django_assert_max_num_queries(13):
        result = reminders_sweep(enqueue=False, now=dt.datetime.now(dt.UTC))
    assert result.teams == []  # none of these practices has a channel
