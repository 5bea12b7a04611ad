from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, resolve_url
from django.utils import timezone
from django_htmx.http import HttpResponseClientRedirect

from .mfa_session import mfa_setup_needed_for_request
from .sessions import expiry_message, session_expiry, session_touch

# What someone who still has to set up MFA may reach: signing out and the set-up itself.
MFA_SETUP_URL_NAMES = frozenset(
    {
        "logout",
        "account_logout",
        "account_reauthenticate",
        "mfa_reauthenticate",
        "mfa_index",
        "mfa_activate_totp",
        "mfa_view_recovery_codes",
        "mfa_download_recovery_codes",
        "mfa_generate_recovery_codes",
        "health",
    }
)


def _redirect(request, url: str):
    # An htmx request would otherwise swap a whole page into a fragment.
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(url)
    return redirect(url)


class SessionTimeoutMiddleware:
    """Signs people out after SESSION_IDLE_TIMEOUT without a request, or SESSION_ABSOLUTE_LIFETIME in all."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = timezone.now()
            expiry = session_expiry(session=request.session, now=now)
            if expiry is not None:
                logout(request)
                messages.info(request, expiry_message(expiry))
                next_path = request.get_full_path() if request.method == "GET" and not request.htmx else None
                if next_path:
                    return redirect_to_login(next_path)
                return _redirect(request, resolve_url(settings.LOGIN_URL))
            session_touch(session=request.session, now=now)
        return self.get_response(request)


class MfaRequiredMiddleware:
    """Sends anyone who must use MFA but has not set it up to the set-up page, whatever they asked for.

    This covers the Django admin too, as its staff and superusers must use MFA.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is not None and match.url_name in MFA_SETUP_URL_NAMES:
            return None
        if not mfa_setup_needed_for_request(request):
            return None
        return _redirect(request, resolve_url("mfa_activate_totp"))
