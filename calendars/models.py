"""Secret feed links and the SEQUENCE of each calendar event."""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from cutover.models import Migration
from practices.models import Organisation


class FeedToken(models.Model):
    """A secret link to one calendar feed, belonging to one person.

    Only the SHA-256 of the token is stored: the link is shown once, when it is made, and a
    database leak gives nobody a working link. The token is 256 random bits, so a plain hash
    (no salt, no slow hash) cannot be reversed by guessing. A feed answers only while the token is
    not revoked and its owner may still see what it shows (checked on every fetch, in feeds.py).
    """

    class Kind(models.TextChoices):
        PERSON = "person", "Your calendar"
        MIGRATION = "migration", "A migration's calendar"
        ORGANISATION = "organisation", "Your organisation's calendar"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    migration = models.ForeignKey(Migration, on_delete=models.CASCADE, related_name="+", null=True, blank=True)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+", null=True, blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    # Who made or revoked a link, and when; the hash and the last fetch are not worth a history row.
    history = HistoricalRecords(excluded_fields=["token_hash", "last_used_at"])

    class Meta:
        ordering = ["kind", "created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(kind="person", migration__isnull=True, organisation__isnull=True)
                    | models.Q(kind="migration", migration__isnull=False, organisation__isnull=True)
                    | models.Q(kind="organisation", migration__isnull=True, organisation__isnull=False)
                ),
                name="feed_token_target_matches_kind",
            ),
            # One live link per person and feed: making a new one (regenerating) revokes the old.
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(kind="person", revoked_at__isnull=True),
                name="one_live_person_feed_per_user",
            ),
            models.UniqueConstraint(
                fields=["user", "migration"],
                condition=models.Q(kind="migration", revoked_at__isnull=True),
                name="one_live_migration_feed_per_user",
            ),
            models.UniqueConstraint(
                fields=["user", "organisation"],
                condition=models.Q(kind="organisation", revoked_at__isnull=True),
                name="one_live_organisation_feed_per_user",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} for {self.user}"

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None

    @property
    def title(self) -> str:
        if self.kind == self.Kind.MIGRATION:
            return f"{self.migration.practice.name}: {self.migration.current_system} to {self.migration.new_system}"
        if self.kind == self.Kind.ORGANISATION:
            return str(self.organisation)
        return "Your calendar"


class EventSequence(models.Model):
    """The SEQUENCE of one calendar event (RFC 5545 3.8.7.4), by its UID.

    Calendar apps keep an event they already have unless its SEQUENCE is higher, so when a date
    moves the number must go up. It is kept here rather than worked out from the migration's
    history because task due dates are moved in bulk (no history rows), and because the same event
    appears in several feeds that must agree. ``dates`` is what the number was last given for; a
    feed that finds other dates raises the number once (see ical.sequences).
    """

    uid = models.CharField(max_length=255, unique=True)
    sequence = models.PositiveIntegerField(default=0)
    dates = models.CharField(max_length=64)
    changed_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.uid} #{self.sequence}"
