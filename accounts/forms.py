from functools import partial

from allauth.account.adapter import get_adapter
from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import ResetPasswordForm as AllauthResetPasswordForm
from allauth.mfa.base.forms import AuthenticateForm as AllauthAuthenticateForm
from allauth.mfa.base.forms import ReauthenticateForm as AllauthReauthenticateForm
from allauth.mfa.totp.forms import ActivateTOTPForm as AllauthActivateTOTPForm
from django.db import transaction

from .passwords import password_reset_enqueue


class PlainLabelsMixin:
    """allauth's forms, labelled the way the rest of the product speaks."""

    labels: dict[str, str] = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.label = self.labels.get(name, field.label)
            # Placeholders repeat the label and vanish once typing starts.
            field.widget.attrs.pop("placeholder", None)


class LoginForm(PlainLabelsMixin, AllauthLoginForm):
    labels = {"login": "Email address"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password"].help_text = ""  # the page has its own reset link, under the button


class AuthenticateForm(PlainLabelsMixin, AllauthAuthenticateForm):
    labels = {"code": "Authenticator or recovery code"}


class ReauthenticateForm(PlainLabelsMixin, AllauthReauthenticateForm):
    labels = {"code": "Authenticator or recovery code"}


class ActivateTOTPForm(PlainLabelsMixin, AllauthActivateTOTPForm):
    labels = {"code": "Authenticator code"}


class ResetPasswordForm(PlainLabelsMixin, AllauthResetPasswordForm):
    """Asks for a reset link without looking the address up (accounts/passwords.py says why)."""

    labels = {"email": "Email address"}

    def clean_email(self) -> str:
        return get_adapter().clean_email(self.cleaned_data["email"].strip().lower())

    def save(self, request, **kwargs) -> str:
        email = self.cleaned_data["email"]
        transaction.on_commit(partial(password_reset_enqueue, email=email))
        return email
