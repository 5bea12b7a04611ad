"""Item 7 of issue 14: a warning on the third-party systems page goes as soon as the step that settles it is
recorded inline, without reloading the page (the htmx response swaps the warnings out of band)."""

import pytest
from django.urls import reverse

from cutover.workdays import add_working_days
from tests.factories import MigrationFactory, ThirdPartySystemFactory, working_day_in

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def fdp_soon(practice, suppliers):
    """FDP two working days away: the switch-off window opens today and the page warns."""
    fdp = working_day_in(0)
    fdp = add_working_days(fdp, 2)
    return MigrationFactory(
        practice=practice,
        current_supplier=suppliers[0],
        new_supplier=suppliers[1],
        fdp_date=fdp,
        go_live_date=add_working_days(fdp, 5),
        planning_meeting_date=add_working_days(fdp, -25),
    )


def confirm_switched_off(client, migration, system):
    url = reverse("system-step", args=[migration.pk, system.pk])
    return client.post(url, {"step": "switched_off", "action": "record"}, **HTMX)


def test_the_warning_goes_when_the_last_system_is_confirmed_switched_off(client, it_lead, fdp_soon, practice):
    docman = ThirdPartySystemFactory(practice=practice, name="Docman")
    client.force_login(it_lead)
    page = client.get(reverse("systems", args=[fdp_soon.pk])).content.decode()
    assert "Links to Docman are not yet confirmed switched off" in page

    fragment = confirm_switched_off(client, fdp_soon, docman).content.decode()

    assert fragment.lstrip().startswith(f'<tr id="system-{docman.pk}"')
    warnings = fragment.split('<div id="system-warnings"')[1]
    assert warnings.startswith(' aria-live="polite" hx-swap-oob="true">')
    assert "not yet confirmed switched off" not in warnings


def test_the_warning_keeps_the_systems_still_to_do(client, it_lead, fdp_soon, practice):
    docman = ThirdPartySystemFactory(practice=practice, name="Docman")
    ThirdPartySystemFactory(practice=practice, name="Pathology results link")
    client.force_login(it_lead)

    fragment = confirm_switched_off(client, fdp_soon, docman).content.decode()

    warnings = fragment.split('<div id="system-warnings"')[1]
    assert "Links to Pathology results link are not yet confirmed switched off" in warnings
    assert "Links to Docman" not in warnings
