"""Run the reminder sweep now, in this process, and send what is due without Celery."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from reminders.kinds import KINDS
from reminders.models import ReminderLog
from reminders.send import Outcome, reminder_send
from reminders.sweep import reminders_sweep


class Command(BaseCommand):
    help = (
        "Log and send the reminders due now, synchronously: the same sweep beat runs every few minutes. "
        "With --date, act as if it were that day after the morning send time (to replay a missed day). "
        "With --dry-run, only print what would be sent."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", help="The day to sweep, as YYYY-MM-DD (default: now, London time).")
        parser.add_argument("--dry-run", action="store_true", help="Print what would be sent; write and send nothing.")

    def handle(self, *args, date=None, dry_run=False, **options):
        day = self.parse_date(date)
        if day and day > timezone.localdate() and not dry_run:
            raise CommandError(f"{day:%Y-%m-%d} is in the future: only --dry-run can look ahead.")
        result = reminders_sweep(day=day, dry_run=dry_run, enqueue=False)
        if result.before_send_time:
            self.stdout.write("It is before the morning send time: nothing is due yet. Use --date to sweep a day.")
            return
        if dry_run:
            for item in sorted(result.new, key=lambda item: (item.due.due_date, item.due.kind, item.recipient.email)):
                self.stdout.write(
                    self.describe(item.due.migration, item.due.kind, item.due.due_date, item.recipient.email)
                )
            self.stdout.write(f"Dry run for {result.today:%Y-%m-%d}: {len(result.new)} reminders would be sent.")
            self.write_waiting(result.today)
            return
        if day is not None:
            # Replaying a day sends only that day's reminders; the rest is left to the workers.
            keys = {item.key for item in result.planned}
            ready = set(result.ready_ids)
            ids = [
                row.pk
                for row in ReminderLog.objects.filter(pk__in=ready)
                if (row.migration_id, row.kind, row.recipient_email, row.due_date) in keys
            ]
        else:
            ids = result.ready_ids
        counts = dict.fromkeys(Outcome, 0)
        for reminder_id in ids:
            counts[reminder_send(reminder_id=reminder_id, today=result.today)] += 1
        self.stdout.write(
            self.style.SUCCESS(
                f"Reminders for {result.today:%Y-%m-%d}: {counts[Outcome.SENT]} sent, "
                f"{counts[Outcome.RETRY]} to retry, {counts[Outcome.FAILED]} failed, "
                f"{counts[Outcome.CANCELLED]} no longer due."
            )
        )

    def write_waiting(self, today: datetime.date) -> None:
        """Rows logged earlier and not sent yet (queued, or failed and waiting for a retry) go too."""
        waiting = (
            ReminderLog.objects.filter(
                status__in=[ReminderLog.Status.PENDING, ReminderLog.Status.SENDING], due_date__lte=today
            )
            .select_related("migration__practice")
            .order_by("due_date", "kind", "recipient_email")
        )
        if not waiting:
            return
        self.stdout.write(f"Already logged and waiting to be sent or retried: {len(waiting)}.")
        for row in waiting:
            retry = f" (attempt {row.attempts + 1})" if row.attempts else ""
            self.stdout.write(self.describe(row.migration, row.kind, row.due_date, row.recipient_email) + retry)

    @staticmethod
    def parse_date(value: str | None) -> datetime.date | None:
        if value is None:
            return None
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            raise CommandError(
                f"--date must be a date written YYYY-MM-DD, for example 2027-03-10, not {value!r}."
            ) from None

    @staticmethod
    def describe(migration, kind: str, due_date: datetime.date, email: str) -> str:
        about = f"{migration.practice.name} ({migration.practice.ods_code})" if migration else "-"
        return f"{due_date:%Y-%m-%d}  {KINDS[kind].label}  {about}  to {email}"
