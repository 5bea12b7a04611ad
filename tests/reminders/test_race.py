"""Two workers racing for one row, in two real transactions on PostgreSQL: exactly one sends."""

import threading
import time

import pytest
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone

from reminders.models import ReminderLog
from reminders.send import reminder_claim, reminder_send
from reminders.sweep import reminders_sweep

from .conftest import d

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def pending_row(clock, people, make_migration):
    if connection.vendor != "postgresql":
        pytest.skip("row locks between two transactions need PostgreSQL (DATABASE_URL=postgres://...)")
    clock("2027-03-10 07:30")
    make_migration("2027-03-10", "2027-03-17", planning_meeting_date=d("2027-02-01"))
    return reminders_sweep(enqueue=False).ready_ids[0]


def in_thread(target):
    def run():
        try:
            target()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def join_all(threads):
    for thread in threads:
        thread.join(60)
    assert not any(thread.is_alive() for thread in threads), "a worker thread is stuck"


def test_a_second_claim_waits_for_the_first_transaction_and_then_loses(pending_row):
    results, first_claimed = {}, threading.Event()

    def first():
        with transaction.atomic():
            results["first"] = reminder_claim(reminder_id=pending_row, now=timezone.now())
            first_claimed.set()
            time.sleep(0.5)  # the second worker is now blocked on this row's lock

    def second():
        assert first_claimed.wait(30)
        started = time.monotonic()
        results["second"] = reminder_claim(reminder_id=pending_row, now=timezone.now())
        results["waited"] = time.monotonic() - started

    join_all([in_thread(first), in_thread(second)])
    assert results["first"] is True and results["second"] is False
    assert results["waited"] > 0.3, "the second UPDATE should have waited for the first transaction"
    assert ReminderLog.objects.get(pk=pending_row).attempts == 1


def test_two_workers_sending_the_same_row_send_one_email(pending_row):
    barrier, outcomes = threading.Barrier(2), []

    def worker():
        barrier.wait(30)
        outcomes.append(str(reminder_send(reminder_id=pending_row)))

    join_all([in_thread(worker), in_thread(worker)])
    assert sorted(outcomes) == ["not claimed", "sent"]
    assert len(mail.outbox) == 1
    assert ReminderLog.objects.get(pk=pending_row).status == "sent"
