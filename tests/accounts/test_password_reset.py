"""The reset page takes the same time for any address: the lookup and the email happen in a job."""

import re

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from kombu.exceptions import OperationalError

from accounts import jobs
from accounts.passwords import password_reset_send

from ..factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(monkeypatch):
    """The addresses handed to the broker, instead of a worker sending them."""
    addresses = []
    monkeypatch.setattr(jobs.send_password_reset, "delay", addresses.append)
    return addresses


def _ask(client, email, capture, ip="10.0.0.1"):
    with CaptureQueriesContext(connection) as queries, capture(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": email}, REMOTE_ADDR=ip)

    def same_shape(sql: str) -> str:
        # The statements without their values (addresses, cache entries, times) or savepoint names.
        return re.sub(r"'[^']*'", "?", re.sub(r'"s\d+_x\d+"', "<savepoint>", sql))

    return response, [same_shape(query["sql"]) for query in queries]


def test_a_known_and_an_unknown_address_do_the_same_work_in_the_request(
    client, manager, queued, django_capture_on_commit_callbacks
):
    known, known_queries = _ask(client, manager.email, django_capture_on_commit_callbacks)
    unknown, unknown_queries = _ask(client, "nobody@nowhere.example", django_capture_on_commit_callbacks, "10.0.0.2")
    assert (
        (known.status_code, known.url)
        == (unknown.status_code, unknown.url)
        == (
            302,
            reverse("account_reset_password_done"),
        )
    )
    # No email inside the request, whatever the address: it goes from the worker.
    assert mail.outbox == []
    assert queued == [manager.email, "nobody@nowhere.example"]
    # The same queries for both (rate limits and the session), none of them looking for an account.
    assert known_queries == unknown_queries
    assert not [sql for sql in known_queries if "practices_user" in sql or "account_emailaddress" in sql]


def test_the_address_is_queued_only_once_the_request_commits(client, manager, queued):
    # Inside the test's transaction nothing commits, so nothing may be queued.
    client.post(reverse("account_reset_password"), {"email": manager.email})
    assert queued == []


def test_a_broker_that_is_down_still_shows_the_usual_page_and_is_logged(
    client, manager, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    def broker_down(email):
        raise OperationalError("connection refused")

    monkeypatch.setattr(jobs.send_password_reset, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": manager.email})
    assert response.status_code == 302 and response.url == reverse("account_reset_password_done")
    assert "a password reset email was not queued" in caplog.text


def test_the_job_sends_one_link_to_a_known_address(manager, settings):
    assert jobs.send_password_reset(manager.email.upper()) == 1
    [message] = mail.outbox
    assert message.to == [manager.email.upper()]
    assert message.subject.startswith("Cutover Coordinator: ")
    assert f"{settings.SITE_URL}/accounts/password/reset/key/" in message.body
    assert "Hello from Cutover Coordinator" in message.body


def test_the_job_sends_nothing_for_an_unknown_or_inactive_address(db):
    UserFactory(email="left@riverside.example", is_active=False)
    assert password_reset_send(email="left@riverside.example") == 0
    assert password_reset_send(email="nobody@nowhere.example") == 0
    assert mail.outbox == []


def test_the_reset_page_keeps_allauths_limit_per_address(client, manager, queued, django_capture_on_commit_callbacks):
    # allauth: five requests a minute for one address, twenty for one network.
    for _ in range(5):
        response, _ = _ask(client, manager.email, django_capture_on_commit_callbacks)
        assert response.status_code == 302
    response, _ = _ask(client, manager.email, django_capture_on_commit_callbacks)
    assert response.status_code == 429
    assert len(queued) == 5
