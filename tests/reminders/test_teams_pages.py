"""Connecting a Teams channel: a field error and nothing saved for any bad address."""

import pytest
from django.urls import reverse

from reminders.models import TeamsChannel

pytestmark = pytest.mark.django_db

ALL_EVENTS = {"escalations": "on", "switch_off": "on", "fdp_day": "on", "go_live": "on"}


def practice_page(practice):
    return reverse("teams-channel-practice", args=[practice.pk])


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("", "Enter the webhook address."),
        ("http://prod-01.uksouth.logic.azure.com/workflows/x", "must start https://"),
        ("webhook please", "Enter the whole webhook address"),
        ("https://192.168.0.10/hook", "not a Teams Workflows webhook"),
    ],
)
def test_a_bad_address_is_a_field_error_and_nothing_is_saved(client, manager, practice, url, problem):
    client.force_login(manager)
    response = client.post(practice_page(practice), {"webhook_url": url, **ALL_EVENTS, "action": "save"})
    assert response.status_code == 200
    assert problem in " ".join(response.context["form"].errors["webhook_url"])
    assert not TeamsChannel.objects.exists()


def test_an_address_whose_test_fails_is_a_field_error_and_nothing_is_saved(client, manager, practice, teams_server):
    teams_server.answers = [500]
    client.force_login(manager)
    response = client.post(practice_page(practice), {"webhook_url": teams_server.url(), **ALL_EVENTS})
    assert "Teams did not take a test message: the webhook answered HTTP 500" in response.content.decode()
    assert not TeamsChannel.objects.exists()


def test_the_manager_sends_a_test_message_then_saves_and_sees_the_address_masked(
    client, manager, practice, teams_server
):
    client.force_login(manager)
    response = client.post(practice_page(practice), {"webhook_url": teams_server.url(), **ALL_EVENTS, "action": "test"})
    assert "A test message went to the channel" in response.content.decode()
    assert teams_server.cards[0]["body"][0]["text"] == "Cutover Coordinator is connected"
    assert not TeamsChannel.objects.exists()  # a test saves nothing

    response = client.post(practice_page(practice), {"webhook_url": teams_server.url(), "fdp_day": "on"})
    assert response.status_code == 302
    channel = TeamsChannel.objects.get(practice=practice)
    assert (channel.fdp_day, channel.go_live, channel.escalations) == (True, False, False)
    listing = client.get(reverse("teams-channels")).content.decode()
    assert "Connected (https://localhost/…1234)" in listing
    assert "secret1234" not in client.get(practice_page(practice)).content.decode()
    assert channel.history.first().history_user == manager


def test_changing_only_the_events_keeps_the_address_and_sends_no_test(client, manager, practice, teams_server):
    client.force_login(manager)
    client.post(practice_page(practice), {"webhook_url": teams_server.url(), **ALL_EVENTS})
    teams_server.posts.clear()
    client.post(practice_page(practice), {"webhook_url": "", "go_live": "on"})
    channel = TeamsChannel.objects.get(practice=practice)
    assert channel.is_connected and channel.go_live and not channel.fdp_day
    assert teams_server.posts == []


def test_disconnecting_forgets_the_address(client, manager, practice, teams_server):
    client.force_login(manager)
    client.post(practice_page(practice), {"webhook_url": teams_server.url(), **ALL_EVENTS})
    client.post(practice_page(practice), {"action": "disconnect"})
    channel = TeamsChannel.objects.get(practice=practice)
    assert not channel.is_connected and channel.webhook_url_encrypted == ""


def test_an_icb_user_connects_their_icb_but_not_a_practice(client, icb_user, practice, teams_server):
    client.force_login(icb_user)
    assert client.get(practice_page(practice)).status_code == 403
    page = reverse("teams-channel-organisation", args=[practice.icb_id])
    assert client.post(page, {"webhook_url": teams_server.url(), **ALL_EVENTS}).status_code == 302
    assert TeamsChannel.objects.get().organisation == practice.icb


def test_staff_and_outsiders_cannot_connect_a_practice(client, staff, outsider, practice):
    client.force_login(staff)
    assert client.get(practice_page(practice)).status_code == 403
    client.force_login(outsider)
    assert client.get(practice_page(practice)).status_code == 404
    assert client.get(reverse("teams-channel-organisation", args=[practice.icb_id])).status_code == 404


def test_the_manager_chooses_to_hear_when_the_migration_turns_red(client, manager, practice, teams_server):
    client.force_login(manager)
    page = client.get(practice_page(practice)).content.decode()
    assert "A migration turns red on the dashboard" in page
    client.post(practice_page(practice), {"webhook_url": teams_server.url(), "turned_red": "on"})
    channel = TeamsChannel.objects.get(practice=practice)
    assert channel.turned_red and not channel.fdp_day
    client.post(practice_page(practice), {"webhook_url": "", "fdp_day": "on"})
    channel.refresh_from_db()
    assert channel.fdp_day and not channel.turned_red
