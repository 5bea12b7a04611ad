"""The cutover itself: a practice's migration from one clinical system to another."""

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from simple_history.models import HistoricalRecords

from practices.models import Organisation, Practice, practices_managed_by, practices_visible_to

from . import timeline


def default_legacy_support_days() -> int:
    return settings.LEGACY_SUPPORT_DAYS


class MigrationQuerySet(models.QuerySet):
    def visible_to(self, user) -> "MigrationQuerySet":
        """The one place that decides which migrations a user may see."""
        return self.filter(practice__in=practices_visible_to(user))

    def editable_by(self, user) -> "MigrationQuerySet":
        return self.filter(practice__in=practices_managed_by(user))

    def active(self) -> "MigrationQuerySet":
        return self.filter(status=Migration.Status.ACTIVE)


class Migration(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="migrations")
    current_system = models.CharField("current clinical system", max_length=100)
    current_supplier = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": Organisation.Kind.SUPPLIER},
        verbose_name="current supplier",
    )
    new_system = models.CharField("new clinical system", max_length=100)
    new_supplier = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": Organisation.Kind.SUPPLIER},
        verbose_name="new supplier",
    )
    fdp_date = models.DateField("final data production (FDP) date")
    go_live_date = models.DateField("go-live date")
    legacy_support_days = models.PositiveSmallIntegerField(
        "legacy support (days after go-live)",
        default=default_legacy_support_days,
        validators=[MinValueValidator(1), MaxValueValidator(366)],
        help_text="How long the old system stays supported and readable after go-live. The NHS guidance says 90.",
    )
    planning_meeting_date = models.DateField(
        "planning meeting held on", null=True, blank=True, help_text="Fill in once the meeting has taken place."
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    history = HistoricalRecords()
    objects = MigrationQuerySet.as_manager()

    class Meta:
        ordering = ["fdp_date", "practice__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["practice"],
                condition=models.Q(status="active"),
                name="one_active_migration_per_practice",
                violation_error_message="This practice already has an active migration.",
            ),
            models.CheckConstraint(
                condition=models.Q(go_live_date__gt=models.F("fdp_date")),
                name="go_live_after_fdp",
                violation_error_message="Go-live must be after the FDP date.",
            ),
        ]

    def __str__(self):
        return f"{self.practice.name}: {self.current_system} to {self.new_system}"

    def get_absolute_url(self):
        return reverse("migration-detail", args=[self.pk])

    @property
    def cutover_days(self) -> int:
        return (self.go_live_date - self.fdp_date).days

    @property
    def legacy_support_end(self) -> datetime.date:
        return timeline.legacy_support_end(self.go_live_date, self.legacy_support_days)

    @property
    def planning_meeting_due(self) -> datetime.date:
        return timeline.planning_meeting_due(self.fdp_date)

    def key_dates(self, today: datetime.date | None = None) -> list[timeline.KeyDate]:
        return timeline.key_dates(
            fdp=self.fdp_date,
            go_live=self.go_live_date,
            legacy_support_days=self.legacy_support_days,
            planning_meeting_held=self.planning_meeting_date,
            today=today,
        )

    def stage(self, today: datetime.date | None = None) -> str:
        today = today or timeline.local_today()
        if self.status != self.Status.ACTIVE:
            return "closed"
        if today < self.planning_meeting_due and self.planning_meeting_date is None:
            return "planning"
        if today < self.fdp_date:
            return "preparation"
        if today < self.go_live_date:
            return "cutover"
        return "after go-live"


class ReminderLog(models.Model):
    """One reminder email to one person: the row is written before the email is sent.

    Its unique key (migration, kind, recipient, due date) is what makes a reminder go
    once: the sweep inserts rows ignoring conflicts, so running it twice adds nothing,
    and a worker claims a row (pending to sending) before it sends. See reminders.py.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to send"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Not sent"

    # Empty for reminders about no single migration (a person's daily task digest).
    migration = models.ForeignKey(Migration, on_delete=models.CASCADE, related_name="reminders", null=True, blank=True)
    kind = models.CharField(max_length=48)
    # The address is the identity: outside contacts (supplier staff) have no user account.
    recipient_email = models.EmailField(max_length=254)
    recipient_name = models.CharField(max_length=200, blank=True)
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, related_name="+", null=True, blank=True
    )
    due_date = models.DateField(help_text="The day the reminder is for (London time).")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # Why it failed or was not sent. An exception's class name or our own words, never a
    # message that could quote email content.
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["due_date", "kind", "recipient_email"]
        constraints = [
            # Two partial constraints rather than one with nulls_distinct=False: SQLite has no
            # NULLS NOT DISTINCT, and Django would silently skip the constraint there.
            models.UniqueConstraint(
                fields=["migration", "kind", "recipient_email", "due_date"],
                condition=models.Q(migration__isnull=False),
                name="reminder_once_per_migration_kind_recipient_day",
            ),
            models.UniqueConstraint(
                fields=["kind", "recipient_email", "due_date"],
                condition=models.Q(migration__isnull=True),
                name="reminder_once_per_kind_recipient_day_without_migration",
            ),
            models.CheckConstraint(
                condition=models.Q(recipient_email=Lower("recipient_email")),
                name="reminder_recipient_email_lower_case",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="sent") | models.Q(sent_at__isnull=False),
                name="reminder_sent_has_sent_at",
            ),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="reminder_status_next_idx")]

    def __str__(self):
        return f"{self.kind} to {self.recipient_email} on {self.due_date:%Y-%m-%d} ({self.status})"


class ReminderOptOut(models.Model):
    """An address that asked for no more optional emails (digests).

    Deadline reminders ignore it: they are the safety net of the cutover. Only kinds marked
    unsubscribable in reminders.KINDS look here, and only those emails carry an unsubscribe link.
    """

    email = models.EmailField(max_length=254, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(email=Lower("email")), name="reminder_opt_out_email_lower_case"),
        ]

    def __str__(self):
        return self.email
