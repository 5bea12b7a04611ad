"""The sender: claim one logged row, check it is still due, send its email, mark it."""

import datetime
import logging
from collections.abc import Callable
from email.utils import formataddr
from enum import StrEnum

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from cutover import timeline

from .kinds import KINDS, Due
from .models import ReminderLog, ReminderOptOut
from .optout import unsubscribe_token
from .preferences import preferences_load, teams_instead
from .recipients import Recipient
from .rules import batch_load, schedule
from .teams import TeamsDeliveryError, teams_post, webhook_decrypt
from .teams_announced import ANNOUNCED, teams_announced_card, teams_announced_still_due
from .teams_rules import EVENT_OF_KIND, channels_of, teams_card, teams_still_due
from .timing import due_now

logger = logging.getLogger(__name__)


class Outcome(StrEnum):
    SENT = "sent"
    NOT_CLAIMED = "not claimed"  # another worker has it, or it is done
    CANCELLED = "cancelled"
    RETRY = "retry"
    FAILED = "failed"


def reminder_claim(*, reminder_id: int, now: datetime.datetime) -> bool:
    """Take the row for this worker: true for exactly one caller, however many race for it."""
    return bool(
        ReminderLog.objects.filter(
            Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
            pk=reminder_id,
            status=ReminderLog.Status.PENDING,
            attempts__lt=settings.REMINDER_MAX_ATTEMPTS,
        ).update(status=ReminderLog.Status.SENDING, attempts=F("attempts") + 1, claimed_at=now)
    )


def still_due(reminder: ReminderLog, today: datetime.date) -> tuple[Due, Recipient] | None:
    """The reminder as the rules see it now, with what its email lists, or None if the dates, the
    people, the work left or the day moved on, or the person opted out of an optional email."""
    spec = KINDS.get(reminder.kind)
    if spec is None:
        return None
    if spec.unsubscribable and ReminderOptOut.objects.filter(email=reminder.recipient_email).exists():
        return None
    if reminder.migration_id:
        batch = batch_load(today, [reminder.migration_id], details=True)
    else:
        batch = batch_load(today, [], recipient=reminder.recipient_email, details=True)
    for due in due_now(schedule(batch), today):
        if due.kind == reminder.kind and due.due_date == reminder.due_date:
            for person in due.recipients:
                if person.email == reminder.recipient_email:
                    return None if _now_in_teams(due, person, batch) else (due, person)
    return None


def _now_in_teams(due: Due, person: Recipient, batch) -> bool:
    """The person chose since the row was logged to read this kind in their Teams channel."""
    if due.kind not in EVENT_OF_KIND or not person.user_id:
        return False
    preferences = preferences_load([person.user_id])
    return teams_instead(due=due, person=person, preferences=preferences, channels=channels_of(batch.migrations))


def _finish(reminder_id: int, status: str, **fields) -> None:
    ReminderLog.objects.filter(pk=reminder_id, status=ReminderLog.Status.SENDING).update(status=status, **fields)


