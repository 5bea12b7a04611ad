"""The key dates of a cutover, worked out from its FDP and go-live dates.

This module is the one home of every date rule: the key dates on the migration page, the plan's
due dates, the stage, the dashboard's SQL and the reminders all ask it, so they give one answer.
"""

import datetime
import itertools
from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from .formatting import day_text, weekday_day_text
from .workdays import add_working_days, bank_holiday_names, is_working_day, working_day_on_or_after


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
    """The last working day at least PLANNING_MEETING_DAYS_BEFORE_FDP days before FDP.

    Counting back to a working day means the deadline, the plan's task and the "deadline today"
    email never fall on a weekend or bank holiday, and never after the 4-week mark.
    """
    return add_working_days(fdp - datetime.timedelta(days=settings.PLANNING_MEETING_DAYS_BEFORE_FDP), 0)


# A meeting held this long before FDP is a mistyped year, not a planning meeting.
PLANNING_MEETING_EARLIEST_DAYS_BEFORE_FDP = 365


def planning_meeting_held_error(held_on: datetime.date, *, fdp: datetime.date, today: datetime.date) -> str:
    """Why `held_on` cannot be the day the planning meeting was held, or "" if it can."""
    if held_on > today:
        return "Record the meeting once it has happened: this date is in the future."
    if held_on < fdp - datetime.timedelta(days=PLANNING_MEETING_EARLIEST_DAYS_BEFORE_FDP):
        return f"{day_text(held_on)} is more than a year before FDP ({day_text(fdp)}): check the year."
    return ""


def earliest_fdp_still_planning(today: datetime.date) -> datetime.date:
    """The earliest FDP whose planning meeting deadline is still after `today`.

    `planning_meeting_due(fdp) > today` exactly when `fdp >= earliest_fdp_still_planning(today)`,
    so the database can sort and filter by stage with one date comparison: the deadline is after
    today when a working day lies between tomorrow and FDP minus the meeting days.
    """
    return add_working_days(today, 1) + datetime.timedelta(days=settings.PLANNING_MEETING_DAYS_BEFORE_FDP)


def due_within_phase(due: datetime.date, *, phase: str, fdp: datetime.date, go_live: datetime.date) -> datetime.date:
    """Keep a plan task's due date inside its phase of the cutover.

    A preparation task is never due after FDP; a during-cutover task is due from FDP to go-live;
    a go-live-and-after task is never due before go-live, and one due "on go-live day" when
    go-live is a weekend or bank holiday is due on the next working day rather than the one
    before (counting back is right for deadlines, not for work that can only start at go-live).
    """
    # The plan's phase values, spelt out here so the rule does not import the tasks app.
    if phase == "preparation":
        return min(due, fdp)
    if phase == "during_cutover":
        return min(max(due, fdp), go_live)
    if phase == "after_go_live" and due < go_live:
        return working_day_on_or_after(go_live)
    return due


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


# Bank holidays as people say them; the holidays package's own names are kept for the rest.
HOLIDAY_WORDS = {
    "May Day": "the early May bank holiday",
    "Spring Bank Holiday": "the spring bank holiday",
    "Late Summer Bank Holiday": "the summer bank holiday",
}


def non_working_day_reason(day: datetime.date) -> str:
    """Why `day` is not a working day, in words ("Mon 3 May 2027 is the early May bank holiday"),
    or "" for a working day."""
    if is_working_day(day):
        return ""
    name = bank_holiday_names(day.year).get(day)
    if name and name.endswith(" (observed)"):
        what = f"the bank holiday for {name.removesuffix(' (observed)')}, moved from the weekend"
    elif name:
        what = HOLIDAY_WORDS.get(name, name)
    else:
        what = f"a {day:%A}"
    return f"{weekday_day_text(day)} is {what}"


def _non_working_warning(day: datetime.date) -> str:
    reason = non_working_day_reason(day)
    return f"{reason}: check the suppliers and the practice team will be at work." if reason else ""


def plannable_range() -> tuple[datetime.date, datetime.date]:
    first, last = settings.PLANNABLE_YEARS
    return datetime.date(first, 1, 1), datetime.date(last, 12, 31)


