"""One answer per date question, whoever asks: the key dates, the plan, the stage, the dashboard's
SQL and the reminders all take their dates from cutover.timeline.

The first half checks the cases that once gave two or three answers; the second half checks the
rules themselves over every FDP from 2026 to 2035 and every cutover from 1 to 21 days (hypothesis).
"""

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cutover.models import Migration
from cutover.timeline import (
    earliest_fdp_still_planning,
    key_dates,
    non_working_day_reason,
    planning_meeting_due,
    switch_off_window,
)
from cutover.workdays import is_working_day, working_days_between
from dashboard.stages import STAGE_BY_RANK, stage_rank
from practices.models import Practice
from reminders.recipients import People
from reminders.rules import Batch, planning_meeting
from tasks.models import Phase, PlanTemplateItem, due_date_for

from ..tasks.factories import load_plan_template

pytestmark = pytest.mark.django_db


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def unsaved(fdp: dt.date, go_live: dt.date, legacy_support_days: int = 90) -> Migration:
    """A migration as the rules see it; nothing here needs it saved."""
    return Migration(
        practice=Practice(name="Riverside", ods_code="A81001"),
        fdp_date=fdp,
        go_live_date=go_live,
        legacy_support_days=legacy_support_days,
    )


@pytest.fixture
def items(db) -> list[PlanTemplateItem]:
    """The NHS plan as loaded by the data migration (the test database starts without it)."""
    load_plan_template()
    return list(PlanTemplateItem.objects.all())


def meeting_deadline_everywhere(migration: Migration, items) -> set[dt.date]:
    """The planning meeting deadline as each part of the product works it out."""
    today = migration.fdp_date - dt.timedelta(days=60)
    keyed = {k.key: k for k in migration.key_dates(today=today)}["planning_meeting"].start
    task = next(i for i in items if i.anchor == "planning_meeting_due")
    planned = due_date_for(
        migration=migration, phase=task.phase, anchor=task.anchor, offset_days=0, direction=task.direction
    )
    batch = Batch(today=today, migrations=[migration], people=People())
    emailed = {due.due_date for due in planning_meeting(batch) if due.kind == "planning_meeting_deadline"}
    return {keyed, planned, migration.planning_meeting_due, *emailed}


# The cases the issue reported ----------------------------------------------------------------------


def test_an_fdp_four_weeks_after_a_bank_holiday_has_one_meeting_deadline_the_working_day_before(items):
    # FDP Mon 29 May 2028; 28 days before is Mon 1 May 2028, the early May bank holiday.
    migration = unsaved(d("2028-05-29"), d("2028-06-05"))
    assert meeting_deadline_everywhere(migration, items) == {d("2028-04-28")}


def test_the_deadline_today_email_goes_on_the_deadline_itself(items):
    migration = unsaved(d("2028-05-29"), d("2028-06-05"))
    batch = Batch(today=d("2028-04-01"), migrations=[migration], people=People())
    deadline = [due for due in planning_meeting(batch) if due.kind == "planning_meeting_deadline"]
    assert [(due.due_date, due.about) for due in deadline] == [(d("2028-04-28"), d("2028-04-28"))]


def test_an_on_go_live_day_task_is_due_the_next_working_day_when_go_live_is_a_bank_holiday(items):
    # Go-live Mon 28 Aug 2028 is the summer bank holiday.
    migration = unsaved(d("2028-08-21"), d("2028-08-28"))
    item = next(i for i in items if i.title == "Import the exported templates")
    due = due_date_for(
        migration=migration,
        phase=item.phase,
        anchor=item.anchor,
        offset_days=item.offset_days,
        direction=item.direction,
    )
    assert due == d("2028-08-29")


def test_non_working_days_are_named_as_people_say_them():
    assert non_working_day_reason(d("2027-05-03")) == "Mon 3 May 2027 is the early May bank holiday"
    assert non_working_day_reason(d("2026-12-25")) == "Fri 25 Dec 2026 is Christmas Day"
    assert non_working_day_reason(d("2027-01-03")) == "Sun 3 Jan 2027 is a Sunday"
    assert non_working_day_reason(d("2026-12-28")) == (
        "Mon 28 Dec 2026 is the bank holiday for Boxing Day, moved from the weekend"
    )
    assert non_working_day_reason(d("2027-05-04")) == ""


