"""The key dates a practice manager sees, worked out from FDP and go-live."""

import datetime as dt

import pytest
import time_machine

from cutover.timeline import When, key_dates, local_today, switch_off_window
from cutover.workdays import add_working_days, is_working_day, working_days_between


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def dates_by_key(**kwargs):
    return {item.key: item for item in key_dates(**kwargs)}


def test_planning_meeting_is_due_28_days_before_fdp():
    dates = dates_by_key(fdp=d("2027-03-10"), go_live=d("2027-03-17"), legacy_support_days=90, today=d("2027-01-01"))
    assert dates["planning_meeting"].start == d("2027-02-10")


@pytest.mark.parametrize(
    ("fdp", "first", "last"),
    [
        # An ordinary Wednesday: Monday and Tuesday before it.
        ("2026-12-02", "2026-11-30", "2026-12-01"),
        # A Monday FDP: the window moves back over the weekend to Thursday and Friday.
        ("2026-12-07", "2026-12-03", "2026-12-04"),
        # Tuesday 29 Dec 2026: Monday 28 is the substitute Boxing Day and 25 is Christmas.
        ("2026-12-29", "2026-12-23", "2026-12-24"),
        # Monday 29 Dec 2025, just after Christmas Day and Boxing Day on Thursday and Friday.
        ("2025-12-29", "2025-12-23", "2025-12-24"),
        # Tuesday 4 May 2027, the day after the early May bank holiday.
        ("2027-05-04", "2027-04-29", "2027-04-30"),
    ],
)
def test_switch_off_window_is_the_two_working_days_before_fdp(fdp, first, last):
    assert switch_off_window(d(fdp)) == (d(first), d(last))


def test_cutover_period_runs_from_fdp_to_the_day_before_go_live_and_shows_its_length():
    dates = dates_by_key(fdp=d("2027-03-10"), go_live=d("2027-03-17"), legacy_support_days=90, today=d("2027-01-01"))
    assert (dates["cutover"].start, dates["cutover"].end) == (d("2027-03-10"), d("2027-03-16"))
    assert dates["cutover"].title == "Cutover (7 days)"


def test_legacy_support_ends_90_days_after_go_live_by_default(settings):
    from cutover.models import default_legacy_support_days

    assert default_legacy_support_days() == 90
    dates = dates_by_key(fdp=d("2027-03-10"), go_live=d("2027-03-17"), legacy_support_days=90, today=d("2027-01-01"))
    assert dates["legacy_support_end"].start == d("2027-06-15")


def test_legacy_support_days_can_be_changed_per_migration():
    dates = dates_by_key(fdp=d("2027-03-10"), go_live=d("2027-03-17"), legacy_support_days=45, today=d("2027-01-01"))
    assert dates["legacy_support_end"].start == d("2027-05-01")


def test_legacy_support_default_comes_from_settings(settings):
    from cutover.models import default_legacy_support_days

    settings.LEGACY_SUPPORT_DAYS = 45
    assert default_legacy_support_days() == 45


def test_each_key_date_says_how_far_away_it_is_and_whether_it_is_past_or_due_soon():
    dates = dates_by_key(fdp=d("2027-03-10"), go_live=d("2027-03-17"), legacy_support_days=90, today=d("2027-03-05"))
    assert dates["planning_meeting"].when(d("2027-03-05")) == When.PAST
    assert dates["fdp"].days_from(d("2027-03-05")) == 5
    assert dates["fdp"].when(d("2027-03-05")) == When.DUE_SOON
    assert dates["legacy_support_end"].when(d("2027-03-05")) == When.LATER
    assert dates["cutover"].when(d("2027-03-12")) == When.TODAY