def reminder_send(
    *, reminder_id: int, today: datetime.date | None = None, now: datetime.datetime | None = None
) -> Outcome:
    """Claim one row, check it is still due, send it, mark it. Safe to call any number of times."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    if not reminder_claim(reminder_id=reminder_id, now=now):
        return Outcome.NOT_CLAIMED
    reminder = ReminderLog.objects.select_related("migration__practice", "channel").get(pk=reminder_id)
    deliver = _teams_delivery(reminder, today) if reminder.channel_id else _email_delivery(reminder, today)
    if deliver is None:
        _finish(reminder_id, ReminderLog.Status.CANCELLED, note="No longer due: the dates or people changed.")
        logger.info("Reminder %s cancelled: no longer due", reminder_id)
        return Outcome.CANCELLED
    try:
        deliver()
    except Exception as exc:  # any failure of rendering, the mail server or the webhook: try again later
        # A webhook's own words ("answered HTTP 500"); otherwise the class name, never message content.
        error = str(exc) if isinstance(exc, TeamsDeliveryError) else exc.__class__.__name__
        if reminder.attempts >= settings.REMINDER_MAX_ATTEMPTS:
            _finish(reminder_id, ReminderLog.Status.FAILED, note=f"Failed {reminder.attempts} times ({error})."[:200])
            logger.error("Reminder %s failed for the last time (%s)", reminder_id, error)
            return Outcome.FAILED
        wait = settings.REMINDER_RETRY_MINUTES * 2 ** (reminder.attempts - 1)
        _finish(
            reminder_id,
            ReminderLog.Status.PENDING,
            next_attempt_at=now + datetime.timedelta(minutes=wait),
            enqueued_at=None,
            note=f"Attempt {reminder.attempts} failed ({error}); trying again."[:200],
        )
        logger.warning("Reminder %s failed (%s); retrying in %d minutes", reminder_id, error, wait)
        return Outcome.RETRY
    _finish(reminder_id, ReminderLog.Status.SENT, sent_at=timezone.now(), note="")
    logger.info("Reminder %s sent", reminder_id)
    return Outcome.SENT


def _email_delivery(reminder: ReminderLog, today: datetime.date) -> Callable[[], object] | None:
    current = still_due(reminder, today)
    if current is None:
        return None
    due, recipient = current

    def send() -> None:  # rendering too is inside the sender's try: a template error is retried
        reminder_email(reminder=reminder, due=due, recipient=recipient, today=today).send()

    return send


def _teams_delivery(reminder: ReminderLog, today: datetime.date) -> Callable[[], None] | None:
    if reminder.kind in ANNOUNCED:  # logged by the app that saw it happen, not by the reminder rules
        if not teams_announced_still_due(reminder, today):
            return None
        return lambda: teams_post(url=webhook_decrypt(reminder.channel), card=teams_announced_card(reminder=reminder))
    due = teams_still_due(reminder, today)
    if due is None:
        return None

    def send() -> None:
        teams_post(url=webhook_decrypt(reminder.channel), card=teams_card(due=due, today=today))

    return send


def reminder_email(
    *, reminder: ReminderLog, due: Due, recipient: Recipient, today: datetime.date
) -> EmailMultiAlternatives:
    """The email for one row, from its three templates. Dates, names, task titles, counts and a
    link: never anything about a patient."""
    spec = due.spec
    migration = reminder.migration
    unsubscribe_url = None
    if spec.unsubscribable and recipient.outside:
        unsubscribe_url = settings.SITE_URL + reverse("reminder-unsubscribe", args=[unsubscribe_token(recipient.email)])
    context = {
        "reminder": reminder,
        "migration": migration,
        "practice": migration.practice if migration else None,
        "recipient": recipient,
        "about": due.about,
        "today": today,
        "days_left": (due.about - today).days,  # from the day it goes, which may be a late catch-up
        "details": due.details,
        "switch_off_window": timeline.switch_off_window(migration.fdp_date) if migration else None,
        # Outside contacts cannot sign in, so a link into the app would only show them the sign-in page.
        "link": "" if recipient.outside else spec.link(reminder),
        "site_url": settings.SITE_URL,
        "unsubscribe_url": unsubscribe_url,
    }
    base = f"reminders/emails/{reminder.kind}"
    subject = " ".join(render_to_string(f"{base}_subject.txt", context).split())
    headers = {"Auto-Submitted": "auto-generated", "X-Cutover-Reminder": str(reminder.pk)}
    if unsubscribe_url:
        # RFC 8058: mail programs show their own "unsubscribe" button, which POSTs to the link.
        headers["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"{base}.txt", context),
        to=[formataddr((recipient.name, recipient.email)) if recipient.name else recipient.email],
        headers=headers,
    )
    message.attach_alternative(render_to_string(f"{base}.html", context), "text/html")
    return message
