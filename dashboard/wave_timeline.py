"""The wave timeline: one bar per migration from FDP to go-live on a shared time axis, laid out
here so the template can draw it as plain SVG (no charting JavaScript, nothing inline for the CSP).

Coordinates are in the SVG's own units (its viewBox); the stylesheet scales the drawing to the page.
"""

import datetime
from dataclasses import dataclass

from cutover.workdays import bank_holiday_names, working_days_between

from .columns import Row

WIDTH = 1000
LABEL_WIDTH = 230  # practice names, left of the bars
CHART_WIDTH = WIDTH - LABEL_WIDTH - 10
ROW_HEIGHT = 28
BAR_HEIGHT = 16
TOP = 44  # room for the axis labels and "Today"
BOTTOM = 8
PADDING_DAYS = 3
# Today is drawn when it is this close to the wave; further off it would squash every bar to a sliver.
TODAY_REACH_DAYS = 21
NAME_LENGTH = 30


@dataclass(frozen=True)
class Bar:
    row: Row
    y: float
    x: float
    width: float
    label: str  # the practice name, shortened to fit beside the bars
    working_days: int  # from FDP to go-live

    @property
    def text_y(self) -> float:
        return self.y + BAR_HEIGHT - 3


@dataclass(frozen=True)
class Mark:
    """A day on the axis: a tick, a bank holiday or today."""

    day: datetime.date
    x: float
    width: float = 0
    name: str = ""


@dataclass(frozen=True)
class Timeline:
    bars: list[Bar]
    ticks: list[Mark]
    holidays: list[Mark]
    today: Mark | None
    start: datetime.date
    end: datetime.date
    height: float
    tick_format: str = "j M"  # Django date format of the axis labels
    width: int = WIDTH
    label_width: int = LABEL_WIDTH
    top: int = TOP
    bar_height: int = BAR_HEIGHT

    @property
    def axis_bottom(self) -> float:
        return self.height - BOTTOM

    @property
    def axis_height(self) -> float:
        return self.axis_bottom - self.top


def _ticks(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    """Mondays for a short wave, first days of months for a longer one, quarters for a very long one."""
    span = (end - start).days
    day = start
    if span <= 70:
        day += datetime.timedelta(days=-day.weekday() % 7)
        step = [day + datetime.timedelta(weeks=n) for n in range(span // 7 + 2)]
        return [d for d in step if d <= end]
    months = 1 if span <= 400 else 3
    first = day.replace(day=1)
    found = []
    while first <= end:
        if first >= start and (first.month - 1) % months == 0:
            found.append(first)
        first = (first + datetime.timedelta(days=32)).replace(day=1)
    return found


def _short(name: str) -> str:
    return name if len(name) <= NAME_LENGTH else name[: NAME_LENGTH - 1].rstrip() + "…"


def wave_timeline(*, rows: list[Row], today: datetime.date) -> Timeline | None:
    """The chart for these migrations (a page of the dashboard's filtered list); None when there are none."""
    if not rows:
        return None
    start = min(row.migration.fdp_date for row in rows)
    end = max(row.migration.go_live_date for row in rows)
    if start - datetime.timedelta(days=TODAY_REACH_DAYS) <= today <= end + datetime.timedelta(days=TODAY_REACH_DAYS):
        start, end = min(start, today), max(end, today)
    start -= datetime.timedelta(days=PADDING_DAYS)
    end += datetime.timedelta(days=PADDING_DAYS)
    day_width = CHART_WIDTH / ((end - start).days + 1)

    def x(day: datetime.date) -> float:
        return round(LABEL_WIDTH + (day - start).days * day_width, 1)

    bars = [
        Bar(
            row=row,
            y=TOP + n * ROW_HEIGHT + (ROW_HEIGHT - BAR_HEIGHT) / 2,
            x=x(row.migration.fdp_date),
            # Go-live day included: the bar ends at the end of that day.
            width=max(round(x(row.migration.go_live_date) - x(row.migration.fdp_date) + day_width, 1), 2),
            label=_short(row.migration.practice.name),
            working_days=working_days_between(row.migration.fdp_date, row.migration.go_live_date),
        )
        for n, row in enumerate(rows)
    ]
    holidays = [
        Mark(day=day, x=x(day), width=round(day_width, 1), name=name)
        for year in range(start.year, end.year + 1)
        for day, name in sorted(bank_holiday_names(year).items())
        if start <= day <= end
    ]
    today_mark = Mark(day=today, x=round(x(today) + day_width / 2, 1)) if start <= today <= end else None
    return Timeline(
        # Weekly ticks need no year; monthly ones do, since a wave can cross New Year.
        tick_format="j M" if (end - start).days <= 70 else "M Y",
        bars=bars,
        ticks=[Mark(day=day, x=x(day)) for day in _ticks(start, end)],
        holidays=holidays,
        today=today_mark,
        start=start,
        end=end,
        height=TOP + len(rows) * ROW_HEIGHT + BOTTOM,
    )
