"""A closed migration is read-only for everyone: every way to change it, URL by URL, is refused."""

import pytest
from django.apps import apps
from django.urls import reverse

from lifecycle.closing import migration_cancel

from ..test_access_matrix import KWARGS, ROWS, World, matrix_key, url_patterns

# The forms whose only purpose is to change the migration: opening them is refused too.
CHANGE_PAGES = {
    "migration-edit",
    "migration-lifecycle-dates",
    "signoff-data-checking",
    "signoff-go-live",
    "migration-complete",
    "migration-cancel",
    "people-confirm",
    "clinical-leads",
    "stakeholder-add",
    "stakeholder-edit",
    "stakeholder-remove",
    "invitation-create",
    "system-add",
    "system-edit",
    "system-not-applicable",
    "task-add",
    "task-due-edit",
    "reentry-record",
    "reentry-void",
}


def migration_urls(world) -> list[tuple[str, str]]:
    """Every URL of one migration, with each method its manager may use (from the access matrix)."""
    found = set()
    for name, _pattern, _namespace in url_patterns():
        if name not in KWARGS or name == "migration-reopen":
            continue
        url = reverse(name, kwargs=KWARGS[name](world.own))
        if not url.startswith(f"/migrations/{world.own['migration'].pk}/"):
            continue
        for method in ("GET", "POST"):
            row = ROWS.get((matrix_key(name), method))
            if row and row.outcomes["manager"] != "405" and (method == "POST" or name in CHANGE_PAGES):
                found.add((name, method, url))
    return sorted(found)


def everything_stored() -> dict[str, int]:
    """Row counts of every model of ours, history included: a refused change adds or removes none."""
    ours = {"cutover", "practices", "tasks", "reentry", "lifecycle", "reminders"}
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.app_label in ours
    }


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["manager", "superuser", "staff"])
def test_every_change_to_a_closed_migration_is_refused(client, role):
    world = World()
    migration = world.own["migration"]
    migration_cancel(migration=migration, reason="Postponed by the ICB.", by=world.users["manager"])
    client.force_login(world.users[role])
    before = everything_stored()
    checked, problems = 0, []
    for name, method, url in migration_urls(world):
        response = getattr(client, method.lower())(url)
        checked += 1
        if response.status_code != 403:
            problems.append(f"{method} {name}: {response.status_code}")
    assert problems == []
    assert checked >= 30, "the walk should reach every way of changing a migration"
    assert everything_stored() == before


@pytest.mark.django_db
def test_the_refusal_says_the_migration_is_closed(client):
    world = World()
    migration = world.own["migration"]
    migration_cancel(migration=migration, reason="Postponed by the ICB.", by=world.users["manager"])
    client.force_login(world.users["manager"])
    response = client.post(reverse("migration-edit", args=[migration.pk]), {"fdp_date": "2027-01-04"})
    assert response.status_code == 403
    assert "This migration is closed (cancelled), so nothing in it can be changed" in response.content.decode()


@pytest.mark.django_db
def test_everyone_can_still_read_a_closed_migration(client):
    world = World()
    migration = world.own["migration"]
    migration_cancel(migration=migration, reason="Postponed by the ICB.", by=world.users["manager"])
    for role in ["manager", "staff", "icb", "partner"]:
        client.force_login(world.users[role])
        for name in ["migration-detail", "plan", "people", "systems", "migration-activity"]:
            assert client.get(reverse(name, args=[migration.pk])).status_code == 200, (role, name)
    client.force_login(world.users["staff"])
    assert client.get(reverse("reentry-log", args=[migration.pk])).status_code == 200
