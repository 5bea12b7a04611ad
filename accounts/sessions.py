"""How long a signed-in session lasts: an idle timeout and an absolute lifetime.

Django's SESSION_COOKIE_AGE is renewed whenever the session is saved, so it cannot bound a session's
whole life; the moments that matter are kept in the session itself.
"""

import datetime as dt
from enum import StrEnum

from django.conf import settings

SIGNED_IN_AT = "trust_signed_in_at"
LAST_SEEN_AT = "trust_last_seen_at"
# Set only by a real sign-in (not when an older session first meets these rules): see the adapter.
FRESH_SIGN_IN_AT = "trust_fresh_sign_in_at"
# Writing the session on every request would cost a query each time; a minute's slack is harmless.
SEEN_RESOLUTION = dt.timedelta(minutes=1)


class Expiry(StrEnum):
    IDLE = "idle"
    ABSOLUTE = "absolute"


def _at(session, key: str) -> dt.datetime | None:
    value = session.get(key)
    return dt.datetime.fromtimestamp(value, tz=dt.UTC) if value is not None else None


def session_start(*, session, now: dt.datetime) -> None:
    session[SIGNED_IN_AT] = session[LAST_SEEN_AT] = now.timestamp()


def session_signed_in(*, session, now: dt.datetime) -> None:
    session_start(session=session, now=now)
    session[FRESH_SIGN_IN_AT] = now.timestamp()


def session_signed_in_within(*, session, now: dt.datetime, seconds: int) -> bool:
    given_at = _at(session, FRESH_SIGN_IN_AT)
    return given_at is not None and now - given_at < dt.timedelta(seconds=seconds)


def session_expiry(*, session, now: dt.datetime) -> Expiry | None:
    """Why this session has ended, or None while it is still live."""
    signed_in_at = _at(session, SIGNED_IN_AT)
    last_seen_at = _at(session, LAST_SEEN_AT)
    if signed_in_at is not None and now - signed_in_at >= settings.SESSION_ABSOLUTE_LIFETIME:
        return Expiry.ABSOLUTE
    if last_seen_at is not None and now - last_seen_at >= settings.SESSION_IDLE_TIMEOUT:
        return Expiry.IDLE
    return None


def session_touch(*, session, now: dt.datetime) -> None:
    """Record activity; a session signed in before these rules existed starts its clocks now."""
    if session.get(SIGNED_IN_AT) is None:
        session_start(session=session, now=now)
        return
    last_seen_at = _at(session, LAST_SEEN_AT)
    if last_seen_at is None or now - last_seen_at >= SEEN_RESOLUTION:
        session[LAST_SEEN_AT] = now.timestamp()


def expiry_message(expiry: Expiry) -> str:
    if expiry is Expiry.IDLE:
        minutes = int(settings.SESSION_IDLE_TIMEOUT.total_seconds() // 60)
        return f"You were signed out after {minutes} minutes without activity. Sign in again to carry on."
    hours = int(settings.SESSION_ABSOLUTE_LIFETIME.total_seconds() // 3600)
    return f"You were signed out because you had been signed in for {hours} hours. Sign in again to carry on."


def user_sessions_end(*, user, except_session_key: str | None = None) -> int:
    """End every session of this person (but the one they are using, if given); returns how many."""
    from allauth.usersessions.models import UserSession

    ended = 0
    for user_session in UserSession.objects.filter(user=user).exclude(session_key=except_session_key or ""):
        user_session.end()
        ended += 1
    return ended
