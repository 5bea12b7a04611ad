"""Fixtures for the reminder tests: a frozen London clock, a broker stand-in, a migration maker."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from kombu.exceptions import OperationalError

from cutover import jobs

from ..browser.conftest import assert_accessible, browser_type_launch_args, sign_in  # noqa: F401 (fixtures)
from ..factories import MigrationFactory

LONDON = ZoneInfo("Europe/London")


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
