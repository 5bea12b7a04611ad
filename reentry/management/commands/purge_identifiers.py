"""Remove patient identifiers from re-entry logs whose retention period is over (see reentry/retention.py)."""

from django.core.management.base import BaseCommand

from cutover.formatting import day_text
from reentry.retention import identifiers_remove_due


class Command(BaseCommand):
    help = (
        "Remove NHS numbers, patient details and free text from the re-entry log of every migration whose "
        "legacy support has ended, with nothing left to re-enter, REENTRY_RETENTION_DAYS ago. "
        "The same job runs daily from beat. With --dry-run, only list what would be removed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="List what would be removed; change nothing.")

    def handle(self, *args, dry_run=False, **options):
        results = identifiers_remove_due(dry_run=dry_run)
        for result in results:
            migration = result.retention.migration
            # Practice and counts only: this output may end up in logs.
            self.stdout.write(
                f"Migration {migration.pk}, {migration.practice.name} ({migration.practice.ods_code}): "
                f"{result.removed} entr{'y' if result.removed == 1 else 'ies'}, due since "
                f"{day_text(result.retention.due_on)}"
            )
        total = sum(result.removed for result in results)
        verb = "would lose" if dry_run else "lost"
        self.stdout.write(
            self.style.SUCCESS(f"{total} entr{'y' if total == 1 else 'ies'} {verb} their patient details.")
        )
