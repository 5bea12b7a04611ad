"""Calendar feeds: a person's, a migration's and an ICB's or delivery partner's key dates as
iCalendar (RFC 5545), for Outlook, Google and Apple calendars to subscribe to.

``events`` turns key dates (from ``cutover.timeline``, never worked out again here) and open tasks
into ``Event`` items; ``ical`` writes them with the ``icalendar`` library and gives each event a
SEQUENCE that rises when its dates move (``EventSequence``); ``feeds`` owns the secret feed
links (``FeedToken``: only a hash is stored) and checks on every fetch that the person may still
see what the feed shows.
"""
