"""Receivers that end sessions when credentials change, and start the session clocks at sign-in."""

import axes.utils
from allauth.account.signals import password_changed, password_reset, password_set
from allauth.mfa.signals import authenticator_added, authenticator_removed, authenticator_reset
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils import timezone

from .lockout import lockout_username
from .mfa_session import check_at_sign_in, forget_second_factor
from .sessions import session_signed_in, user_sessions_end


@receiver(user_logged_in, dispatch_uid="accounts_session_start")
def start_session_clocks(sender, request, user, **kwargs):
    if request is not None:
        session_signed_in(session=request.session, now=timezone.now())
        check_at_sign_in(session=request.session, user=user)


@receiver(password_changed, dispatch_uid="accounts_end_sessions_on_password_change")
@receiver(password_set, dispatch_uid="accounts_end_sessions_on_password_set")
@receiver(authenticator_added, dispatch_uid="accounts_end_sessions_on_mfa_added")
@receiver(authenticator_removed, dispatch_uid="accounts_end_sessions_on_mfa_removed")
@receiver(authenticator_reset, dispatch_uid="accounts_end_sessions_on_mfa_reset")
def end_other_sessions_on_credential_change(sender, request, user, **kwargs):
    # A changed password already fails Django's session hash check; MFA changes do not, so
    # every other session is ended outright and disappears from the session list.
    user_sessions_end(user=user, except_session_key=request.session.session_key)
    # This session may have kept "has a second factor" (mfa_session.py): ask the database again.
    forget_second_factor(session=request.session)


@receiver(password_reset, dispatch_uid="accounts_after_password_reset")
def after_password_reset(sender, request, user, **kwargs):
    # The person proved they hold the mailbox: end every session and lift a lockout on the address.
    user_sessions_end(user=user)
    axes.utils.reset(username=lockout_username(request, {"email": user.email}))
