import pytest
from django.core.management import call_command

from cutover.models import Migration
from practices.models import NationalService, Stakeholder, StakeholderConfirmation, ThirdPartyState, ThirdPartySystem
from systems.third_party import third_party_warnings

pytestmark = pytest.mark.django_db


def test_demo_data_has_people_and_linked_systems_at_plausible_stages(settings):
    settings.DEBUG = True
    call_command("seed_demo", password="demo-password-123")
    # The three practices of the demo practice users (the dashboard's demo wave has its own).
    mine = Migration.objects.filter(practice__memberships__user__email="manager@example.org")
    # Distinct: Riverside has two migrations, its completed one and the one under way.
    assert ThirdPartySystem.objects.filter(practice__migrations__in=mine, national_service=None).distinct().count() == 9
    # Each of the three practices also has the national services every migration starts with.
    national = ThirdPartySystem.objects.filter(practice__migrations__in=mine, national_service__isnull=False)
    assert national.distinct().count() == 3 * NationalService.objects.filter(active=True).count()
    by_stage = {m.stage(): m for m in mine.select_related("practice")}
    # Before FDP the manager still has to confirm who is involved; later migrations are confirmed.
    assert not StakeholderConfirmation.objects.filter(migration=by_stage["planning"]).exists()
    assert by_stage["cutover"].stakeholders.filter(role="pathology_lab").exists()
    assert by_stage["after go-live"].stakeholders.filter(user__email="manager@example.org").exists()
    # In cutover one system is still on; after go-live one is not yet back on.
    in_cutover = third_party_warnings(by_stage["cutover"])
    assert len(in_cutover) == 1
    assert in_cutover[0].startswith("Links to Online consultation tool are not yet confirmed switched off")
    after = third_party_warnings(by_stage["after go-live"])
    assert len(after) == 1
    assert after[0].startswith("Pathology results link is not yet confirmed switched back on")
    assert not ThirdPartyState.objects.filter(switched_off_late=True).exists()


def test_demo_people_and_systems_are_not_added_twice(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    counts = (Stakeholder.objects.count(), ThirdPartySystem.objects.count(), ThirdPartyState.objects.count())
    call_command("seed_demo")
    assert (Stakeholder.objects.count(), ThirdPartySystem.objects.count(), ThirdPartyState.objects.count()) == counts
