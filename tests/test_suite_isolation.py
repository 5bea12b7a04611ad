"""The suite runs in several pytest-xdist processes against one Redis: the tests that start a real
Celery worker must not take each other's tasks (CI failed this way once: a worker in one process ran
the other's job, which looked for its rows in the wrong test database)."""

import os

import pytest

from cutover.celery import app


def test_each_test_process_sends_and_takes_celery_tasks_on_a_queue_of_its_own():
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        pytest.skip("the suite is not running under pytest-xdist")
    assert app.conf.task_default_queue == f"cutover-tests-{worker}"
    assert [queue.name for queue in app.amqp.queues.values()] == [f"cutover-tests-{worker}"]
    assert app.amqp.router.route({}, "cutover.jobs.sweep_reminders")["queue"].name == f"cutover-tests-{worker}"
