"""Two people re-entering the last two items at the same moment still tick the task.

Needs PostgreSQL's row locks and real concurrent connections; skipped on SQLite, which
serialises every write.
"""

import threading
import time

import pytest
from django.db import connection, transaction

from reentry.services import entries_mark_re_entered
from tasks.models import Task
from tasks.services import plan_create_for_migration

from ..factories import MigrationFactory
from ..reentry.factories import EntryFactory
from ..tasks.factories import load_plan_template
from .conftest import FDP, GO_LIVE, task_by_key, travel


@pytest.fixture
def postgresql(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL for concurrent transactions (set DATABASE_URL)")
    load_plan_template()


def _in_thread(target, results, name):
    def run():
        try:
            results[name] = target()
        except Exception as exc:  # the test looks at what each side got
            results[name] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def _wait_until_blocked(count: int) -> None:
    deadline = time.monotonic() + 10
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
            if cursor.fetchone()[0] >= count:
                return
            time.sleep(0.02)
    raise AssertionError(f"{count} transactions never queued behind the lock")


def test_the_last_two_items_re_entered_at_once_tick_the_task(postgresql, practice, suppliers, staff, manager):
    migration = MigrationFactory(
        practice=practice, current_supplier=suppliers[0], new_supplier=suppliers[1], fdp_date=FDP, go_live_date=GO_LIVE
    )
    plan_create_for_migration(migration=migration, by=manager)
    first, second = (EntryFactory(migration=migration, recorded_by=staff) for _ in range(2))
    task = task_by_key(migration, "re-enter-cutover-records")
    results = {}
    with travel(GO_LIVE):
        # Hold the task row: both re-entries mark their entry, then queue for the task. Each sees
        # the other's entry still to re-enter unless the count waits for the lock, as it must.
        with transaction.atomic():
            Task.objects.select_for_update().get(pk=task.pk)
            threads = [
                _in_thread(
                    lambda: entries_mark_re_entered(migration=migration, entry_ids=[first.pk], by=staff),
                    results,
                    "staff",
                ),
                _in_thread(
                    lambda: entries_mark_re_entered(migration=migration, entry_ids=[second.pk], by=manager),
                    results,
                    "manager",
                ),
            ]
            _wait_until_blocked(2)
        for thread in threads:
            thread.join(10)
    assert results == {"staff": 1, "manager": 1}
    task.refresh_from_db()
    assert task.is_done
    assert task.status_changed_by in {staff, manager}
    assert task.history.filter(status="done").count() == 1
