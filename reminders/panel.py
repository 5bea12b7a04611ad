"""The "Reminders" section of the migration page: sent, waiting, failed and coming up."""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings

from cutover.models import Migration

from .kinds import KINDS
from .models import ReminderLog
from .recipients import people_load
from .rules import Batch, schedule


@dataclass
class PanelLine:
    date: datetime.date
    kind: str
    status: str
    recipients: list[str] = field(default_factory=list)
    note: str = ""

    @property
    def label(self) -> str:
        spec = KINDS.get(self.kind)
        return spec.label if spec else self.kind.replace("_", " ").capitalize()


def _group(items: Iterable[tuple[datetime.date, str, str, str, str]]) -> list[PanelLine]:
    lines: dict[tuple, PanelLine] = {}
    for date, kind_name, status, who, note in items:
        line = lines.setdefault((date, kind_name, status), PanelLine(date, kind_name, status, note=note))
        if who and who not in line.recipients:
            line.recipients.append(who)
    return list(lines.values())


NOBODY_NOTE = "Nobody to send it to yet: invite the people it is for to the practice."


def reminders_panel(migration: Migration, *, today: datetime.date, coming_up: bool | None = True) -> dict:
    """The reminders of one migration: sent, coming up, failed. Two queries.

    A closed migration also lists the reminders its closing cancelled, so nobody waits for them.
    With coming_up=False, only what is logged (one query; ``upcoming`` is None): working out what
    is still to come costs more than the rest of the migration page, whose section is folded away
    and loads the whole list when opened (panel_views.migration_reminders). With None, the whole
    list only when a reminder failed (the section then opens by itself) or the migration is closed
    (nothing is to come, so it costs nothing).
    """
    rows = migration.reminders.order_by("due_date", "kind")
    if not migration.is_closed:
        rows = rows.exclude(status=ReminderLog.Status.CANCELLED)
    rows = list(rows)
    logged = {(row.kind, row.recipient_email, row.due_date) for row in rows}
    by_status = defaultdict(list)
    for row in rows:
        by_status[row.status].append(
            (row.due_date, row.kind, row.status, row.recipient_name or row.recipient_email, row.note)
        )
    if coming_up is None:
        coming_up = migration.is_closed or bool(by_status[ReminderLog.Status.FAILED])
    upcoming = [] if coming_up else None
    if coming_up and migration.status == Migration.Status.ACTIVE:
        migrations = Migration.objects.filter(pk=migration.pk)
        # Not asked here whether the data checking has its "go" (a query more on the migration page):
        # the sweep asks (rules.batch_load), so after a go the sign-off reminder is listed, never sent.
        batch = Batch(today=today, migrations=[migration], people=people_load(migrations))
        for due in sorted(schedule(batch), key=lambda due: (due.due_date, due.kind)):
            if due.due_date < today:
                continue
            if not due.recipients:
                # Worth seeing before the day: a reminder with nobody to go to is not sent at all.
                upcoming.append((due.due_date, due.kind, "nobody", "", NOBODY_NOTE))
            for person in due.recipients:
                if (due.kind, person.email, due.due_date) not in logged:
                    upcoming.append((due.due_date, due.kind, "upcoming", person.name or person.email, ""))
    waiting = _group(by_status[ReminderLog.Status.PENDING] + by_status[ReminderLog.Status.SENDING])
    upcoming = None if upcoming is None else _group(upcoming)
    return {
        "reminders": {
            "upcoming": upcoming,
            "waiting": waiting,
            # What the section lists under "Coming up": those being sent now, then those still to come.
            "coming": None if upcoming is None else waiting + upcoming,
            "sent": list(reversed(_group(by_status[ReminderLog.Status.SENT]))),
            "failed": _group(by_status[ReminderLog.Status.FAILED]),
            "cancelled": _group(by_status[ReminderLog.Status.CANCELLED]),
            "send_time": settings.REMINDER_SEND_TIME,
        }
    }
