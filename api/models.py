"""Personal API tokens, and the record kept of every write made through the API."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class ApiTokenQuerySet(models.QuerySet):
    def usable(self, now=None) -> "ApiTokenQuerySet":
        """Tokens that still let their owner in: not revoked and not past their expiry."""
        return self.filter(revoked_at__isnull=True, expires_at__gt=now or timezone.now())


class ApiToken(models.Model):
    """A named token a person made for a tracker or report. Only a hash of the secret is kept:
    the secret is shown once, when it is made, and cannot be shown again."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="What the token is for, such as 'ICB Power BI report'.")
    # The first characters of the secret, so its owner can tell tokens apart; not enough to use it.
    prefix = models.CharField(max_length=16)
    # SHA-256 of the whole secret. The secret is 256 random bits, so a fast hash cannot be reversed
    # by guessing, and a lookup by hash costs one indexed query per request.
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")), name="api_token_expires_after_made"
            ),
            models.CheckConstraint(condition=~models.Q(name=""), name="api_token_has_a_name"),
        ]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    def is_usable(self, now=None) -> bool:
        return self.revoked_at is None and self.expires_at > (now or timezone.now())

    @property
    def state(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        return "active" if self.is_usable() else "expired"


class ApiWrite(models.Model):
    """One write request to the API, refused or not: who, with which token, what and the answer.

    The change itself is recorded in the changed object's history (django-simple-history names the
    person); this row adds that it came through the API, and keeps the refusals too.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True)
    token = models.ForeignKey(ApiToken, on_delete=models.SET_NULL, related_name="writes", null=True, blank=True)
    at = models.DateTimeField(default=timezone.now)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=300)
    status_code = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.method} {self.path} → {self.status_code}"
