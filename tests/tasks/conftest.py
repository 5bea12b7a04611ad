import datetime as dt

import pytest
import time_machine

from tasks.services import plan_create_for_migration

from ..factories import MigrationFactory, PracticeFactory
from .factories import load_plan_template

# Thursday 26 Nov 2026, 10:00 in London.
TODAY = dt.date(2026, 11, 26)
FDP = dt.date(2027, 2, 10)  # a Wednesday, clear of bank holidays
GO_LIVE = dt.date(2027, 2, 17)


@pytest.fixture
def frozen_today():
    with time_machine.travel(dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.UTC), tick=False):
        yield TODAY


@pytest.fixture
def plan_template(db):
    load_plan_template()


@pytest.fixture
def plan_migration(plan_template, practice, suppliers, manager):
    """A migration of the `practice` fixture with its plan, FDP 10 Feb 2027 and go-live 17 Feb 2027."""
    migration = MigrationFactory(
        practice=practice,
        current_supplier=suppliers[0],
        new_supplier=suppliers[1],
        fdp_date=FDP,
        go_live_date=GO_LIVE,
    )
    plan_create_for_migration(migration=migration, by=manager)
    return migration


@pytest.fixture
def dispensing_practice(db):
    return PracticeFactory(name="Moorland Dispensing Practice", ods_code="C83003", dispensing=True)


def task_by_key(migration, key):
    return migration.tasks.get(template_item__key=key)
