"""Fixtures for the tests that cover the areas working together: the plan, the people,
third-party systems, the re-entry log and the migration's own dates."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from practices.models import StakeholderRole
from practices.stakeholders import stakeholder_create
from tasks.services import plan_create_for_migration

from ..factories import ContactFactory, MigrationFactory, at
from ..tasks.factories import load_plan_template

# The plan tests' dates: today Thursday 26 Nov 2026; FDP Wednesday 10 Feb 2027, go-live 17 Feb 2027.
TODAY = dt.date(2026, 11, 26)
FDP = dt.date(2027, 2, 10)
GO_LIVE = dt.date(2027, 2, 17)


def travel(day: dt.date, hour: int = 10):
    return time_machine.travel(at(day, hour), tick=False)


def task_by_key(migration, key):
    return migration.tasks.select_related("migration").get(template_item__key=key)


def plan_url(migration) -> str:
    return reverse("plan", args=[migration.pk])


def detail_url(task) -> str:
    return reverse("task-detail", args=[task.migration_id, task.pk])


def assign_url(task) -> str:
    return reverse("task-assign", args=[task.migration_id, task.pk])


def status_url(task) -> str:
    return reverse("task-status", args=[task.migration_id, task.pk])


@pytest.fixture
def frozen_today():
    with travel(TODAY):
        yield TODAY


@pytest.fixture
def plan_migration(db, practice, suppliers, manager):
    """A migration of the `practice` fixture with its plan from the default template."""
    load_plan_template()
    migration = MigrationFactory(
        practice=practice, current_supplier=suppliers[0], new_supplier=suppliers[1], fdp_date=FDP, go_live_date=GO_LIVE
    )
    plan_create_for_migration(migration=migration, by=manager)
    return migration


@pytest.fixture
def lab_contact(plan_migration):
    """An outside contact of the plan's migration: the pathology lab."""
    return ContactFactory(
        migration=plan_migration,
        role=StakeholderRole.PATHOLOGY_LAB,
        name="Jo Bennett",
        organisation_name="City Pathology",
        email="jo.bennett@lab.example",
    )


@pytest.fixture
def people(plan_migration, manager, staff, it_lead):
    """The practice's three members recorded as the migration's people, in their roles."""
    return {
        role: stakeholder_create(migration=plan_migration, role=role, user=user, by=manager)
        for role, user in [
            (StakeholderRole.PRACTICE_MANAGER, manager),
            (StakeholderRole.PRACTICE_STAFF, staff),
            (StakeholderRole.IT_LEAD, it_lead),
        ]
    }
