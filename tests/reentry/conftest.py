import datetime

import pytest
import time_machine

from practices.models import PracticeMembership

from ..factories import MigrationFactory, PracticeFactory, PracticeMembershipFactory, UserFactory, at

# A cutover that starts on a Monday: FDP 23 Nov 2026, go-live 30 Nov 2026.
FDP = datetime.date(2026, 11, 23)
GO_LIVE = datetime.date(2026, 11, 30)


def travel(moment: datetime.datetime):
    return time_machine.travel(moment, tick=False)


@pytest.fixture
def cutover(practice, suppliers):
    """The practice's migration, with fixed dates so each test chooses its own day."""
    return MigrationFactory(
        practice=practice, current_supplier=suppliers[0], new_supplier=suppliers[1], fdp_date=FDP, go_live_date=GO_LIVE
    )


@pytest.fixture
def dispensing_cutover(suppliers, staff):
    """A dispensing practice's migration, with the `staff` user as one of its members too."""
    practice = PracticeFactory(name="Moorland Dispensary", ods_code="C83003", dispensing=True)
    PracticeMembershipFactory(practice=practice, user=staff, role=PracticeMembership.Role.PRACTICE_STAFF)
    return MigrationFactory(
        practice=practice, current_supplier=suppliers[0], new_supplier=suppliers[1], fdp_date=FDP, go_live_date=GO_LIVE
    )


@pytest.fixture
def before_fdp():
    with travel(at(FDP - datetime.timedelta(days=3))):
        yield


@pytest.fixture
def during_cutover():
    with travel(at(FDP + datetime.timedelta(days=2), 10, 30)):
        yield


@pytest.fixture
def after_go_live():
    with travel(at(GO_LIVE + datetime.timedelta(days=2), 9, 15)):
        yield


@pytest.fixture
def colleague(practice):
    """A second member of staff, for checks that need a different person."""
    return PracticeMembershipFactory(
        practice=practice,
        role=PracticeMembership.Role.PRACTICE_STAFF,
        user=UserFactory(email="nurse@riverside.example"),
    ).user
