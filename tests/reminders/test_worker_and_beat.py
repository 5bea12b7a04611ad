"""Integration: beat and a real Celery worker, through the real Redis, send due reminders once."""

import datetime as dt
import time

import pytest
from celery.beat import EmbeddedService
from celery.contrib.testing.worker import start_worker
from django.core import mail

from cutover.celery import app
from cutover.timeline import local_today
from reminders import jobs  # noqa: F401 (registers the jobs with the app)
from reminders.models import ReminderLog

from ..factories import MigrationFactory

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def wait_for(condition, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


@pytest.fixture
def fast_beat(tmp_path):
    """The real beat entry from settings, run every second instead of every few minutes."""
    saved = dict(app.conf.beat_schedule)
    entry = dict(saved["reminders-sweep"], schedule=1.0, options={"expires": 5})
    app.conf.beat_schedule = {"reminders-sweep": entry}
    beat = EmbeddedService(app, thread=True, max_interval=1, schedule_filename=str(tmp_path / "beat-schedule"))
    try:
        yield beat
    finally:
        if beat.is_alive():  # stopping a beat that never started would wait for ever
            beat.stop()
        app.conf.beat_schedule = saved


def test_beat_and_a_worker_send_todays_reminders_once_through_redis(
    redis_url, settings, practice, manager, staff, it_lead, suppliers, fast_beat
):
    assert app.conf.broker_url.startswith("redis://"), "this test needs REDIS_URL to point at a real Redis"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.REMINDER_SEND_TIME = dt.time(0, 0)  # whatever the hour the test runs at
    today = local_today()
    MigrationFactory(
        practice=practice,
        current_supplier=suppliers[0],
        new_supplier=suppliers[1],
        fdp_date=today,
        go_live_date=today + dt.timedelta(days=7),
        planning_meeting_date=today - dt.timedelta(days=40),
    )
    app.control.purge()  # leftovers of other runs in this Redis database
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        fast_beat.start()
        assert wait_for(lambda: ReminderLog.objects.filter(status="sent").count() == 3), list(
            ReminderLog.objects.values_list("kind", "status", "note")
        )
        time.sleep(3)  # several more sweeps: nothing more may go
    assert ReminderLog.objects.count() == 3
    assert sorted(message.to[0].split("<")[-1].rstrip(">") for message in mail.outbox) == [
        "itlead@riverside.example",
        "manager@riverside.example",
        "staff@riverside.example",
    ]


def test_the_one_beat_schedule_sweeps_every_few_minutes(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["reminders-sweep"]
    assert entry["task"] == "cutover.jobs.sweep_reminders"
    assert entry["schedule"] == settings.REMINDER_SWEEP_MINUTES * 60 == 300
    assert app.conf.beat_schedule["reminders-sweep"]["task"] in app.tasks
    assert "cutover.jobs.send_reminder" in app.tasks
    # A claim must outlive the longest a job may run, or a slow worker would be overtaken.
    assert settings.REMINDER_CLAIM_TIMEOUT_MINUTES * 60 > settings.CELERY_TASK_TIME_LIMIT
