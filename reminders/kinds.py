"""The kinds of reminder: each with its label, its timing and the page its email links to, and
``Due``, one reminder of a kind that a rule wants sent on a day to some people."""

import datetime
from dataclasses import dataclass, field
from enum import StrEnum

from django.conf import settings
from django.urls import reverse

from cutover.models import Migration

from .models import ReminderLog
from .recipients import Recipient


class Timing(StrEnum):
    AHEAD = "ahead"  # a lead time before a date
    ON_DAY = "on the day"  # on the date itself
    # After a deadline was missed, or a short window that is still worth telling late: goes on the
    # first working day on or after its day and is caught up until its ``until`` date.
    OVERDUE = "overdue"


@dataclass(frozen=True)
class KindSpec:
    kind: str
    label: str  # how the migration page names it
    timing: Timing
    # Optional emails (digests) only. Deadline reminders are the safety net: no way out of them.
    unsubscribable: bool = False
    page: str = "migration-detail"  # the URL name the email links to, with the migration's pk

    def link(self, reminder: ReminderLog) -> str:
        """The page the email points to, as an absolute address."""
        args = [reminder.migration_id] if reminder.migration_id else []
        return f"{settings.SITE_URL}{reverse(self.page, args=args)}"


KINDS: dict[str, KindSpec] = {}


def kind(name: str, label: str, timing: Timing, **options) -> str:
    KINDS[name] = KindSpec(name, label, timing, **options)
    return name


PLANNING_MEETING_AHEAD = kind("planning_meeting_ahead", "Book the planning meeting", Timing.AHEAD)
PLANNING_MEETING_DEADLINE = kind("planning_meeting_deadline", "Planning meeting deadline today", Timing.ON_DAY)
PLANNING_MEETING_OVERDUE = kind("planning_meeting_overdue", "No planning meeting recorded", Timing.OVERDUE)
THIRD_PARTY_AHEAD = kind(
    "third_party_switch_off_ahead", "Third parties: switch-off is a week away", Timing.AHEAD, page="systems"
)
THIRD_PARTY_WINDOW = kind(
    "third_party_switch_off_window", "Third parties: switch links off now", Timing.OVERDUE, page="systems"
)
NATIONAL_NOTICE = kind(
    "national_service_notice", "National services: give notice today", Timing.OVERDUE, page="systems"
)
FDP_DAY_TEAM = kind("fdp_day_team", "FDP day: log off and record everything", Timing.ON_DAY)
FDP_DAY_MANAGER = kind("fdp_day_manager", "FDP day: preparation must be finished", Timing.ON_DAY, page="plan")
GO_LIVE_DAY = kind("go_live_day", "Go-live day: switch back on and start re-entry", Timing.ON_DAY)
REENTRY_BACKLOG = kind("reentry_backlog", "Weekly re-entry backlog", Timing.OVERDUE, page="reentry-worklist")
LEGACY_SUPPORT_ENDING = kind("legacy_support_ending", "Legacy support ends soon", Timing.AHEAD)
LEGACY_SUPPORT_ENDS = kind("legacy_support_ends", "Legacy support ends today", Timing.ON_DAY)
# The lifecycle before the cutover (cutover/timeline.py LIFECYCLE_DATES), worked from FDP when not set.
ORDER_AHEAD = kind("order_ahead", "The system order is a week away", Timing.AHEAD)
KICKOFF_AHEAD = kind("kickoff_ahead", "The kick-off meeting is a week away", Timing.AHEAD)
IDP_AHEAD = kind("idp_ahead", "The first data extract (IDP) is a week away", Timing.AHEAD)
DATA_SIGNOFF_AHEAD = kind("data_signoff_ahead", "Data checking sign-off due in a week", Timing.AHEAD)
DATA_SIGNOFF_DUE = kind("data_signoff_due", "Data checking sign-off due today", Timing.ON_DAY)
LIFECYCLE_KINDS = (ORDER_AHEAD, KICKOFF_AHEAD, IDP_AHEAD, DATA_SIGNOFF_AHEAD, DATA_SIGNOFF_DUE)
TASK_DIGEST = kind("task_digest", "Daily task summary", Timing.ON_DAY, unsubscribable=True, page="migration-list")


@dataclass(frozen=True)
class Due:
    """One reminder a rule wants sent on ``due_date`` to ``recipients``."""

    kind: str
    due_date: datetime.date  # the day it goes (after shifting off non-working days)
    about: datetime.date  # the date it is about: FDP, a deadline, the end of legacy support
    recipients: tuple[Recipient, ...]
    migration: Migration | None = None
    until: datetime.date | None = None  # OVERDUE kinds: the last day it may still go late
    # What the email lists (tasks, systems, who else was told). Only the sender needs it, so the
    # sweep leaves it empty where it would cost a query.
    details: tuple = field(default=(), compare=False)

    @property
    def spec(self) -> KindSpec:
        return KINDS[self.kind]

    @property
    def series(self) -> tuple:
        return (self.migration.pk if self.migration else None, self.kind)
