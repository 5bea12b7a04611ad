from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter

from .policy import mfa_required_for


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        # Accounts are made by administrators or by invitation, never by sign-up.
        return False


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
