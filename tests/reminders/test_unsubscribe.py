"""The unsubscribe page an outside contact reaches from a digest: a signed link, a confirm button."""

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from reminders.models import ReminderOptOut
from reminders.optout import unsubscribe_token

pytestmark = pytest.mark.django_db

LAB = "alex@citylab.example"


def url(token: str) -> str:
    return reverse("reminder-unsubscribe", args=[token])


def test_opening_the_link_asks_first_and_changes_nothing(client):
    response = client.get(url(unsubscribe_token("Alex@CityLab.example")))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Stop daily task emails to alex@citylab.example" in html and 'method="post"' in html
    assert "deadlines" in html, "the page says deadline reminders still come"
    assert not ReminderOptOut.objects.exists(), "mail scanners open links: a GET must not unsubscribe"


def test_the_button_opts_the_address_out_and_shows_it_is_done(client):
    token = unsubscribe_token(LAB)
    response = client.post(url(token))
    assert response.status_code == 302 and response["Location"] == url(token)
    assert list(ReminderOptOut.objects.values_list("email", flat=True)) == [LAB]
    page = client.get(url(token)).content.decode()
    assert "We will not send daily task summaries to alex@citylab.example any more." in page
    assert 'method="post"' not in page


def test_pressing_it_twice_is_the_same_as_once(client):
    token = unsubscribe_token(LAB)
    client.post(url(token))
    assert client.post(url(token)).status_code == 302
    assert ReminderOptOut.objects.count() == 1


def test_a_mail_program_can_unsubscribe_in_one_click_without_a_csrf_token():
    # RFC 8058: the mail program POSTs "List-Unsubscribe=One-Click" to the link, with no cookie.
    client = Client(enforce_csrf_checks=True)
    response = client.post(url(unsubscribe_token(LAB)), {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 302
    assert ReminderOptOut.objects.filter(email=LAB).exists()


def test_someone_signed_in_can_use_the_link_too(client, manager):
    client.force_login(manager)
    assert client.post(url(unsubscribe_token(LAB))).status_code == 302
    assert ReminderOptOut.objects.filter(email=LAB).exists()


@pytest.mark.parametrize(
    "token",
    [
        "not-a-token",
        signing.dumps(LAB, salt="another.purpose", compress=True),  # signed by us, but not for this
        unsubscribe_token(LAB)[:-2] + "xx",  # altered signature
    ],
    ids=["made-up", "other-salt", "altered"],
)
def test_a_link_not_made_by_us_is_refused_and_changes_nothing(client, token):
    response = client.get(url(token))
    assert response.status_code == 404
    assert "Link not recognised" in response.content.decode()
    assert client.post(url(token)).status_code == 404
    assert not ReminderOptOut.objects.exists()


def test_an_address_cannot_be_swapped_for_another(client):
    _, signature = unsubscribe_token(LAB).rsplit(":", 1)
    forged = signing.dumps("someone@else.example", salt="cutover.reminders.unsubscribe", compress=True)
    mixed = f"{forged.rsplit(':', 1)[0]}:{signature}"
    assert client.post(url(mixed)).status_code == 404
    assert not ReminderOptOut.objects.exists()


def test_other_methods_are_refused(client):
    assert client.put(url(unsubscribe_token(LAB))).status_code == 405
    assert client.delete(url(unsubscribe_token(LAB))).status_code == 405
