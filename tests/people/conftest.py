import datetime

import pytest

from cutover.models import Migration

from .factories import ThirdPartySystemFactory


@pytest.fixture
def dated_migration(practice, suppliers):
    """A migration with fixed dates, for tests that freeze the clock.

    FDP is Monday 7 Dec 2026, so the switch-off window is Thursday 3 and Friday 4 Dec, and
    warnings start 3 working days before FDP, on Wednesday 2 Dec. Go-live is Monday 14 Dec.
    """
    return Migration.objects.create(
        practice=practice,
        current_system="EMIS Web",
        current_supplier=suppliers[0],
        new_system="TPP SystmOne",
        new_supplier=suppliers[1],
        fdp_date=datetime.date(2026, 12, 7),
        go_live_date=datetime.date(2026, 12, 14),
    )


@pytest.fixture
def docman(practice):
    return ThirdPartySystemFactory(practice=practice, name="Docman", backed_up_by_current_supplier=False)


@pytest.fixture
def pathology_link(practice):
    return ThirdPartySystemFactory(
        practice=practice,
        name="Pathology results link",
        category="pathology_link",
        supplier_name="City Pathology",
        contact_name="Jo Bennett",
        contact_email="jo.bennett@lab.example",
        backed_up_by_current_supplier=True,
    )
