"""Each person's choices: email, Teams or both for the kinds a Teams channel can carry, and the time
of their daily task summary. Without a choice, everything is as before: email, at the send time.

"Teams only" takes a person off the email of that kind only while a connected channel of their own
practice (for practice members) or organisation (ICB, delivery partner) takes that event for the
migration; otherwise the email goes as before, so a choice can never leave a reminder unread.
"""

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction

from .kinds import KINDS, TASK_DIGEST, Due
from .models import ReminderPreference, TeamsChannel
from .recipients import Recipient
from .teams_rules import EVENT_OF_KIND

Via = ReminderPreference.Via
PRACTICE_ROLES = {"practice_manager", "practice_staff", "it_lead"}
# The digest can go at the send time or on any half hour after it until the afternoon.
LAST_DIGEST_TIME = datetime.time(17, 0)

Preferences = dict[int, dict[str, ReminderPreference]]


def preferences_load(user_ids: Iterable[int]) -> Preferences:
    """{user id: {kind: preference}} in one query."""
    found: Preferences = {}
    ids = {pk for pk in user_ids if pk}
    if not ids:
        return found
    # A full sweep asks for tens of thousands of people, and an IN list that long costs more than
    # reading the table, which holds only the choices people made.
    preferences = ReminderPreference.objects.all()
    if len(ids) <= 1_000:
        preferences = preferences.filter(user_id__in=ids)
    for preference in preferences:
        if preference.user_id in ids:
            found.setdefault(preference.user_id, {})[preference.kind] = preference
    return found


def _channel_reaches(channel: TeamsChannel, person: Recipient, due: Due) -> bool:
    practice = due.migration.practice
    if person.role in PRACTICE_ROLES:
        return channel.practice_id == practice.pk
    if person.role == "icb":
        return channel.organisation_id == practice.icb_id
    if person.role == "delivery_partner":
        return channel.organisation_id == practice.delivery_partner_id
    return False


def teams_instead(
    *, due: Due, person: Recipient, preferences: Preferences, channels: dict[int, list[TeamsChannel]]
) -> bool:
    """True when this person chose Teams only for this kind and their own channel takes it."""
    if due.migration is None or due.kind not in EVENT_OF_KIND or not person.user_id:
        return False
    preference = preferences.get(person.user_id, {}).get(due.kind)
    if preference is None or preference.via != Via.TEAMS:
        return False
    event = EVENT_OF_KIND[due.kind]
    return any(
        getattr(channel, event) and _channel_reaches(channel, person, due)
        for channel in channels.get(due.migration.pk, [])
    )


def digest_time(person: Recipient, preferences: Preferences) -> datetime.time:
    preference = preferences.get(person.user_id, {}).get(TASK_DIGEST) if person.user_id else None
    return (preference and preference.digest_time) or settings.REMINDER_SEND_TIME


def digest_times() -> list[datetime.time]:
    """The times a person may choose: the send time, then every half hour until the afternoon."""
    start = datetime.datetime.combine(datetime.date.min, settings.REMINDER_SEND_TIME)
    times = []
    while start.time() <= LAST_DIGEST_TIME:
        times.append(start.time())
        start += datetime.timedelta(minutes=30)
    return times


TEAMS_KINDS = list(EVENT_OF_KIND)


def preferences_save(*, user, vias: dict[str, str], digest_at: datetime.time | None) -> None:
    """Store a person's choices. Email, the default, is stored as no row, so a later change of
    default reaches everyone who never chose."""
    with transaction.atomic():
        for kind in TEAMS_KINDS:
            via = vias.get(kind, Via.EMAIL)
            existing = ReminderPreference.objects.filter(user=user, kind=kind).first()
            if via == Via.EMAIL:
                if existing:
                    existing.delete()  # through the model, so the history says who
            elif existing is None:
                ReminderPreference.objects.create(user=user, kind=kind, via=via)
            elif existing.via != via:
                existing.via = via
                existing.save()
        digest = ReminderPreference.objects.filter(user=user, kind=TASK_DIGEST).first()
        if digest_at is None or digest_at == settings.REMINDER_SEND_TIME:
            if digest:
                digest.delete()
        elif digest is None:
            ReminderPreference.objects.create(user=user, kind=TASK_DIGEST, digest_time=digest_at)
        elif digest.digest_time != digest_at:
            digest.digest_time = digest_at
            digest.save()


def kind_label(kind: str) -> str:
    return KINDS[kind].label
