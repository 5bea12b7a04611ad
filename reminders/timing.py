"""When a reminder is due (all in Europe/London)
---------------------------------------------
- Nothing goes before ``REMINDER_SEND_TIME`` (07:30) on any day. From then on, the day's reminders go.
- ``ON_DAY`` kinds (FDP day, go-live day, the planning meeting deadline, the day legacy support
  ends) go on their own day, working day or not, and only on that day: a missed one is skipped,
  because its moment has passed.
- ``AHEAD`` kinds (lead times: "6 weeks before FDP") go on working days only. A lead time that lands
  on a weekend or bank holiday is sent on the working day before it, so the warning comes early
  rather than late. Catch-up: if a run was missed, a lead-time reminder is sent late on the next
  working day provided the date it warns about is still after today; otherwise it is skipped.
  Only the latest reminder of a series is caught up (after a week down, the 5-week reminder goes,
  not the 6-week one as well).
- ``OVERDUE`` kinds (the escalation after a missed planning meeting deadline) go on the first
  working day on or after their day, and are caught up late until their ``until`` date (FDP eve):
  an overdue problem is still worth raising.
"""

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.utils import timezone

from cutover.workdays import add_working_days, is_working_day

from .kinds import Due, Timing


def ahead_of(day: datetime.date, days: int) -> datetime.date:
    """The working day a lead time of ``days`` before ``day`` is sent: on it, or the working day before."""
    return add_working_days(day - datetime.timedelta(days=days), 0)


def due_now(dues: Iterable[Due], today: datetime.date) -> list[Due]:
    """Keep the reminders that should go today (see the module docstring for the rules)."""
    dues = [due for due in dues if due.due_date <= today and due.recipients]
    latest: dict[tuple, datetime.date] = {}
    for due in dues:
        latest[due.series] = max(latest.get(due.series, due.due_date), due.due_date)
    working_day = is_working_day(today)
    kept = []
    for due in dues:
        timing = due.spec.timing
        if timing is Timing.ON_DAY:
            keep = due.due_date == today
        elif not working_day or due.due_date != latest[due.series]:
            keep = False
        elif timing is Timing.AHEAD:
            keep = due.about > today
        else:
            keep = due.until is None or today <= due.until
        if keep:
            kept.append(due)
    return kept


def send_time_reached(now: datetime.datetime) -> bool:
    return timezone.localtime(now).time() >= settings.REMINDER_SEND_TIME
