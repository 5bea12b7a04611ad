"""ReminderLog and ReminderOptOut, moved here from the cutover app (cutover/migrations/0007).

The move changes Django's state only: the tables cutover/migrations/0003_reminders.py created keep
their names (``db_table``), rows, constraints and indexes, so nothing runs against them here. The
content types follow the models, so permissions and admin history on them stay attached.
"""

import django.db.models.deletion
import django.db.models.functions.text
from django.conf import settings
from django.db import migrations, models

MODELS = ("reminderlog", "reminderoptout")


def content_types_follow(apps, schema_editor, old="cutover", new="reminders"):
    """Give the models' existing content types the new app label (a new database has none yet)."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    content_types = ContentType.objects.using(schema_editor.connection.alias)
    for model in MODELS:
        if not content_types.filter(app_label=new, model=model).exists():
            content_types.filter(app_label=old, model=model).update(app_label=new)


def content_types_go_back(apps, schema_editor):
    content_types_follow(apps, schema_editor, old="reminders", new="cutover")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('cutover', '0007_reminders_move_to_their_app'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ReminderOptOut',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('email', models.EmailField(max_length=254, unique=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                    ],
                    options={
                        'db_table': 'cutover_reminderoptout',
                        'constraints': [models.CheckConstraint(condition=models.Q(('email', django.db.models.functions.text.Lower('email'))), name='reminder_opt_out_email_lower_case')],
                    },
                ),
                migrations.CreateModel(
                    name='ReminderLog',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(max_length=48)),
                        ('recipient_email', models.EmailField(max_length=254)),
                        ('recipient_name', models.CharField(blank=True, max_length=200)),
                        ('due_date', models.DateField(help_text='The day the reminder is for (London time).')),
                        ('status', models.CharField(choices=[('pending', 'Waiting to send'), ('sending', 'Sending'), ('sent', 'Sent'), ('failed', 'Failed'), ('cancelled', 'Not sent')], default='pending', max_length=16)),
                        ('attempts', models.PositiveSmallIntegerField(default=0)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('enqueued_at', models.DateTimeField(blank=True, null=True)),
                        ('claimed_at', models.DateTimeField(blank=True, null=True)),
                        ('next_attempt_at', models.DateTimeField(blank=True, null=True)),
                        ('sent_at', models.DateTimeField(blank=True, null=True)),
                        ('note', models.CharField(blank=True, max_length=200)),
                        ('migration', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='reminders', to='cutover.migration')),
                        ('recipient_user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'ordering': ['due_date', 'kind', 'recipient_email'],
                        'db_table': 'cutover_reminderlog',
                        'indexes': [models.Index(fields=['status', 'next_attempt_at'], name='reminder_status_next_idx')],
                        'constraints': [models.UniqueConstraint(condition=models.Q(('migration__isnull', False)), fields=('migration', 'kind', 'recipient_email', 'due_date'), name='reminder_once_per_migration_kind_recipient_day'), models.UniqueConstraint(condition=models.Q(('migration__isnull', True)), fields=('kind', 'recipient_email', 'due_date'), name='reminder_once_per_kind_recipient_day_without_migration'), models.CheckConstraint(condition=models.Q(('recipient_email', django.db.models.functions.text.Lower('recipient_email'))), name='reminder_recipient_email_lower_case'), models.CheckConstraint(condition=models.Q(models.Q(('status', 'sent'), _negated=True), ('sent_at__isnull', False), _connector='OR'), name='reminder_sent_has_sent_at')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_types_follow, content_types_go_back),
    ]
