"""ReminderLog and ReminderOptOut move to the reminders app (reminders/migrations/0001_initial.py).

Only Django's idea of which app owns them changes: their tables keep the names this app gave them
(cutover_reminderlog, cutover_reminderoptout), with their rows, constraints and indexes.
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('cutover', '0006_cache_table'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name='ReminderLog'),
                migrations.DeleteModel(name='ReminderOptOut'),
            ],
            database_operations=[],
        ),
    ]
