"""PostgreSQL keeps the plans of the queries every page repeats (prepared statements), so a page
pays for parsing and planning its queries once per connection, not once per request."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse

from tasks.models import Task
from tasks.services import plan_create_for_migration


def _prepared_statements() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements")
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_a_plan_opened_again_and_again_runs_on_prepared_statements(client, manager, migration):
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's; SQLite has nothing to plan ahead")
    plan_create_for_migration(migration=migration, by=manager)
    client.force_login(manager)
    url = reverse("plan", args=[migration.pk])
    before = _prepared_statements()

    for _ in range(settings.DATABASES["default"]["OPTIONS"]["prepare_threshold"]):
        assert client.get(url).status_code == 200

    assert _prepared_statements() > before
    # and the plan still reads what is saved now, not what it read when the statement was prepared
    task = Task.objects.filter(migration=migration).order_by("position").first()
    Task.objects.filter(pk=task.pk).update(title="Renamed after the statements were prepared")
    assert "Renamed after the statements were prepared" in client.get(url).text


def _database_options(**environ) -> dict:
    code = "from django.conf import settings; print(settings.DATABASES['default'].get('OPTIONS', {}))"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "cutover.settings", **environ}
    result = subprocess.run(  # noqa: S603  # nosec B603: this interpreter, fixed arguments
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=settings.BASE_DIR,
    )
    return eval(result.stdout)  # noqa: S307  # nosec B307: our own child's print of a dict of literals


def test_prepared_statements_can_be_turned_off_for_a_pooler_that_cannot_keep_them():
    postgres = "postgres://postgres@127.0.0.1:5432/anything"

    default = _database_options(DATABASE_URL=postgres)
    off = _database_options(DATABASE_URL=postgres, DATABASE_PREPARE_THRESHOLD="0")

    assert default["server_side_binding"] is True
    assert default["prepare_threshold"] == 5
    assert off["server_side_binding"] is False
    assert off["prepare_threshold"] is None
