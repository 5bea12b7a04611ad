"""Two people acting on the same task at the same moment: nothing is lost and nothing doubles.

The threaded tests need PostgreSQL's row locks and real concurrent connections, so they are
skipped on SQLite; the stale-version rule they rely on is tested on every database below and in
test_task_actions.py.
"""

import threading
import time

import pytest
from django.db import connection, transaction

from tasks.models import Task
from tasks.services import StaleTask, plan_create_for_migration, task_set_status

from ..factories import MigrationFactory
from .conftest import task_by_key
from .factories import load_plan_template


def test_two_forms_from_the_same_page_load_tick_once(plan_migration, staff, manager):
    """The same race, one after the other: the second form carries the old version."""
    task = task_by_key(plan_migration, "smartcards")
    task_set_status(task=task, status="done", by=staff, version=1)
    with pytest.raises(StaleTask) as stale:
        task_set_status(task=task, status="done", by=manager, version=1)
    assert stale.value.task.status_changed_by == staff
    task.refresh_from_db()
    assert (task.version, task.status_changed_by) == (2, staff)
    assert task.history.filter(status="done").count() == 1


@pytest.fixture
def postgresql(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL for concurrent transactions (set DATABASE_URL)")
    load_plan_template()


def _in_thread(target, results, name):
    def run():
        try:
            results[name] = target()
        except Exception as exc:  # the test inspects what each side got
            results[name] = exc
        finally:
            connection.close()  # each thread has its own connection

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def _wait_until_blocked(count: int) -> None:
    """Wait until `count` other transactions are queued behind a row lock this one holds."""
    deadline = time.monotonic() + 10
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
            if cursor.fetchone()[0] >= count:
                return
            time.sleep(0.02)
    raise AssertionError(f"{count} transactions never queued behind the lock")


def test_two_simultaneous_ticks_make_one_change_and_one_clear_refusal(postgresql, practice, suppliers, staff, manager):
    migration = MigrationFactory(practice=practice, current_supplier=suppliers[0], new_supplier=suppliers[1])
    plan_create_for_migration(migration=migration, by=manager)
    task = task_by_key(migration, "smartcards")
    results = {}
    # Hold the row so both ticks are in flight together, then let them race for it.
    with transaction.atomic():
        Task.objects.select_for_update().get(pk=task.pk)
        threads = [
            _in_thread(lambda: task_set_status(task=task, status="done", by=staff, version=1), results, "staff"),
            _in_thread(lambda: task_set_status(task=task, status="done", by=manager, version=1), results, "manager"),
        ]
        _wait_until_blocked(2)
    for thread in threads:
        thread.join(10)

    winners = [name for name, result in results.items() if isinstance(result, Task)]
    losers = [name for name, result in results.items() if isinstance(result, StaleTask)]
    assert len(winners) == 1 and len(losers) == 1, results
    winner = {"staff": staff, "manager": manager}[winners[0]]
    assert results[losers[0]].task.status_changed_by == winner  # the refusal can say who did it
    task.refresh_from_db()
    assert (task.status, task.version, task.status_changed_by) == ("done", 2, winner)
    assert task.history.filter(status="done").count() == 1


def test_a_tick_and_an_untick_at_once_never_lose_either_silently(postgresql, practice, suppliers, staff, manager):
    migration = MigrationFactory(practice=practice, current_supplier=suppliers[0], new_supplier=suppliers[1])
    plan_create_for_migration(migration=migration, by=manager)
    task = task_by_key(migration, "smartcards")
    task_set_status(task=task, status="done", by=staff, version=1)
    results = {}
    with transaction.atomic():
        Task.objects.select_for_update().get(pk=task.pk)
        threads = [
            _in_thread(lambda: task_set_status(task=task, status="open", by=staff, version=2), results, "untick"),
            _in_thread(
                lambda: task_set_status(task=task, status="not_applicable", reason="n/a", by=manager, version=2),
                results,
                "not-applicable",
            ),
        ]
        _wait_until_blocked(2)
    for thread in threads:
        thread.join(10)
    winner = next(name for name, result in results.items() if isinstance(result, Task))
    assert sum(isinstance(result, StaleTask) for result in results.values()) == 1
    task.refresh_from_db()
    assert task.status == {"untick": "open", "not-applicable": "not_applicable"}[winner]
    assert task.version == 3


def test_creating_the_same_plan_twice_at_once_creates_it_once(postgresql, practice, suppliers, manager):
    migration = MigrationFactory(practice=practice, current_supplier=suppliers[0], new_supplier=suppliers[1])
    results = {}
    with transaction.atomic():
        type(migration).objects.select_for_update().get(pk=migration.pk)
        threads = [
            _in_thread(lambda: plan_create_for_migration(migration=migration, by=manager), results, name)
            for name in ("first", "second")
        ]
        _wait_until_blocked(2)
    for thread in threads:
        thread.join(10)
    assert sorted(len(result) for result in results.values()) == [0, 46], results
    assert Task.objects.filter(migration=migration).count() == 46
