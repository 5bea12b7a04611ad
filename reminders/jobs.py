"""Celery jobs. They hold no rules: each calls a function of the reminders app.

Their names are the ones they were registered under in the cutover app (``cutover.jobs.*``), so
messages already queued and the beat entry still find them.

Arguments are row ids only, so nothing about a practice or a patient passes through the broker.
"""

import logging

from celery import shared_task
from kombu.exceptions import OperationalError
from redis.exceptions import RedisError

from .send import reminder_send
from .sweep import reminders_sweep

logger = logging.getLogger(__name__)


@shared_task(name="cutover.jobs.sweep_reminders", ignore_result=True)
def sweep_reminders() -> int:
    """Run by the one beat entry every REMINDER_SWEEP_MINUTES; returns how many rows it enqueued."""
    return len(reminders_sweep().ready_ids)


@shared_task(name="cutover.jobs.send_reminder", ignore_result=True)
def send_reminder(reminder_id: int) -> str:
    """Send one logged reminder. Safe to run twice: the claim lets only one run send."""
    return str(reminder_send(reminder_id=reminder_id))


def enqueue_sends(reminder_ids: list[int]) -> int:
    """Hand rows to the workers; called after commit. Returns how many were enqueued.

    A broker that is down must not break the web request or the sweep that got here: the rows
    stay pending, and the sweep enqueues them again after REMINDER_REQUEUE_MINUTES.
    """
    for count, reminder_id in enumerate(reminder_ids):
        try:
            send_reminder.delay(reminder_id)
        except (OperationalError, RedisError, OSError) as exc:
            logger.warning(
                "Broker unavailable (%s): %d reminders left pending for the next sweep",
                exc.__class__.__name__,
                len(reminder_ids) - count,
            )
            return count
    return len(reminder_ids)
