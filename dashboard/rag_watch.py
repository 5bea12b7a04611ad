"""Watching the colours: a migration that turns red is announced to the Teams channels that chose it.

A beat entry (``dashboard-rag-watch`` in settings) runs ``rag_watch()`` every few minutes. It works
out every active migration's colour with the dashboard's own query (the same rules, the same
reasons), compares it with the colour it found last time (``RagSeen``) and hands the migrations
that turned red to the reminders app, which logs one Teams message per channel and day; the
reminder sweep sends them. The first look at a migration only records its colour, so a deploy or a
new migration does not flood the channels; red, then amber or green, then red again is announced
again (once a day at most: the day is part of the message's key). Closed migrations are not looked at.
"""

import datetime
import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from cutover.models import Migration
from reminders.teams_announced import teams_turned_red_log

from .annotations import annotate_dashboard
from .models import RagSeen
from .rag import RED, rag_red_reasons, rag_status

logger = logging.getLogger(__name__)


@dataclass
class RagWatchResult:
    looked_at: int = 0
    first_seen: int = 0
    changed: int = 0
    turned_red: list[int] = field(default_factory=list)  # migration ids
    messages: int = 0


def rag_watch(*, now: datetime.datetime | None = None) -> RagWatchResult:
    """Record today's colour of every active migration and announce those that turned red.

    A fixed number of queries, however many migrations: one for the colours, one for what was seen,
    up to four writes, and the reminders app's two. Safe to run twice at once: the colours are
    written in one transaction and each message is keyed by its day."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    result = RagWatchResult()
    rows = list(
        annotate_dashboard(Migration.objects.filter(status=Migration.Status.ACTIVE), today).select_related("practice")
    )
    result.looked_at = len(rows)
    with transaction.atomic():
        seen = dict(
            RagSeen.objects.filter(migration__status=Migration.Status.ACTIVE).values_list("migration_id", "colour")
        )
        first: list[RagSeen] = []
        changed: dict[str, list[int]] = {}
        turned: list[tuple[Migration, list[str]]] = []
        for row in rows:
            colour, _ = rag_status(row, today)
            before = seen.get(row.pk)
            if before is None:
                first.append(RagSeen(migration_id=row.pk, colour=colour, seen_at=now))
            elif before != colour:
                changed.setdefault(colour, []).append(row.pk)
                if colour == RED:
                    turned.append((row, rag_red_reasons(row, today)))
        RagSeen.objects.bulk_create(first, ignore_conflicts=True, batch_size=1000)
        for colour, ids in changed.items():
            RagSeen.objects.filter(migration_id__in=ids).update(colour=colour, seen_at=now)
        result.first_seen, result.changed = len(first), sum(len(ids) for ids in changed.values())
        result.turned_red = [migration.pk for migration, _ in turned]
        result.messages = teams_turned_red_log(turned=turned, today=today)
    if result.turned_red:
        logger.info("%d migrations turned red; %d Teams messages asked for", len(result.turned_red), result.messages)
    return result