@pytest.mark.parametrize("today", ["2028-04-27", "2028-04-28", "2028-04-29", "2028-05-01", "2028-05-02"])
def test_the_stage_in_python_and_in_sql_turn_on_the_same_day_around_a_bank_holiday(today, practice, suppliers):
    from tests.factories import MigrationFactory

    migration = MigrationFactory(
        practice=practice,
        current_supplier=suppliers[0],
        new_supplier=suppliers[1],
        fdp_date=d("2028-05-29"),
        go_live_date=d("2028-06-05"),
    )
    rank = Migration.objects.annotate(rank=stage_rank(d(today))).get(pk=migration.pk).rank
    assert STAGE_BY_RANK[rank].name == migration.stage(d(today))
    assert migration.stage(d(today)) == ("planning" if d(today) < d("2028-04-28") else "preparation")


# The rules over ten years ------------------------------------------------------------------------------

fdps = st.dates(min_value=dt.date(2026, 1, 1), max_value=dt.date(2035, 12, 31))
cutover_days = st.integers(min_value=1, max_value=21)
legacy_days = st.integers(min_value=1, max_value=366)
EXAMPLES = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture], derandomize=True
)


@EXAMPLES
@given(fdp=fdps)
def test_the_meeting_deadline_is_the_last_working_day_at_least_28_days_before_fdp(fdp):
    deadline = planning_meeting_due(fdp)
    latest = fdp - dt.timedelta(days=28)
    assert deadline <= latest
    assert is_working_day(deadline)
    assert working_days_between(deadline, latest) == 0, "no working day is skipped between the deadline and 28 days"


@EXAMPLES
@given(fdp=fdps, today=st.dates(min_value=dt.date(2025, 10, 1), max_value=dt.date(2035, 12, 31)))
def test_the_databases_stage_cutoff_agrees_with_the_deadline_on_every_day(fdp, today):
    assert (planning_meeting_due(fdp) > today) == (fdp >= earliest_fdp_still_planning(today))


@EXAMPLES
@given(fdp=fdps)
def test_the_switch_off_window_is_the_second_and_first_working_days_before_fdp(fdp):
    before = [fdp - dt.timedelta(days=n) for n in range(1, 30)]
    second, first_ = [day for day in before if is_working_day(day)][:2][::-1]
    assert switch_off_window(fdp) == (second, first_)


@EXAMPLES
@given(fdp=fdps, days=cutover_days, legacy=legacy_days)
def test_every_task_stays_inside_its_phase_and_legacy_support_ends_when_it_says(items, fdp, days, legacy):
    go_live = fdp + dt.timedelta(days=days)
    migration = unsaved(fdp, go_live, legacy)
    for item in items:
        due = due_date_for(
            migration=migration,
            phase=item.phase,
            anchor=item.anchor,
            offset_days=item.offset_days,
            direction=item.direction,
        )
        if item.phase == Phase.PREPARATION:
            assert due <= fdp, item.title
        elif item.phase == Phase.DURING_CUTOVER:
            assert fdp <= due <= go_live, item.title
        else:
            assert due >= go_live, item.title
    assert migration.legacy_support_end == go_live + dt.timedelta(days=legacy)
    dates = {k.key: k for k in key_dates(fdp=fdp, go_live=go_live, legacy_support_days=legacy, today=fdp)}
    assert dates["legacy_support_end"].start == migration.legacy_support_end


@EXAMPLES
@given(fdp=fdps, days=cutover_days)
def test_key_dates_plan_and_reminders_give_one_meeting_deadline(items, fdp, days):
    migration = unsaved(fdp, fdp + dt.timedelta(days=days))
    assert len(meeting_deadline_everywhere(migration, items)) == 1
