"""Fixtures for the reminder tests: a frozen London clock, a broker stand-in, a migration maker."""

import datetime as dt

import pytest
import time_machine
from kombu.exceptions import OperationalError

from reminders import jobs
from reminders.models import ReminderLog
from reminders.send import reminder_send
from reminders.sweep import reminders_sweep

from ..browser.conftest import (  # noqa: F401 (fixtures)
    assert_accessible,
    browser_context_args,
    browser_type_launch_args,
    sign_in,
)
from ..factories import LONDON, MigrationFactory


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def london(text: str) -> dt.datetime:
    """A wall-clock time in London, e.g. "2027-03-29 07:30" (BST or GMT as that day has it)."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=LONDON)


@pytest.fixture
def clock():
    """clock("2027-03-29 07:30") freezes time there (London); call again to move it."""
    travellers = []

    def travel(when: str | dt.datetime):
        if travellers:
            travellers.pop().stop()
        moment = london(when) if isinstance(when, str) else when
        traveller = time_machine.travel(moment, tick=False)
        traveller.start()
        travellers.append(traveller)
        return moment

    yield travel
    for traveller in travellers:
        traveller.stop()


@pytest.fixture(autouse=True)
def lifecycle_reminders_when_asked(request, monkeypatch):
    """The lifecycle reminders (a week before the order, kick-off, IDP and the data-checking sign-off,
    worked back from FDP) would add rows to every walk here, whose tests assert exactly what their
    own kinds log. So they run only in tests marked ``lifecycle_reminders``
    (test_lifecycle_reminders.py, which walks beside every other rule)."""
    if request.node.get_closest_marker("lifecycle_reminders"):
        return
    from reminders import rules

    monkeypatch.setattr(rules, "RULES", [rule for rule in rules.RULES if rule.__name__ != "lifecycle_dates"])


@pytest.fixture
def people(manager, staff, it_lead, icb_user, partner_user):
    return {"manager": manager, "staff": staff, "it_lead": it_lead, "icb": icb_user, "partner": partner_user}


@pytest.fixture
def make_migration(practice, suppliers):
    def make(fdp: str, go_live: str | None = None, **extra):
        fdp_date = d(fdp)
        return MigrationFactory(
            practice=practice,
            current_supplier=suppliers[0],
            new_supplier=suppliers[1],
            fdp_date=fdp_date,
            go_live_date=d(go_live) if go_live else fdp_date + dt.timedelta(days=7),
            **extra,
        )

    return make


class Broker:
    """Stands in for Redis in unit tests: records the row ids the code hands to Celery."""

    def __init__(self):
        self.sent: list[int] = []
        self.down = False

    def delay(self, reminder_id):
        if self.down:
            raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
        assert isinstance(reminder_id, int), "only the row id may pass through the broker"
        self.sent.append(reminder_id)


@pytest.fixture
def broker(monkeypatch):
    fake = Broker()
    monkeypatch.setattr(jobs.send_reminder, "delay", fake.delay)
    return fake


def due_today():
    """Run the sweep now; return {kind: sorted recipient emails} for the rows it newly logged.

    Rows stay in the log, as they would in production, so calling this day after day walks the
    calendar the way beat does.
    """
    before = set(ReminderLog.objects.values_list("pk", flat=True))
    reminders_sweep(enqueue=False)
    found: dict[str, list[str]] = {}
    for row in ReminderLog.objects.exclude(pk__in=before).order_by("recipient_email"):
        found.setdefault(row.kind, []).append(row.recipient_email)
    return found


def walk(clock, first: str, last: str, at: str = "07:30") -> dict[str, dict]:
    """Sweep once a day from first to last; return the days something was logged."""
    day, logged = d(first), {}
    while day <= d(last):
        clock(f"{day} {at}")
        found = due_today()
        if found:
            logged[str(day)] = found
        day += dt.timedelta(days=1)
    return logged


def send_due() -> list:
    """Sweep now and send what is due in this process; return the emails that went."""
    from django.core import mail

    before = len(mail.outbox)
    for pk in reminders_sweep(enqueue=False).ready_ids:
        reminder_send(reminder_id=pk)
    return mail.outbox[before:]


def address(message) -> str:
    """The bare address an email went to ("Jo Bloggs <jo@x.example>" gives "jo@x.example")."""
    return message.to[0].split("<")[-1].rstrip(">")


def by_address(messages) -> dict:
    return {address(message): message for message in messages}


@pytest.fixture
def teams_server(tmp_path, settings):
    """A local HTTPS webhook, trusted and allowed for this test only."""
    from .teams_server import TeamsServer

    server = TeamsServer(tmp_path)
    settings.TEAMS_CA_FILE = str(server.cert_path)
    settings.TEAMS_WEBHOOK_HOSTS = ["logic.azure.com", "localhost"]
    settings.TEAMS_TIMEOUT_SECONDS = 2
    yield server
    server.stop()
