"""Secret feed links: make, revoke, find; and what a feed or a download holds.

A link works only while its token is not revoked, its owner's account is active and the owner may
still see what it shows: someone who leaves a practice or an ICB loses the feed with the pages.
"""

import datetime
import hashlib
import secrets

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from cutover.models import Migration
from practices.models import Organisation, OrganisationMembership

from .events import migration_events, organisation_events, person_events
from .ical import calendar_build
from .models import FeedToken

# How often a feed's "last used" is written: calendar apps fetch every few minutes to hours.
LAST_USED_EVERY = datetime.timedelta(hours=1)


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def feed_organisations(user) -> QuerySet[Organisation]:
    """The ICBs and delivery partners whose calendar this person may subscribe to."""
    if not user.is_authenticated or not user.is_active:
        return Organisation.objects.none()
    return Organisation.objects.filter(
        pk__in=OrganisationMembership.objects.filter(user=user).values("organisation_id"),
        kind__in=[Organisation.Kind.ICB, Organisation.Kind.DELIVERY_PARTNER],
    )


def feed_token_create(
    *, user, kind: str, migration: Migration | None = None, organisation: Organisation | None = None
) -> tuple[FeedToken, str]:
    """A new secret link, revoking the person's live link to the same feed (regenerating).

    Returns the token and its raw value, which is never stored: the caller shows it once.
    The caller has checked the person may see the migration or organisation.
    """
    raw = secrets.token_urlsafe(32)
    with transaction.atomic():
        for old in feed_live(user=user).filter(kind=kind, migration=migration, organisation=organisation):
            feed_token_revoke(token=old)
        token = FeedToken.objects.create(
            user=user, kind=kind, migration=migration, organisation=organisation, token_hash=token_hash(raw)
        )
    return token, raw


def feed_token_revoke(*, token: FeedToken) -> None:
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])  # through save(), so the history says who and when


def feed_live(*, user) -> QuerySet[FeedToken]:
    return FeedToken.objects.filter(user=user, revoked_at__isnull=True)


def feed_url(raw: str) -> str:
    return settings.SITE_URL + reverse("calendar-feed", args=[raw])


def feed_find(*, raw: str, now: datetime.datetime | None = None) -> FeedToken | None:
    """The live token for a raw value whose owner may still see its feed, or None."""
    token = (
        FeedToken.objects.select_related("user", "migration__practice", "organisation")
        .filter(token_hash=token_hash(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    user = token.user
    if token.kind == FeedToken.Kind.MIGRATION:
        allowed = Migration.objects.visible_to(user).filter(pk=token.migration_id).exists()
    elif token.kind == FeedToken.Kind.ORGANISATION:
        allowed = feed_organisations(user).filter(pk=token.organisation_id).exists()
    else:
        allowed = True
    if not allowed:
        return None
    now = now or timezone.now()
    if token.last_used_at is None or token.last_used_at < now - LAST_USED_EVERY:
        # Audit: last_used_at is left out of the token's history; the fetch is not anyone's change.
        FeedToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def feed_calendar(*, token: FeedToken, today: datetime.date) -> bytes:
    if token.kind == FeedToken.Kind.MIGRATION:
        return migration_calendar(migration=token.migration, today=today)
    if token.kind == FeedToken.Kind.ORGANISATION:
        events = organisation_events(token.organisation, today=today)
        return calendar_build(name=f"Cutovers: {token.organisation.name}", events=events)
    events = person_events(token.user, today=today)
    return calendar_build(name="Cutover Coordinator: your dates", events=events)


def migration_calendar(*, migration: Migration, today: datetime.date) -> bytes:
    name = f"Cutover: {migration.practice.name}"
    return calendar_build(name=name, events=migration_events(migration, today=today))
