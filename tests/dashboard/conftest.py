import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from ..factories import OrganisationMembershipFactory, UserFactory, enable_totp
from .factories import TODAY


@pytest.fixture(autouse=True)
def frozen_today():
    """Every dashboard test runs on TODAY, mid-morning in London."""
    moment = datetime.datetime.combine(TODAY, datetime.time(10, 0), tzinfo=ZoneInfo("Europe/London"))
    with time_machine.travel(moment, tick=False):
        yield TODAY


@pytest.fixture(autouse=True)
def invitations_emailed_at_once(monkeypatch):
    """A wave's invitation emails go from a worker job (practices.jobs); here that job runs at once."""
    from practices import jobs

    monkeypatch.setattr(jobs.send_invitations, "delay", jobs.send_invitations)


@pytest.fixture
def icb(practice):
    return practice.icb


@pytest.fixture
def other_icb(other_practice):
    return other_practice.icb


@pytest.fixture
def icb_colleague(icb):
    """A second person of the same ICB: they share its import batches."""
    user = OrganisationMembershipFactory(organisation=icb, user=UserFactory(email="colleague@icb.example")).user
    return enable_totp(user)  # ICB users must have two-factor authentication
