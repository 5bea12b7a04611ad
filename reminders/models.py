"""The reminder log and the opt-outs. Both began in the cutover app and keep its table names
(``cutover_reminderlog``, ``cutover_reminderoptout``): moving them here changed no table."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from simple_history.models import HistoricalRecords

from cutover.models import Migration
from practices.models import Organisation, Practice


class TeamsChannel(models.Model):
    """A Microsoft Teams channel of a practice, an ICB or a delivery partner, reached through a Teams
    Workflows webhook ("Post to a channel when a webhook request is received").

    The webhook URL is a secret (anyone holding it can post to the channel), so it is stored
    encrypted (reminders/teams.py) and shown masked; the history keeps only the masked form.
    Each event flag chooses one kind of message; see teams_rules.EVENT_OF_KIND. Disconnecting
    empties the URL and keeps the row, so the log of messages sent to the channel stays.
    """

    practice = models.OneToOneField(
        Practice, on_delete=models.CASCADE, related_name="teams_channel", null=True, blank=True
    )
    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="teams_channel", null=True, blank=True
    )
    webhook_url_encrypted = models.TextField(blank=True)
    webhook_url_masked = models.CharField("webhook", max_length=200, blank=True)
    escalations = models.BooleanField("no planning meeting by its deadline", default=True)
    switch_off = models.BooleanField("the switch-off window opens", default=True)
    fdp_day = models.BooleanField("FDP day", default=True)
    go_live = models.BooleanField("go-live day", default=True)
    # Off until chosen: channels connected before this event existed never asked for it.
    turned_red = models.BooleanField("a migration turns red", default=False)
    sign_off = models.BooleanField("a sign-off is recorded", default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["webhook_url_encrypted", "updated_at"])

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(practice__isnull=False, organisation__isnull=True)
                | models.Q(practice__isnull=True, organisation__isnull=False),
                name="teams_channel_of_a_practice_or_an_organisation",
            ),
            models.CheckConstraint(
                condition=models.Q(webhook_url_encrypted="", webhook_url_masked="")
                | (~models.Q(webhook_url_encrypted="") & ~models.Q(webhook_url_masked="")),
                name="teams_channel_url_and_its_mask_together",
            ),
        ]

    def __str__(self):
        return f"Teams channel of {self.owner_name}"

    @property
    def is_connected(self) -> bool:
        return bool(self.webhook_url_encrypted)

    @property
    def owner_name(self) -> str:
        return self.practice.name if self.practice_id else self.organisation.name


class ReminderLog(models.Model):
    """One reminder email to one person: the row is written before the email is sent.

    Its unique key (migration, kind, recipient, due date) is what makes a reminder go
    once: the sweep inserts rows ignoring conflicts, so running it twice adds nothing,
    and a worker claims a row (pending to sending) before it sends. See reminders/sweep.py
    and reminders/send.py.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to send"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Not sent"

    # Empty for reminders about no single migration (a person's daily task digest).
    migration = models.ForeignKey(Migration, on_delete=models.CASCADE, related_name="reminders", null=True, blank=True)
    # Set for a message to a Teams channel instead of an email: the recipient fields are then empty
    # but for the channel's name, and the key is (migration, kind, channel, due date).
    channel = models.ForeignKey(TeamsChannel, on_delete=models.PROTECT, related_name="messages", null=True, blank=True)
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
    # What a message says that the rules cannot work out again when it is sent: why a migration
    # turned red (the dashboard's RAG reasons, which count tasks and systems, never patients).
    text = models.TextField(blank=True)
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
                condition=models.Q(migration__isnull=False, channel__isnull=True),
                name="reminder_once_per_migration_kind_recipient_day",
            ),
            models.UniqueConstraint(
                fields=["kind", "recipient_email", "due_date"],
                condition=models.Q(migration__isnull=True, channel__isnull=True),
                name="reminder_once_per_kind_recipient_day_without_migration",
            ),
            models.UniqueConstraint(
                fields=["migration", "kind", "channel", "due_date"],
                condition=models.Q(channel__isnull=False),
                name="teams_message_once_per_migration_kind_channel_day",
            ),
            models.CheckConstraint(
                condition=models.Q(channel__isnull=True) & ~models.Q(recipient_email="")
                | models.Q(channel__isnull=False, migration__isnull=False, recipient_email=""),
                name="reminder_goes_to_an_address_or_a_channel",
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
        db_table = "cutover_reminderlog"  # made by the cutover app, where the model began

    def __str__(self):
        return f"{self.kind} to {self.recipient_email} on {self.due_date:%Y-%m-%d} ({self.status})"


class ReminderOptOut(models.Model):
    """An address that asked for no more optional emails (digests).

    Deadline reminders ignore it: they are the safety net of the cutover. Only kinds marked
    unsubscribable in reminders.kinds.KINDS look here, and only those emails carry an unsubscribe link.
    """

    email = models.EmailField(max_length=254, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(email=Lower("email")), name="reminder_opt_out_email_lower_case"),
        ]
        db_table = "cutover_reminderoptout"  # made by the cutover app, where the model began

    def __str__(self):
        return self.email


class ReminderPreference(models.Model):
    """How one person wants one kind of reminder; no row means email, as before.

    "Teams" means no email for that kind while a connected channel of the person's practice or
    organisation takes it for the migration (see preferences.py): a reminder is never dropped
    because nobody would read it. The daily task digest's row carries the time it goes instead.
    """

    class Via(models.TextChoices):
        EMAIL = "email", "Email"
        TEAMS = "teams", "Teams only"
        BOTH = "both", "Email and Teams"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminder_preferences")
    kind = models.CharField(max_length=48)
    via = models.CharField(max_length=8, choices=Via.choices, default=Via.EMAIL)
    digest_time = models.TimeField("daily summary at", null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="one_reminder_preference_per_user_and_kind"),
            models.CheckConstraint(condition=models.Q(via__in=["email", "teams", "both"]), name="reminder_via_known"),
            models.CheckConstraint(
                condition=models.Q(kind="task_digest", via="email") | models.Q(digest_time__isnull=True),
                name="only_the_digest_has_a_time_and_it_goes_by_email",
            ),
        ]

    def __str__(self):
        return f"{self.user}: {self.kind} by {self.via}"
