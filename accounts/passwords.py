"""Password reset emails, sent by a Celery job (accounts/jobs.py) after the response.

The reset page never looks the address up: it enqueues the address and answers, so it takes the
same time and shows the same page whether or not anyone has that address. The job finds the
account, makes the one-time link and sends it; for an address nobody has it sends nothing.
"""

import logging
import smtplib
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from allauth.account.adapter import get_adapter
from allauth.account.forms import default_token_generator
from allauth.account.internal.userkit import filter_users_by_email
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.urls import reverse
from kombu.exceptions import OperationalError
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Site:
    """What allauth's email templates call current_site; a job has no request to build it from."""

    name: str
    domain: str


def password_reset_url(key: str) -> str:
    # allauth takes one opaque key ("<uid>-<token>") in a path with two parts; see its flows.password_reset.
    path = reverse("account_reset_password_from_key", kwargs={"uidb36": "UID", "key": "KEY"})
    return settings.SITE_URL + path.replace("UID-KEY", quote(key))


def password_reset_send(*, email: str) -> int:
    """Email a reset link to each active account with this address; returns how many were sent."""
    adapter = get_adapter()
    sent = 0
    for user in filter_users_by_email(email, is_active=True, prefer_verified=True, for_login=True):
        uid = user_pk_to_url_str(user)
        token = default_token_generator.make_token(user)
        context = {
            "user": user,
            "email": email,
            "uid": uid,
            "key": token,
            "password_reset_url": password_reset_url(f"{uid}-{token}"),
            "current_site": _Site(name="Cutover Coordinator", domain=urlsplit(settings.SITE_URL).netloc),
        }
        message = adapter.render_mail("account/email/password_reset_key", email, context)
        try:
            message.send()
        except (smtplib.SMTPException, OSError) as exc:
            # Asking again sends a new link; nothing is lost by not retrying a link that may expire.
            logger.warning("Password reset email could not be sent (%s)", exc.__class__.__name__)
            continue
        sent += 1
    return sent


def password_reset_enqueue(*, email: str) -> None:
    """Hand the address to a worker; called after commit, so never inside the request's transaction.

    A broker that is down must not turn the page into an error page or make it look different:
    the person sees the usual page and can ask again.
    """
    from .jobs import send_password_reset

    try:
        send_password_reset.delay(email)
    except (OperationalError, RedisError, OSError) as exc:
        logger.warning("Broker unavailable (%s): a password reset email was not queued", exc.__class__.__name__)
