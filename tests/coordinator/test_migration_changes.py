"""The "History" section of the migration page: folded away, so its changes load only when opened."""

import pytest
from django.urls import reverse

from coordinator import services

pytestmark = pytest.mark.django_db


def section(html: str) -> str:
    return html.split('id="history"', 1)[1].split("</section>", 1)[0]


def test_the_migration_page_leaves_the_changes_to_be_loaded_when_history_is_opened(client, manager, migration):
    services.migration_update(migration=migration, by=manager, legacy_support_days=45)
    client.force_login(manager)
    changes_url = reverse("migration-changes", args=[migration.pk])

    page = client.get(reverse("migration-detail", args=[migration.pk])).content.decode()

    history = section(page)
    assert f'hx-get="{changes_url}" hx-trigger="toggle once"' in history
    assert f'<a href="{changes_url}">' in history, "without JavaScript the section's link opens the changes"
    assert "Legacy support" not in history

    opened = client.get(changes_url, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in opened and "<h1" not in opened, "only the section's contents, for htmx to put in place"
    assert "Changed: Legacy support (days after go-live): 90 → 45" in opened
    assert manager.get_full_name() in opened


def test_without_javascript_the_changes_are_a_page_of_their_own(client, staff, migration):
    client.force_login(staff)

    page = client.get(reverse("migration-changes", args=[migration.pk])).content.decode()

    assert '<h1 class="nhsuk-heading-l">Changes to the migration</h1>' in page
    assert "Created" in page
    assert f'href="{migration.get_absolute_url()}"' in page, "a way back to the migration"
