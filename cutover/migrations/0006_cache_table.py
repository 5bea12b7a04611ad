"""The table the database cache uses when REDIS_URL is not set (settings.CACHES).

Created by a migration rather than by a separate `createcachetable` step, so that `migrate`
alone prepares a database for `make run`, the tests, docker compose and CI. It is created
whichever cache is configured now: a deployment that later drops REDIS_URL still finds it.
"""

from django.conf import settings
from django.core.management.commands.createcachetable import Command as CreateCacheTable
from django.db import migrations


def create_cache_table(apps, schema_editor):
    command = CreateCacheTable()
    command.verbosity = 0  # set by handle(), which this skips to name the table whatever CACHES says
    command.create_table(schema_editor.connection.alias, settings.CACHE_TABLE, dry_run=False)


def drop_cache_table(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(settings.CACHE_TABLE)}")


class Migration(migrations.Migration):
    dependencies = [("cutover", "0005_no_linked_systems_confirmed")]

    operations = [migrations.RunPython(create_cache_table, drop_cache_table, elidable=False)]
