"""The data migration that brings the national services catalogue: migrations already active when it
runs get the services too, closed ones are left as they ended."""

import importlib

import pytest
from django.apps import apps

from practices.models import NationalService, ThirdPartyState, ThirdPartySystem

from ..factories import MigrationFactory, ThirdPartySystemFactory

pytestmark = pytest.mark.django_db

seed_module = importlib.import_module("practices.migrations.0011_seed_national_services")


def test_active_migrations_get_the_catalogue_and_closed_ones_do_not(practice, suppliers):
    NationalService.objects.all().delete()  # as before the data migration ran
    active = MigrationFactory(practice=practice, current_supplier=suppliers[0], new_supplier=suppliers[1])
    closed = MigrationFactory(current_supplier=suppliers[0], new_supplier=suppliers[1], status="completed")
    ThirdPartySystemFactory(practice=practice, name="Pathology")

    seed_module.seed(apps, None)

    assert NationalService.objects.count() == len(seed_module.CATALOGUE)
    given = ThirdPartyState.objects.filter(migration=active, notice_working_days__isnull=False)
    assert given.count() == len(seed_module.CATALOGUE)
    assert not ThirdPartyState.objects.filter(migration=closed).exists()
    # The practice's own "Pathology" stays its own; the national one is told apart.
    assert ThirdPartySystem.objects.get(practice=practice, name="Pathology").national_service is None
    assert ThirdPartySystem.objects.filter(practice=practice, name="Pathology (national service)").exists()
    # Each row starts its audit trail (here the live models' signals add their own as well).
    assert all(state.history.filter(history_type="+").exists() for state in given)
    assert all(service.history.filter(history_type="+").exists() for service in NationalService.objects.all())
