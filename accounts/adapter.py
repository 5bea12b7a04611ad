import logging
import smtplib

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context
from allauth.mfa.adapter import DefaultMFAAdapter
from django.core.exceptions import ValidationError
from django.utils import timezone

from .policy import mfa_required_for
from .sessions import session_signed_in_within

logger = logging.getLogger(__name__)


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        # Accounts are made by administrators or by invitation, never by sign-up.
        return False

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        # A password reset says the same whether or not the address is known, so a mail server
        # that is down is logged for the operators rather than shown as an error page.
        try:
            super().send_mail(template_prefix, email, context)
        except (smtplib.SMTPException, OSError) as exc:
            logger.warning("Account email %s could not be sent (%s)", template_prefix, exc.__class__.__name__)

    def pre_authenticate(self, request, **credentials) -> None:
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            # allauth's own limits (failures per IP, and per address from every network) refused the
            # attempt before Axes saw it. The same page as an Axes lockout explains it (lockout.py).
            request.axes_locked_out = True
            request.sign_in_paused_by_rate_limit = True
            raise

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        # allauth asks for the password again before any change to MFA. Straight after signing in (as
        # people sent to the set-up are) it has only just been given, so that sign-in counts.
        required = super().is_reauthentication_required(app=app, **kwargs)
        request = context.request
        if required and app == "allauth.mfa" and request is not None and request.user.is_authenticated:
            return not session_signed_in_within(
                session=request.session, now=timezone.now(), seconds=account_settings.REAUTHENTICATION_TIMEOUT
            )
        return required


class MFAAdapter(DefaultMFAAdapter):
    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "cannot_delete_authenticator": (
            "Your role needs two-factor authentication, so it cannot be turned off. "
            "To move it to a new phone, ask an administrator to reset it."
        ),
        "incorrect_code": "That code is not right. Try the code your authenticator app shows now.",
    }

    def can_delete_authenticator(self, authenticator) -> bool:
        return not mfa_required_for(authenticator.user)
