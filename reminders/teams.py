"""Microsoft Teams channels: keeping a webhook URL secret, checking it, and posting an Adaptive Card.

Teams retired its Office 365 connectors; a channel now takes messages through a Teams Workflows
webhook, which accepts a POSTed message whose attachment is an Adaptive Card and answers 202.

The URL is the only key to the channel, so it is encrypted at rest with Fernet (``cryptography``)
under ``TEAMS_WEBHOOK_KEY`` and shown masked. It must be https and on one of
``TEAMS_WEBHOOK_HOSTS``, checked when it is saved and again before every post; redirects are not
followed. Which messages go there, and when, is in ``teams_rules.py``.
"""

import base64
import hashlib
import json
import ssl
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.urls import reverse

from cutover.formatting import weekday_day_text
from practices.models import Organisation, Practice

from .models import TeamsChannel

MAX_URL_LENGTH = 2000


class TeamsDeliveryError(Exception):
    """A message the channel did not take; the text says why in words fit for a person."""


def _fernet() -> Fernet:
    key = settings.TEAMS_WEBHOOK_KEY
    if not key:
        # Development only: check --deploy refuses a missing key (reminders/checks.py).
        key = base64.urlsafe_b64encode(hashlib.sha256(f"teams:{settings.SECRET_KEY}".encode()).digest())
    return Fernet(key)


def webhook_encrypt(url: str) -> str:
    return _fernet().encrypt(url.encode()).decode()


def webhook_decrypt(channel: TeamsChannel) -> str:
    try:
        return _fernet().decrypt(channel.webhook_url_encrypted.encode()).decode()
    except InvalidToken:
        raise TeamsDeliveryError("the webhook could not be read: the encryption key has changed") from None


def webhook_mask(url: str) -> str:
    """Enough to recognise a webhook, not enough to use it: the host and the last four characters."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}/…{url[-4:]}"


def webhook_url_error(url: str) -> str:
    """Why ``url`` cannot be a Teams webhook, or "" if it can."""
    if len(url) > MAX_URL_LENGTH:
        return f"A webhook address is at most {MAX_URL_LENGTH} characters."
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        return "Enter the whole webhook address, starting https://."
    parts = urlsplit(url)
    if parts.scheme != "https":
        return "The webhook address must start https:// so the messages are encrypted on the way."
    host = (parts.hostname or "").lower()
    allowed = [suffix.lower().lstrip(".") for suffix in settings.TEAMS_WEBHOOK_HOSTS]
    if not any(host == suffix or host.endswith(f".{suffix}") for suffix in allowed):
        return (
            f"This is not a Teams Workflows webhook address (those are on {', '.join(allowed)}). In Teams, "
            'use the workflow "Post to a channel when a webhook request is received" and copy its address.'
        )
    return ""


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        raise TeamsDeliveryError(f"the webhook answered with a redirect ({code}) instead of taking the message")


def teams_post(*, url: str, card: dict) -> None:
    """Post one Adaptive Card to a webhook; raise TeamsDeliveryError unless it answers 2xx."""
    problem = webhook_url_error(url)
    if problem:
        raise TeamsDeliveryError("the webhook address is not allowed")
    attachment = {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None, "content": card}
    payload = {"type": "message", "attachments": [attachment]}
    context = ssl.create_default_context(cafile=settings.TEAMS_CA_FILE or None)
    opener = urllib.request.build_opener(_NoRedirects, urllib.request.HTTPSHandler(context=context))
    request = urllib.request.Request(  # noqa: S310 (https only, on an allowed host: webhook_url_error)
        url, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    too_slow = f"the webhook did not answer within {settings.TEAMS_TIMEOUT_SECONDS} seconds"
    try:
        with opener.open(request, timeout=settings.TEAMS_TIMEOUT_SECONDS) as response:
            response.read(1024)
    except urllib.error.HTTPError as exc:
        raise TeamsDeliveryError(f"the webhook answered HTTP {exc.code}") from None
    except TimeoutError:
        raise TeamsDeliveryError(too_slow) from None
    except (urllib.error.URLError, OSError) as exc:
        if isinstance(getattr(exc, "reason", exc), TimeoutError):
            raise TeamsDeliveryError(too_slow) from None
        raise TeamsDeliveryError("the webhook could not be reached") from None


def adaptive_card(*, title: str, facts: list[tuple[str, str]], text: str, link: str, link_title: str) -> dict:
    """An Adaptive Card (schema 1.4, what Teams renders): a title, facts, what to do and a button."""
    card = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": [
            {"type": "TextBlock", "text": title, "weight": "Bolder", "size": "Medium", "wrap": True},
            {"type": "FactSet", "facts": [{"title": name, "value": value} for name, value in facts]},
            {"type": "TextBlock", "text": text, "wrap": True},
        ],
    }
    if link:
        card["actions"] = [{"type": "Action.OpenUrl", "title": link_title, "url": link}]
    return card


def migration_card(migration, *, title: str, text: str, page: str = "migration-detail") -> dict:
    """A card about one migration: the practice's name before `title`, the same four facts on every
    message, and a button to `page`. Dates, names and systems only: never anything about a patient."""
    practice = migration.practice
    return adaptive_card(
        title=f"{practice.name}: {title}",
        facts=[
            ("Practice", f"{practice.name} ({practice.ods_code})"),
            ("Moving", f"{migration.current_system} to {migration.new_system}"),
            ("FDP", weekday_day_text(migration.fdp_date)),
            ("Go-live", weekday_day_text(migration.go_live_date)),
        ],
        text=text,
        link=settings.SITE_URL + reverse(page, args=[migration.pk]),
        link_title="Open in Cutover Coordinator",
    )


def test_card(*, owner: str) -> dict:
    return adaptive_card(
        title="Cutover Coordinator is connected",
        facts=[("Channel of", owner)],
        text="This is a test message. Cutover messages for the events you chose will appear here.",
        link=settings.SITE_URL,
        link_title="Open Cutover Coordinator",
    )


EVENT_FIELDS = ("escalations", "switch_off", "fdp_day", "go_live", "turned_red", "sign_off")


def teams_channel_save(
    *,
    channel: TeamsChannel | None,
    practice: Practice | None = None,
    organisation: Organisation | None = None,
    url: str | None,
    events: dict[str, bool],
) -> TeamsChannel:
    """Create or change a channel. A new URL (or a new channel) must first take a test message, so
    an address that does not work is never saved; the caller shows TeamsDeliveryError beside the field.
    The person is recorded by django-simple-history's request middleware."""
    if channel is None and not url:
        raise TeamsDeliveryError("enter the webhook address")
    if url:
        owner = practice.name if practice else organisation.name if organisation else channel.owner_name
        teams_post(url=url, card=test_card(owner=owner))
    channel = channel or TeamsChannel(practice=practice, organisation=organisation)
    if url:
        channel.webhook_url_encrypted = webhook_encrypt(url)
        channel.webhook_url_masked = webhook_mask(url)
    for name in EVENT_FIELDS:
        setattr(channel, name, bool(events.get(name)))
    channel.save()
    return channel


def teams_channel_disconnect(*, channel: TeamsChannel) -> None:
    """Forget the webhook and every event; messages not yet sent are cancelled by the sender."""
    channel.webhook_url_encrypted = channel.webhook_url_masked = ""
    for name in EVENT_FIELDS:
        setattr(channel, name, False)
    channel.save()
