"""Making, finding and revoking personal API tokens."""

import datetime
import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from accounts.policy import mfa_setup_needed

from .models import ApiToken

# Marks a Cutover Coordinator token in a config file or for a secret scanner; not itself a secret.
SECRET_PREFIX = "cc_"  # noqa: S105
SHOWN_PREFIX_LENGTH = len(SECRET_PREFIX) + 6
LAST_USED_PRECISION = datetime.timedelta(minutes=1)


class TokenRefused(Exception):
    """The token cannot be made; the message says why, for the page."""


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str  # shown once, never stored


def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def token_create(*, user, name: str, days: int | None = None) -> NewToken:
    """A new token for `user`, valid for `days` (API_TOKEN_DAYS by default).

    Someone who must use two-factor authentication must have set it up first: a token is a way in
    that skips the second factor, so it must not be a way round setting one up.
    """
    if mfa_setup_needed(user):
        raise TokenRefused("Set up two-factor authentication before you create an API token.")
    days = settings.API_TOKEN_DAYS if days is None else days
    if not 1 <= days <= settings.API_TOKEN_MAX_DAYS:
        raise TokenRefused(f"A token lasts between 1 and {settings.API_TOKEN_MAX_DAYS} days.")
    name = name.strip()
    if not name:
        raise TokenRefused("Give the token a name, so you know later what it is for.")
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    now = timezone.now()
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=secret[:SHOWN_PREFIX_LENGTH],
        digest=token_digest(secret),
        created_at=now,
        expires_at=now + datetime.timedelta(days=days),
    )
    return NewToken(token=token, secret=secret)


def token_revoke(*, token: ApiToken) -> bool:
    """Revoke the token now; False if it was already revoked (the first revocation's time is kept)."""
    # Audit: the row is its own record (revoked_at); a conditional UPDATE keeps the first time.
    return bool(ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now()))


def token_find(secret: str) -> ApiToken | None:
    """The token with this secret, whatever its state (the caller says why it is refused)."""
    if not secret.startswith(SECRET_PREFIX):
        return None
    return ApiToken.objects.select_related("user").filter(digest=token_digest(secret)).first()


def token_touch(*, token: ApiToken, now: datetime.datetime) -> None:
    """Record that the token was used, at most once a minute so a busy tracker is not a write per request."""
    # Audit: last_used_at is bookkeeping shown to the owner, not a change anyone makes.
    ApiToken.objects.filter(pk=token.pk).exclude(last_used_at__gt=now - LAST_USED_PRECISION).update(last_used_at=now)


def tokens_of(user):
    return ApiToken.objects.filter(user=user)