def validate_plannable_date(value: datetime.date) -> None:
    """Refuse a date outside the years a cutover can be planned in (a typing slip such as 0202 or
    9999), so no date sum ever runs off the end of the calendar."""
    first, last = plannable_range()
    if value is not None and not first <= value <= last:
        raise ValidationError(
            f"Enter a date between {first.year} and {last.year}.",
            code="date_out_of_range",
        )


def key_dates(
    *,
    fdp: datetime.date,
    go_live: datetime.date,
    legacy_support_days: int,
    planning_meeting_held: datetime.date | None = None,
    today: datetime.date | None = None,
    lifecycle: dict | None = None,
    planned_on: datetime.date | None = None,
) -> list[KeyDate]:
    """The key dates, soonest first. `lifecycle` holds the lifecycle dates the migration set (empty
    ones are worked out from FDP, or from `planned_on` when that was too late for them, and said to be)."""
    today = today or local_today()
    common = {"today": today}
    given = lifecycle or {}
    before = [
        KeyDate(
            **common,
            key=item.field,
            title=item.label,
            start=day,
            explanation=item.explanation + _lifecycle_source(item, day, fdp=fdp, given=given),
        )
        for item, day in zip(LIFECYCLE_DATES, lifecycle_dates(fdp, given, planned_on=planned_on).values(), strict=True)
    ]
    meeting_due = planning_meeting_due(fdp)
    meeting_warning = ""
    if planning_meeting_held is None and meeting_due < today:
        meeting_warning = (
            f"The planning meeting deadline has passed and no meeting is recorded: the "
            f"{settings.PLANNING_MEETING_DAYS_BEFORE_FDP // 7}-week rule can no longer be met. Meet as soon as "
            "you can, then record the date."
        )
    switch_first, switch_last = switch_off_window(fdp)
    cutover_days = (go_live - fdp).days
    cutover = [
        KeyDate(
            **common,
            key="planning_meeting",
            title="Planning meeting with all key people",
            start=meeting_due,
            done_on=planning_meeting_held,
            warning=meeting_warning,
            explanation=(
                "Everyone involved agrees how the practice will work during cutover. "
                f"Hold it at least {settings.PLANNING_MEETING_DAYS_BEFORE_FDP} days before FDP (on the last "
                "working day by then at the latest)."
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
            warning=_non_working_warning(fdp) if fdp >= today else "",
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
            warning=_non_working_warning(go_live) if go_live >= today else "",
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
    # A stable sort: dates on the same day keep the order above (the planning meeting before IDP).
    return sorted([*before, *cutover], key=lambda item: item.start)


# The lifecycle before the cutover --------------------------------------------------------------
# Four optional dates a migration may set; any left empty is worked back from FDP in working days,
# so a migration planned with FDP and go-live alone still has them all. They come in this order,
# each strictly before the next (the order and the kick-off may fall on the same day), and all
# before FDP. The defaults follow the NHS guidance's lead times: the order about 12 weeks ahead,
# kick-off about 9, the initial data production (IDP) 3 weeks ahead, leaving 2 weeks of data
# checking before the clinical lead's go/no-go, which is due a week before FDP.


@dataclass(frozen=True)
class LifecycleDate:
    field: str
    label: str
    working_days_before_fdp: int
    explanation: str


LIFECYCLE_DATES = (
    LifecycleDate(
        "order_date",
        "System ordered",
        60,
        "The ICB orders the new system, and the end of the old one, so the practice is not paying for two.",
    ),
    LifecycleDate(
        "kickoff_date",
        "Kick-off meeting",
        45,
        "Everyone involved meets for the first time; the technical survey and weekly meetings follow.",
    ),
    LifecycleDate(
        "idp_date",
        "Initial data production (IDP)",
        15,
        "A first extract is loaded into the new system, so the practice can check its data before FDP.",
    ),
    LifecycleDate(
        "data_signoff_due",
        "Data checking sign-off due",
        5,
        "The clinical lead says go or no-go for FDP, once test patients and reports have been compared.",
    ),
)
LIFECYCLE_FIELDS = tuple(item.field for item in LIFECYCLE_DATES)
LIFECYCLE_LABELS = {item.field: item.label for item in LIFECYCLE_DATES}


def _lifecycle_source(item: LifecycleDate, day: datetime.date, *, fdp: datetime.date, given: dict) -> str:
    """Where a lifecycle date in force comes from, as a sentence to follow its explanation."""
    if given.get(item.field):
        return ""
    default = lifecycle_default(item.field, fdp)
    if day == default:
        return f" Worked out as {item.working_days_before_fdp} working days before FDP."
    return (
        f" {item.working_days_before_fdp} working days before FDP was {day_text(default)}, before this migration "
        "was planned, so it is due from the day it was planned: set the real date if it is known."
    )


def lifecycle_default(field: str, fdp: datetime.date) -> datetime.date:
    """The date `field` takes when the migration leaves it empty: working days back from FDP."""
    days = next(item.working_days_before_fdp for item in LIFECYCLE_DATES if item.field == field)
    return add_working_days(fdp, -days)


def lifecycle_dates(
    fdp: datetime.date, given: dict, *, planned_on: datetime.date | None = None
) -> dict[str, datetime.date]:
    """Every lifecycle date, as given or else by default (from `given`, keyed by field name).

    A default never falls before `planned_on`, the day the migration was planned (created). A
    migration planned six weeks before FDP has already missed the order's and kick-off's lead
    times; dating them weeks in the past would make it late, with overdue tasks, on its first day
    for something nobody could have done. So a phase already behind on that day is due on it
    instead (and the key dates say so), while phases still ahead keep their standard lead times.
    Dates the practice gave are facts and are kept as given, even in the past. The catch-up never
    breaks the order of the dates: a default is only moved up to the day before the next date (the
    order may share the kick-off's day), else it keeps its default.
    """
    floor = working_day_on_or_after(planned_on) if planned_on else None
    dates: dict[str, datetime.date] = {}
    # From the last date back, so each knows the date after it (the limit for a catch-up).
    limit = add_working_days(fdp, -1)
    for item in reversed(LIFECYCLE_DATES):
        day = given.get(item.field)
        if day is None:
            day = lifecycle_default(item.field, fdp)
            if floor and day < floor <= limit:
                day = floor
        dates[item.field] = day
        limit = day if item.field == "kickoff_date" else add_working_days(day, -1)
    return {field: dates[field] for field in LIFECYCLE_FIELDS}


def lifecycle_caught_up(fdp: datetime.date, given: dict, *, planned_on: datetime.date | None) -> set[str]:
    """The lifecycle dates left empty that were moved up to the day the migration was planned."""
    dates = lifecycle_dates(fdp, given, planned_on=planned_on)
    return {
        field for field in LIFECYCLE_FIELDS if not given.get(field) and dates[field] != lifecycle_default(field, fdp)
    }


# How each date reads inside a sentence.
LIFECYCLE_PHRASES = {
    "order_date": "the order",
    "kickoff_date": "the kick-off meeting",
    "idp_date": "IDP",
    "data_signoff_due": "the data-checking sign-off",
    "fdp_date": "FDP",
}


def lifecycle_date_errors(
    fdp: datetime.date, given: dict, *, editing: set[str], planned_on: datetime.date | None = None
) -> dict[str, str]:
    """Field errors for lifecycle dates out of order (among themselves or against FDP), or {}.

    Dates left empty count at their default. An error goes on the later of the two dates if it is
    being edited, else on the earlier if that one is, else on the later: beside what the user typed.
    """
    dates = {**lifecycle_dates(fdp, given, planned_on=planned_on), "fdp_date": fdp}
    errors: dict[str, str] = {}
    for earlier, later in itertools.pairwise([*LIFECYCLE_FIELDS, "fdp_date"]):
        first, second = dates[earlier], dates[later]
        if first < second or ((earlier, later) == ("order_date", "kickoff_date") and first == second):
            continue
        where = later if later in editing or earlier not in editing else earlier
        phrase = LIFECYCLE_PHRASES[earlier]
        errors.setdefault(
            where,
            f"{phrase[0].upper()}{phrase[1:]} ({day_text(first)}) must come before {LIFECYCLE_PHRASES[later]} "
            f"({day_text(second)}).",
        )
    return errors
