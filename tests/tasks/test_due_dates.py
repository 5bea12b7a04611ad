"""Task due dates count working days from the migration's dates, skipping weekends and England
bank holidays. The expected dates below were counted by hand on a calendar."""

import datetime as dt

import pytest

from tasks.models import Task
from tasks.services import plan_create_for_migration

from ..factories import MigrationFactory
from .conftest import task_by_key

pytestmark = pytest.mark.django_db


def d(text):
    return dt.date.fromisoformat(text)


@pytest.fixture
def christmas_fdp(plan_template, practice, suppliers):
    # FDP on Monday 4 Jan 2027: counting back crosses New Year's Day (Fri 1 Jan), the substitute
    # Boxing Day (Mon 28 Dec 2026), Christmas Day (Fri 25 Dec) and two weekends.
    migration = MigrationFactory(
        practice=practice,
        current_supplier=suppliers[0],
        new_supplier=suppliers[1],
        fdp_date=d("2027-01-04"),
        go_live_date=d("2027-01-11"),
    )
    plan_create_for_migration(migration=migration)
    return migration


@pytest.fixture
def easter_go_live(plan_template, other_practice, suppliers):
    # Go-live on Thursday 25 Mar 2027: counting forward crosses Good Friday (26 Mar) and Easter Monday (29 Mar).
    migration = MigrationFactory(
        practice=other_practice,
        current_supplier=suppliers[0],
        new_supplier=suppliers[1],
        fdp_date=d("2027-03-18"),
        go_live_date=d("2027-03-25"),
    )
    plan_create_for_migration(migration=migration)
    return migration


@pytest.mark.parametrize(
    ("key", "due"),
    [
        ("clear-outstanding-work", "2027-01-04"),  # on FDP day
        ("dispensary-stock-rundown", None),  # not created: the practice does not dispense
        ("export-templates", "2026-12-29"),  # 3 back: 31, 30, 29 Dec (1 Jan is a holiday)
        ("backup-third-party-systems", "2026-12-23"),  # 5 back: 31, 30, 29, 24, 23 Dec
        ("smartcards", "2026-12-16"),  # 10 back: ... 18, 17, 16 Dec
        ("notify-third-parties", "2026-12-09"),  # 15 back, three weeks of working days
        ("planning-meeting", "2026-12-07"),  # 28 calendar days before FDP, a Monday
    ],
)
def test_preparation_counts_back_over_christmas_and_the_new_year(christmas_fdp, key, due):
    if due is None:
        assert not christmas_fdp.tasks.filter(template_item__key=key).exists()
    else:
        assert task_by_key(christmas_fdp, key).due_date == d(due)


@pytest.mark.parametrize(
    ("key", "due"),
    [
        ("import-templates", "2027-03-25"),  # on go-live day
        ("links-back-on", "2027-03-30"),  # 1 after: Good Friday, the weekend and Easter Monday skipped
        ("re-register-new-patients", "2027-04-05"),  # 5 after: 30, 31 Mar, 1, 2, 5 Apr
        ("re-enter-cutover-records", "2027-04-12"),  # 10 after
        ("finish-with-legacy-system", "2027-06-16"),  # support ends Wed 23 Jun 2027; 5 back
        ("cutover-screening", "2027-03-18"),  # on FDP day
    ],
)
def test_go_live_tasks_count_forward_over_easter(easter_go_live, key, due):
    assert task_by_key(easter_go_live, key).due_date == d(due)


def test_a_zero_day_deadline_on_a_weekend_moves_to_the_working_day_before(plan_template, practice, suppliers):
    # Go-live Thursday 25 Mar 2027 with 94 days of support: support ends Sunday 27 Jun 2027.
    migration = MigrationFactory(
        practice=practice,
        current_supplier=suppliers[0],
        new_supplier=suppliers[1],
        fdp_date=d("2027-03-18"),
        go_live_date=d("2027-03-25"),
        legacy_support_days=94,
    )
    plan_create_for_migration(migration=migration)
    task = task_by_key(migration, "finish-with-legacy-system")
    task.offset_days = 0
    assert task.computed_due_date() == d("2027-06-25")  # the Friday before


def test_every_task_is_due_on_a_working_day(christmas_fdp, easter_go_live):
    from cutover.workdays import is_working_day

    for task in Task.objects.all():
        assert is_working_day(task.due_date), (task.title, task.due_date)
