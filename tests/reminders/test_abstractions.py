"""The pieces later reminder kinds build on: migration-less rows, outside contacts, opt-outs."""

import pytest
from django.db import IntegrityError, transaction

from reminders import kinds, rules
from reminders.kinds import Due, Timing
from reminders.models import ReminderLog, ReminderOptOut
from reminders.recipients import Recipient, normalise_email
from reminders.sweep import reminders_sweep

from .conftest import d

pytestmark = pytest.mark.django_db


@pytest.fixture
def digest_rule(monkeypatch, manager):
    """A stand-in for the daily task digest: one email a day per person, about no single migration."""
    monkeypatch.setitem(kinds.KINDS, "test_digest", kinds.KindSpec("test_digest", "Test digest", Timing.ON_DAY, True))
    supplier_contact = Recipient(email=normalise_email(" Jo@Supplier.Example "), name="Jo", outside=True)
    colleague = Recipient(email=manager.email, name="Manager", user_id=manager.pk)

    def rule(batch):
        yield Due("test_digest", batch.today, batch.today, (supplier_contact, colleague))

    monkeypatch.setattr(rules, "RULES", [*rules.RULES, rule])
    return supplier_contact


def test_a_migration_less_reminder_is_logged_once_per_person_and_day(clock, digest_rule):
    clock("2027-03-10 07:30")
    reminders_sweep(enqueue=False)
    reminders_sweep(enqueue=False)
    rows = ReminderLog.objects.filter(kind="test_digest")
    assert sorted(rows.values_list("recipient_email", flat=True)) == [
        "jo@supplier.example",
        "manager@riverside.example",
    ]
    assert rows.get(recipient_email="jo@supplier.example").recipient_user is None
    assert rows.filter(migration__isnull=True).count() == 2


def test_an_outside_contact_who_opted_out_gets_no_optional_email(clock, digest_rule):
    ReminderOptOut.objects.create(email="jo@supplier.example")
    clock("2027-03-10 07:30")
    reminders_sweep(enqueue=False)
    assert list(ReminderLog.objects.values_list("recipient_email", flat=True)) == ["manager@riverside.example"]


def test_opting_out_never_stops_a_deadline_reminder(clock, people, make_migration):
    ReminderOptOut.objects.create(email="staff@riverside.example")
    make_migration("2027-03-10", "2027-03-17", planning_meeting_date=d("2027-02-01"))
    clock("2027-03-10 07:30")
    reminders_sweep(enqueue=False)
    assert ReminderLog.objects.filter(recipient_email="staff@riverside.example").exists()


def test_the_database_refuses_a_second_row_for_the_same_key_without_a_migration(db):
    ReminderLog.objects.create(kind="test_digest", recipient_email="jo@supplier.example", due_date=d("2027-03-10"))
    with pytest.raises(IntegrityError), transaction.atomic():
        ReminderLog.objects.create(kind="test_digest", recipient_email="jo@supplier.example", due_date=d("2027-03-10"))


def test_the_database_refuses_a_second_row_for_the_same_migration_key(migration):
    key = {"migration": migration, "kind": "fdp_day_team", "due_date": d("2027-03-10")}
    ReminderLog.objects.create(**key, recipient_email="staff@riverside.example")
    with pytest.raises(IntegrityError), transaction.atomic():
        ReminderLog.objects.create(**key, recipient_email="staff@riverside.example")
    # Another person, another day or another kind is another reminder.
    ReminderLog.objects.create(**key | {"recipient_email": "itlead@riverside.example"})
    ReminderLog.objects.create(**key | {"recipient_email": "staff@riverside.example", "due_date": d("2027-03-11")})


def test_addresses_are_stored_lower_case(migration):
    with pytest.raises(IntegrityError), transaction.atomic():
        ReminderLog.objects.create(kind="x", recipient_email="Staff@Riverside.example", due_date=d("2027-03-10"))


def test_a_sent_row_records_when(migration):
    with pytest.raises(IntegrityError), transaction.atomic():
        ReminderLog.objects.create(kind="x", recipient_email="a@b.example", due_date=d("2027-03-10"), status="sent")
