import datetime as dt

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context
from allauth.mfa.adapter import DefaultMFAAdapter
from django.utils import timezone

from .policy import mfa_required_for
from .sessions import SIGNED_IN_AT


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        # Accounts are made by administrators or by invitation, never by sign-up.
        return False

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        # allauth asks for the password again before any change to MFA. Straight after signing in (as
        # people sent to the set-up are) it has only just been given, so that sign-in counts.
        required = super().is_reauthentication_required(app=app, **kwargs)
        request = context.request
        if required and app == "allauth.mfa" and request is not None and request.user.is_authenticated:
            signed_in_at = request.session.get(SIGNED_IN_AT)
            just_signed_in = signed_in_at is not None and timezone.now() - dt.datetime.fromtimestamp(
                signed_in_at, tz=dt.UTC
            ) < dt.timedelta(seconds=account_settings.REAUTHENTICATION_TIMEOUT)
            if just_signed_in:
                return False
        return required


class MFAAdapter(DefaultMFAAdapter):
    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "cannot_delete_authenticator": (
            "Your role needs two-factor authentication, so it cannot be turned off. "
            "To move it to a new phone, ask an administrator to reset it."
        ),
        "incorrect_code": "That code is not right. Enter the 6 digits your authenticator app shows now.",
    }

    def can_delete_authenticator(self, authenticator) -> bool:
        return not mfa_required_for(authenticator.user)
