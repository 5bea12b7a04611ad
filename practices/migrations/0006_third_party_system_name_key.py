"""Third-party system names are unique by one rule, name_key(), held by a stored key.

Existing names that only now count as the same (an accent or a Unicode case the old lower-case
index missed) keep their row; the later one gets its id added to its name, so nothing is lost.
"""

from django.db import migrations, models

from practices.models import name_key


def fill_name_keys(apps, schema_editor):
    ThirdPartySystem = apps.get_model("practices", "ThirdPartySystem")
    seen = set()
    for system in ThirdPartySystem.objects.order_by("practice_id", "pk"):
        key = name_key(system.name)
        if (system.practice_id, key) in seen:
            system.name = f"{system.name} ({system.pk})"
            key = name_key(system.name)
        seen.add((system.practice_id, key))
        system.name_key = key
        # Audit: a derived column and, rarely, a name made unique by a migration; no user changed it.
        system.save(update_fields=["name", "name_key"])


class Migration(migrations.Migration):
    dependencies = [
        ("practices", "0005_early_switch_off_reason"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="thirdpartysystem",
            name="third_party_system_name_unique_per_practice",
        ),
        migrations.AddField(
            model_name="historicalthirdpartysystem",
            name="name_key",
            field=models.TextField(default="", editable=False),
        ),
        migrations.AddField(
            model_name="thirdpartysystem",
            name="name_key",
            field=models.TextField(default="", editable=False),
        ),
        migrations.RunPython(fill_name_keys, migrations.RunPython.noop, elidable=False),
        migrations.AddConstraint(
            model_name="thirdpartysystem",
            constraint=models.UniqueConstraint(
                fields=("practice", "name_key"),
                name="third_party_system_name_key_unique_per_practice",
                violation_error_message="The practice already has a system with this name.",
            ),
        ),
    ]
