"""The key dates of a cutover, worked out from its FDP and go-live dates."""

import datetime
from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings
from django.utils import timezone

from .workdays import add_working_days


class When(StrEnum):
    PAST = "past"
    TODAY = "today"
    DUE_SOON = "due soon"
    LATER = "later"


@dataclass(frozen=True)
class KeyDate:
    key: str
    title: str
    start: datetime.date
    explanation: str
    today: datetime.date
    end: datetime.date | None = None  # set for periods (the switch-off window, the cutover)
    done_on: datetime.date | None = None  # for the planning meeting, once held
    warning: str = ""

    @property
    def last_day(self) -> datetime.date:
        return self.end or self.start

    def days_from(self, today: datetime.date) -> int:
        return (self.start - today).days

    def when(self, today: datetime.date) -> When:
        if self.last_day < today:
            return When.PAST
        if self.start <= today:
            return When.TODAY
        if (self.start - today).days <= settings.DUE_SOON_DAYS:
            return When.DUE_SOON
        return When.LATER

    @property
    def status(self) -> When:
        return self.when(self.today)

    @property
    def relative(self) -> str:
        """How far away it is, as a person would say it: "in 4 days", "yesterday", "day 2 of 7"."""
        days = self.days_from(self.today)
        if self.end and self.start <= self.today <= self.end:
            return f"under way: day {(self.today - self.start).days + 1} of {(self.end - self.start).days + 1}"
        if days == 0:
            return "today"
        if days == 1:
            return "tomorrow"
        if days == -1:
            return "yesterday"
        return f"in {days} days" if days > 0 else f"{-days} days ago"


def planning_meeting_due(fdp: datetime.date) -> datetime.date:
    return fdp - datetime.timedelta(days=settings.PLANNING_MEETING_DAYS_BEFORE_FDP)


def switch_off_window(fdp: datetime.date) -> tuple[datetime.date, datetime.date]:
    """Third parties switch links off 1 to 2 days before FDP, counted in working days.

    Counting working days moves the window back past weekends and bank holidays,
    so suppliers are never asked to act on a day nobody is at work.
    """
    first, last = settings.SWITCH_OFF_WORKING_DAYS_BEFORE_FDP
    return add_working_days(fdp, -first), add_working_days(fdp, -last)


def legacy_support_end(go_live: datetime.date, legacy_support_days: int) -> datetime.date:
    return go_live + datetime.timedelta(days=legacy_support_days)


def local_today() -> datetime.date:
    return timezone.localdate()


def key_dates(
    *,
    fdp: datetime.date,
    go_live: datetime.date,
    legacy_support_days: int,
    planning_meeting_held: datetime.date | None = None,
    today: datetime.date | None = None,
) -> list[KeyDate]:
    today = today or local_today()
    common = {"today": today}
    meeting_due = planning_meeting_due(fdp)
    meeting_warning = ""
    if planning_meeting_held is None and meeting_due < today:
        meeting_warning = (
            f"FDP is less than {settings.PLANNING_MEETING_DAYS_BEFORE_FDP // 7} weeks away and no planning "
            "meeting is recorded: the 4-week rule can no longer be met. Meet as soon as you can."
        )
    switch_first, switch_last = switch_off_window(fdp)
    cutover_days = (go_live - fdp).days
    return [
        KeyDate(
            **common,
            key="planning_meeting",
            title="Planning meeting with all key people",
            start=meeting_due,
            done_on=planning_meeting_held,
            warning=meeting_warning,
            explanation=(
                "Everyone involved agrees how the practice will work during cutover. "
                f"Hold it at least {settings.PLANNING_MEETING_DAYS_BEFORE_FDP} days before FDP."
            ),
        ),
        KeyDate(
            **common,
            key="switch_off",
            title="Third parties switch off links",
            start=switch_first,
            end=switch_last,
            explanation=(
                "Linked systems and services stop sending to the current system 1 to 2 working days before FDP, "
                "so nothing arrives that would not be migrated."
            ),
        ),
        KeyDate(
            **common,
            key="fdp",
            title="Final data production (FDP)",
            start=fdp,
            explanation="The current supplier extracts the final data. From today, record everything for re-entry.",
        ),
        KeyDate(
            **common,
            key="cutover",
            title=f"Cutover ({cutover_days} days)",
            start=fdp,
            end=go_live - datetime.timedelta(days=1),
            explanation="Nothing entered into the current system now is migrated: keep a record of it to re-enter.",
        ),
        KeyDate(
            **common,
            key="go_live",
            title="Go-live on the new system",
            start=go_live,
            explanation="Start re-entering what was recorded during cutover, and re-register new patients.",
        ),
        KeyDate(
            **common,
            key="legacy_support_end",
            title="Legacy system support ends",
            start=legacy_support_end(go_live, legacy_support_days),
            explanation=(
                f"The old system stays supported and readable for {legacy_support_days} days after go-live. "
                "Finish everything that needs it before then."
            ),
        ),
    ]
