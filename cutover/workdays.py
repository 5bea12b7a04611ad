"""Working-day arithmetic for England: weekends and England bank holidays are not working days."""

import datetime
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def bank_holiday_names(year: int) -> dict[datetime.date, str]:
    """England's bank holidays of a year, by date. Cached: the calendar and the date sums ask often."""
    return dict(holidays.country_holidays("GB", subdiv="ENG", years=year))


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[datetime.date]:
    return frozenset(bank_holiday_names(year))


def is_bank_holiday(day: datetime.date) -> bool:
    return day in _bank_holidays(day.year)


def is_working_day(day: datetime.date) -> bool:
    return day.weekday() < 5 and not is_bank_holiday(day)


# Cached: a sweep or a wave asks the same few hundred sums tens of thousands of times (the answer
# depends only on the arguments, as the bank holidays of a year are fixed).
@lru_cache(maxsize=8192)
def add_working_days(day: datetime.date, count: int) -> datetime.date:
    """Move `count` working days from `day` (negative goes back).

    Zero returns `day` itself when it is a working day, otherwise the working day
    before it: a deadline that lands on a holiday has to be met beforehand.
    """
    step = 1 if count > 0 else -1
    if count == 0:
        while not is_working_day(day):
            day -= datetime.timedelta(days=1)
        return day
    remaining = abs(count)
    while remaining:
        day += datetime.timedelta(days=step)
        if is_working_day(day):
            remaining -= 1
    return day


@lru_cache(maxsize=4096)
def working_day_on_or_after(day: datetime.date) -> datetime.date:
    while not is_working_day(day):
        day += datetime.timedelta(days=1)
    return day


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """Working days after `start` up to and including `end` (negative if end is before start)."""
    if end < start:
        return -working_days_between(end, start)
    count = 0
    day = start
    while day < end:
        day += datetime.timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count
