"""The RAG rules: when a migration is red or amber, and why, in the database and in words.

The rules live in `RAG_RULES`. Each rule is one database condition (used to filter,
sort and count) and one sentence for a row (used to say why it is red or amber). The
"How is this worked out?" text on the page is generated from the same list, so what we
say and what we compute cannot drift apart.

A rule's condition reads the annotations `annotations.annotate_dashboard()` adds (by name,
as in `systems_on__gt=0`), and `annotate_dashboard()` stores each rule's result as a flag
(`rag_<key>`) that `rag_rank()` and `rag_status()` read.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Case, F, IntegerField, Q, Value, When

from cutover.models import Migration
from cutover.timeline import earliest_fdp_still_planning, switch_off_window
from systems.third_party import no_linked_systems_amber_from_fdp

from .wording import count_text, days_text, show_date

RED, AMBER, GREEN = "red", "amber", "green"
RAG_RANK = {RED: 0, AMBER: 1, GREEN: 2}
RAG_BY_RANK = {rank: colour for colour, rank in RAG_RANK.items()}
RAG_LABELS = {RED: "Red", AMBER: "Amber", GREEN: "Green"}


@dataclass(frozen=True)
class RagRule:
    key: str
    colour: str  # RED or AMBER
    explain: Callable[[], str]  # the rule in words, for "How is this worked out?"
    condition: Callable[[datetime.date], Q]  # when the rule fires, as a database condition
    reason: Callable[[Any, datetime.date], str]  # why this row is coloured, in words

    @property
    def flag(self) -> str:
        return f"rag_{self.key}"


def switch_off_started_fdp_limit(today: datetime.date) -> datetime.date:
    """The latest FDP whose switch-off window has started by `today`.

    The window starts a number of working days before FDP, so a later FDP never starts
    its window earlier: "the window has started" is exactly "FDP is on or before this
    date", which the database can compare. Counting forward a day at a time reuses
    switch_off_window() itself, bank holidays and all; it stops within a few days.
    """
    fdp = today
    while switch_off_window(fdp + datetime.timedelta(days=1))[0] <= today:
        fdp += datetime.timedelta(days=1)
    return fdp


def no_linked_systems_fdp_limit(today: datetime.date) -> datetime.date:
    """The latest FDP that is NO_LINKED_SYSTEMS_WORKING_DAYS working days away or closer by `today`.

    The same question as systems.third_party.no_linked_systems_amber_from() ("has the day come?"),
    turned round so the database can compare FDP with one date. It asks that rule itself for each
    day forward, so bank holidays are handled the same way in both; it stops within a few days.
    """
    fdp = today
    while no_linked_systems_amber_from_fdp(fdp + datetime.timedelta(days=1)) <= today:
        fdp += datetime.timedelta(days=1)
    return fdp


def _meeting_window() -> int:
    return settings.PLANNING_MEETING_DAYS_BEFORE_FDP


def _no_systems_words() -> str:
    days = settings.NO_LINKED_SYSTEMS_WORKING_DAYS
    return f"{days} working day{'s' if days != 1 else ''}"


def _window_words() -> str:
    first = settings.SWITCH_OFF_WORKING_DAYS_BEFORE_FDP[0]
    return f"{first} working day{'s' if first != 1 else ''}"


RAG_RULES: tuple[RagRule, ...] = (
    RagRule(
        key="planning_meeting_missing",
        colour=RED,
        explain=lambda: (
            "No planning meeting is recorded and its deadline has come (the last working day "
            f"{_meeting_window()} days or more before FDP; the meeting should be held at least "
            f"{_meeting_window() // 7} weeks before FDP). "
            "This stays red until a meeting date is recorded or the practice goes live."
        ),
        condition=lambda today: Q(
            status=Migration.Status.ACTIVE,
            planning_meeting_date__isnull=True,
            fdp_date__lt=earliest_fdp_still_planning(today),
            go_live_date__gt=today,
        ),
        reason=lambda row, today: (
            f"No planning meeting recorded; FDP {'was' if row.fdp_date < today else 'is'} "
            f"{days_text((row.fdp_date - today).days)} ({show_date(row.fdp_date)})."
        ),
    ),
    RagRule(
        key="systems_still_on",
        colour=RED,
        explain=lambda: (
            "A linked third-party system is not yet confirmed switched off (and not marked as not applicable) "
            f"once the switch-off window has started, {_window_words()} before FDP, until go-live. Anything it "
            "sends to the current system after FDP would be lost."
        ),
        condition=lambda today: Q(
            status=Migration.Status.ACTIVE,
            fdp_date__lte=switch_off_started_fdp_limit(today),
            go_live_date__gt=today,
            systems_on__gt=0,
        ),
        reason=lambda row, today: (
            f"{count_text(row.systems_on, 'linked system')} not confirmed switched off "
            f"({row.systems_off} of {row.systems_total} off); the switch-off window started "
            f"{show_date(switch_off_window(row.fdp_date)[0])}."
        ),
    ),
    RagRule(
        key="preparation_open_at_fdp",
        colour=RED,
        explain=lambda: (
            "A preparation task is still open during the cutover (from FDP until go-live): preparation should "
            "be finished before the final data is taken. Tasks marked as not applicable do not count. After "
            "go-live such a task still shows as overdue (amber) rather than keeping the row red for months."
        ),
        condition=lambda today: Q(
            status=Migration.Status.ACTIVE, fdp_date__lte=today, go_live_date__gt=today, preparation_left__gt=0
        ),
        reason=lambda row, today: (
            f"{count_text(row.preparation_left, 'preparation task')} still open; FDP "
            f"{'was' if row.fdp_date < today else 'is'} {days_text((row.fdp_date - today).days)} "
            f"({show_date(row.fdp_date)})."
        ),
    ),
    RagRule(
        key="reentry_not_falling",
        colour=RED,
        explain=lambda: (
            "From a week after go-live, items are still waiting to be re-entered and there are no fewer than a "
            "week earlier (counting what had been recorded, and not yet re-entered or voided, by the end of that "
            "day). A week after go-live this compares with go-live day, when most items from the cutover are "
            "already in the log, so a practice that has not started re-entering turns red."
        ),
        condition=lambda today: Q(
            status=Migration.Status.ACTIVE,
            go_live_date__lte=today - datetime.timedelta(days=7),
            reentry_backlog__gt=0,
            reentry_backlog__gte=F("reentry_backlog_week_ago"),
        ),
        reason=lambda row, today: (
            f"{count_text(row.reentry_backlog, 'item')} still to re-enter; a week ago "
            f"{'it was' if row.reentry_backlog_week_ago == 1 else 'there were'} {row.reentry_backlog_week_ago}."
        ),
    ),
    RagRule(
        key="tasks_overdue",
        colour=AMBER,
        explain=lambda: "A task of the plan is overdue: still open after its due date.",
        condition=lambda today: Q(status=Migration.Status.ACTIVE, overdue_tasks__gt=0),
        reason=lambda row, today: f"{count_text(row.overdue_tasks, 'task')} overdue.",
    ),
    RagRule(
        key="systems_switched_off_early",
        colour=AMBER,
        explain=lambda: (
            "A linked system was confirmed switched off before its switch-off window opened (the practice gave "
            "a reason, shown on its third-party systems page). Until FDP the practice still works on the current "
            "system, so what that link sends has to reach it another way."
        ),
        condition=lambda today: Q(status=Migration.Status.ACTIVE, fdp_date__gt=today, systems_off_early__gt=0),
        reason=lambda row, today: (
            f"{count_text(row.systems_off_early, 'linked system')} switched off early, before the switch-off "
            f"window opens on {show_date(switch_off_window(row.fdp_date)[0])}; see the reason on the practice's "
            "third-party systems page."
        ),
    ),
    RagRule(
        key="no_linked_systems",
        colour=AMBER,
        explain=lambda: (
            f"No linked systems are recorded for the practice and FDP is {_no_systems_words()} away or closer, "
            "until go-live. Almost every practice has some (prescribing, pathology), so this stays amber until "
            "the practice records them or its manager confirms, with a reason, that it has none."
        ),
        condition=lambda today: Q(
            status=Migration.Status.ACTIVE,
            fdp_date__lte=no_linked_systems_fdp_limit(today),
            go_live_date__gt=today,
            has_linked_systems=False,
            no_linked_systems_at__isnull=True,
        ),
        reason=lambda row, today: "No linked systems recorded.",
    ),
)


def rag_explanation() -> dict[str, list[str]]:
    """The rules in words, grouped by colour, for the page."""
    return {colour: [rule.explain() for rule in RAG_RULES if rule.colour == colour] for colour in (RED, AMBER)}


def rag_rank(rules: tuple[RagRule, ...] = RAG_RULES) -> Case:
    whens = []
    for colour in (RED, AMBER):
        fired = [Q(**{rule.flag: True}) for rule in rules if rule.colour == colour]
        if fired:
            any_fired = fired[0]
            for q in fired[1:]:
                any_fired |= q
            whens.append(When(any_fired, then=Value(RAG_RANK[colour])))
    return Case(*whens, default=Value(RAG_RANK[GREEN]), output_field=IntegerField())


def rag_filter(colour: str, today: datetime.date) -> Q:
    """The migrations of one colour, as the rules' own conditions rather than `rag_rank = n`.

    Both select the same rows (rag_rank is built from the same conditions), but PostgreSQL
    cannot estimate how many rows match a CASE and guesses almost none, then joins the
    practices and suppliers as if filtering left a handful of rows. Its estimates for the
    conditions themselves are close enough to keep the join plan sensible at 2,000 rows.
    """
    red = _any([rule.condition(today) for rule in RAG_RULES if rule.colour == RED])
    amber = _any([rule.condition(today) for rule in RAG_RULES if rule.colour == AMBER])
    if colour == RED:
        return red
    if colour == AMBER:
        return ~red & amber
    return ~red & ~amber


def _any(conditions: list[Q]) -> Q:
    combined = Q(pk__in=[])  # no rule of this colour: nothing matches
    for condition in conditions:
        combined |= condition
    return combined


def rag_status(row, today: datetime.date) -> tuple[str, list[str]]:
    """A row's colour and the reasons for it, read from the flags annotate_dashboard() set.

    The database computes each flag from the rule's condition, and `rag_rank` from the same
    flags, so the colour here always equals the colour the filters and tiles count.
    """
    fired = [rule for rule in RAG_RULES if getattr(row, rule.flag)]
    colours = {rule.colour for rule in fired}
    colour = RED if RED in colours else AMBER if AMBER in colours else GREEN
    # Red reasons first: they are what needs doing soonest.
    fired.sort(key=lambda rule: RAG_RANK[rule.colour])
    return colour, [rule.reason(row, today) for rule in fired]


def rag_red_reasons(row, today: datetime.date) -> list[str]:
    """Why a row is red, in the rules' own words (the amber reasons left out)."""
    return [rule.reason(row, today) for rule in RAG_RULES if rule.colour == RED and getattr(row, rule.flag)]
