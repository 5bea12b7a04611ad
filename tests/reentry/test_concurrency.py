"""Many people recording at once lose nothing, and a form sent twice records once.

These run real threads, each with its own database connection, so they need PostgreSQL: SQLite
serialises every write and would prove nothing.
"""

import threading
import uuid
from http.cookies import SimpleCookie

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from practices.models import PracticeMembership
from reentry.models import Entry, Kind

from ..factories import PracticeMembershipFactory, UserFactory, at
from .conftest import FDP, travel

pytestmark = pytest.mark.django_db(transaction=True)

PEOPLE = 50


@pytest.fixture(autouse=True)
def postgres_only(db):
    if connection.vendor != "postgresql":
        pytest.skip("Concurrency is only meaningful against PostgreSQL (set DATABASE_URL)")


@pytest.fixture
def frozen_in_cutover():
    with travel(at(FDP, 15)):
        yield


def run_together(jobs):
    """Start every job at the same moment, each in its own thread, and collect what they return."""
    start = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)
    errors: list = []

    def work(index, job):
        try:
            start.wait(timeout=30)
            results[index] = job()
        except Exception as exc:  # reported below, so one failing thread fails the test
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    return results


def signed_in_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def form(token: uuid.UUID, n: int) -> dict:
    return {
        "kind": Kind.TELEPHONE_CALL,
        "nhs_number": "943 476 5919",
        "occurred_at": "2026-11-23T14:00",
        "summary": f"Call number {n}",
        "token": str(token),
    }


def test_fifty_staff_recording_at_once_lose_nothing(cutover, frozen_in_cutover):
    people = [
        PracticeMembershipFactory(
            practice=cutover.practice,
            role=PracticeMembership.Role.PRACTICE_STAFF,
            user=UserFactory(email=f"desk{n}@riverside.example"),
        ).user
        for n in range(PEOPLE)
    ]
    clients = [signed_in_client(person) for person in people]
    url = reverse("reentry-record", args=[cutover.pk])
    jobs = [(lambda c=client, n=n: c.post(url, form(uuid.uuid4(), n)).status_code) for n, client in enumerate(clients)]
    statuses = run_together(jobs)
    assert statuses == [302] * PEOPLE
    assert Entry.objects.filter(migration=cutover).count() == PEOPLE
    assert set(Entry.objects.values_list("summary", flat=True)) == {f"Call number {n}" for n in range(PEOPLE)}
    assert set(Entry.objects.values_list("recorded_by", flat=True)) == {p.pk for p in people}


def test_the_same_form_sent_ten_times_at_once_records_one_entry(cutover, staff, frozen_in_cutover):
    browser = signed_in_client(staff)
    # One browser session sending the same form again and again (a double click, a retry).
    clients = []
    for _ in range(10):
        client = Client()
        client.cookies = SimpleCookie(browser.cookies)
        clients.append(client)
    url = reverse("reentry-record", args=[cutover.pk])
    data = form(uuid.uuid4(), 1)
    statuses = run_together([lambda c=client: c.post(url, data).status_code for client in clients])
    assert statuses == [302] * 10
    assert Entry.objects.count() == 1
