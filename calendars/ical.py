"""Events to iCalendar text, with the ``icalendar`` library, and each event's SEQUENCE."""

import datetime

from django.db.models import F
from django.utils import timezone
from icalendar import Calendar
from icalendar import Event as IcalEvent

from .events import Event
from .models import EventSequence

PRODID = "-//Cutover Coordinator//Calendar feeds//EN"


def sequences(events: list[Event]) -> dict[str, int]:
    """The SEQUENCE of each event, raised by one for every event whose dates moved since a feed
    last showed it.

    The raise is a conditional UPDATE on the dates last seen, so two feeds fetched at once raise
    it once, not twice. A new event starts at 0.
    """
    wanted = {event.uid: event.dates for event in events}
    if not wanted:
        return {}
    stored = {
        uid: (dates, sequence)
        for uid, dates, sequence in EventSequence.objects.filter(uid__in=wanted).values_list("uid", "dates", "sequence")
    }
    missing = [EventSequence(uid=uid, dates=dates) for uid, dates in wanted.items() if uid not in stored]
    moved = [uid for uid, (dates, _sequence) in stored.items() if wanted[uid] != dates]
    if not missing and not moved:
        return {uid: sequence for uid, (_dates, sequence) in stored.items()}
    # Audit: EventSequence is the system's own bookkeeping (audit/coverage.py), never a person's change.
    EventSequence.objects.bulk_create(missing, ignore_conflicts=True)
    for uid in moved:
        # Audit: as above; the conditional UPDATE raises the number once however many feeds race.
        EventSequence.objects.filter(uid=uid, dates=stored[uid][0]).update(
            sequence=F("sequence") + 1, dates=wanted[uid]
        )
    return dict(EventSequence.objects.filter(uid__in=wanted).values_list("uid", "sequence"))


def calendar_build(*, name: str, events: list[Event], now: datetime.datetime | None = None) -> bytes:
    """One VCALENDAR with an all-day VEVENT per event."""
    now = now or timezone.now()
    numbers = sequences(events)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    # Names and refresh hints that Apple, Google and Outlook read.
    calendar.add("x-wr-calname", name)
    calendar.add("name", name)
    calendar.add("refresh-interval", datetime.timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    for event in events:
        item = IcalEvent()
        item.add("uid", event.uid)
        item.add("dtstamp", now)
        item.add("sequence", numbers.get(event.uid, 0))
        item.add("summary", event.summary)
        item.add("description", event.description)
        item.add("url", event.url)
        # A date (not a date-time) makes an all-day event; DTEND is the day after the last day.
        item.add("dtstart", event.start)
        item.add("dtend", event.last_day + datetime.timedelta(days=1))
        item.add("transp", "TRANSPARENT")  # a key date does not make anyone busy
        item.add("status", "CANCELLED" if event.cancelled else "CONFIRMED")
        calendar.add_component(item)
    return calendar.to_ical()
