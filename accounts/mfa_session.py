"""The two-factor check of every request, answered from the session once the user has a second factor.

Having a second factor settles the question whatever the user's role, so that answer is kept in the
session; without one, the role decides and can change at any time (joining an ICB), so it is asked
of the database on each request. The kept answer is dropped when the user removes an authenticator
in this session (allauth's signal; their other sessions are ended by ``signals.py``), and is asked
again after ``RECHECK`` in any case, for an authenticator removed another way (the Django admin).
"""

import datetime as dt

from django.utils import timezone

from .policy import mfa_setup_needed

HAS_FACTOR_CHECKED_AT = "accounts.mfa_factor_checked_at"
RECHECK = dt.timedelta(minutes=5)


def mfa_setup_needed_for_request(request) -> bool:
    if not request.user.is_authenticated:
        return False
    checked_at = request.session.get(HAS_FACTOR_CHECKED_AT)
    now = timezone.now().timestamp()
    if checked_at is not None and 0 <= now - checked_at < RECHECK.total_seconds():
        return False
    return _check(session=request.session, user=request.user)


def check_at_sign_in(*, session, user) -> None:
    """Asked once at sign-in, when the session is saved anyway, so the first page costs nothing."""
    _check(session=session, user=user)


def forget_second_factor(*, session) -> None:
    session.pop(HAS_FACTOR_CHECKED_AT, None)


def _check(*, session, user) -> bool:
    needed, has_factor = mfa_setup_needed(user, with_factor=True)
    if has_factor:
        session[HAS_FACTOR_CHECKED_AT] = timezone.now().timestamp()
    else:
        forget_second_factor(session=session)
    return needed