def test_missing_planning_meeting_inside_four_weeks_warns_that_the_rule_cannot_be_met():
    dates = dates_by_key(fdp=d("2027-03-10"), go_live=d("2027-03-17"), legacy_support_days=90, today=d("2027-02-20"))
    assert "can no longer be met" in dates["planning_meeting"].warning
    held = dates_by_key(
        fdp=d("2027-03-10"),
        go_live=d("2027-03-17"),
        legacy_support_days=90,
        planning_meeting_held=d("2027-02-01"),
        today=d("2027-02-20"),
    )
    assert held["planning_meeting"].warning == ""


@pytest.mark.parametrize(
    ("utc_instant", "london_date"),
    [
        # 23:30 UTC in summer is already the next day in London (BST, UTC+1).
        ("2027-06-30T23:30:00+00:00", "2027-07-01"),
        # The same clock time in winter (GMT) is still the same day.
        ("2027-01-31T23:30:00+00:00", "2027-01-31"),
        # Either side of the clocks going back on 31 Oct 2027.
        ("2027-10-30T23:30:00+00:00", "2027-10-31"),
        ("2027-10-31T23:30:00+00:00", "2027-10-31"),
        # And going forward on 28 Mar 2027.
        ("2027-03-28T23:30:00+00:00", "2027-03-29"),
    ],
)
def test_today_is_the_date_in_london_across_bst_changes(utc_instant, london_date):
    with time_machine.travel(dt.datetime.fromisoformat(utc_instant), tick=False):
        assert local_today() == d(london_date)


def test_days_from_today_use_the_london_date_late_on_a_summer_evening():
    with time_machine.travel(dt.datetime.fromisoformat("2027-06-30T23:30:00+00:00"), tick=False):
        dates = dates_by_key(fdp=d("2027-07-01"), go_live=d("2027-07-08"), legacy_support_days=90)
        assert dates["fdp"].days_from(local_today()) == 0
        assert dates["fdp"].when(local_today()) == When.TODAY


class TestWorkingDays:
    def test_weekends_and_england_bank_holidays_are_not_working_days(self):
        assert not is_working_day(d("2026-12-26"))  # Saturday
        assert not is_working_day(d("2026-12-28"))  # substitute Boxing Day
        assert not is_working_day(d("2027-03-26"))  # Good Friday
        assert not is_working_day(d("2027-03-29"))  # Easter Monday
        assert is_working_day(d("2027-03-30"))

    def test_adding_working_days_skips_christmas_and_crosses_the_year(self):
        assert add_working_days(d("2026-12-24"), 1) == d("2026-12-29")
        assert add_working_days(d("2026-12-31"), 1) == d("2027-01-04")  # 1 Jan holiday, then the weekend
        assert add_working_days(d("2027-01-04"), -2) == d("2026-12-30")

    def test_adding_working_days_skips_easter(self):
        assert add_working_days(d("2027-03-25"), 1) == d("2027-03-30")
        assert add_working_days(d("2027-03-30"), -1) == d("2027-03-25")

    def test_zero_working_days_from_a_holiday_is_the_working_day_before(self):
        assert add_working_days(d("2026-12-28"), 0) == d("2026-12-24")
        assert add_working_days(d("2026-12-23"), 0) == d("2026-12-23")

    def test_counting_working_days_between_two_dates(self):
        assert working_days_between(d("2026-12-23"), d("2026-12-30")) == 3  # 24, 29, 30
        assert working_days_between(d("2026-12-30"), d("2026-12-23")) == -3


@pytest.mark.parametrize(
    ("today", "key", "expected"),
    [
        ("2027-03-05", "fdp", "in 5 days"),
        ("2027-03-09", "fdp", "tomorrow"),
        ("2027-03-10", "fdp", "today"),
        ("2027-03-11", "fdp", "yesterday"),
        ("2027-03-20", "fdp", "10 days ago"),
        ("2027-03-12", "cutover", "under way: day 3 of 7"),
    ],
)
def test_key_dates_say_how_far_away_they_are_in_words(today, key, expected):
    dates = dates_by_key(fdp=d("2027-03-10"), go_live=d("2027-03-17"), legacy_support_days=90, today=d(today))
    assert dates[key].relative == expected
