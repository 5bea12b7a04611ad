"""Hooks that fit django-axes (login throttling) to email sign-in through allauth."""

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from .forms import LoginForm


def lockout_username(request, credentials) -> str | None:
    """The email address tried, normalised, so "Manager@X" and "manager@x " count as one."""
    credentials = credentials or {}
    raw = credentials.get("email") or credentials.get("username") or request.POST.get("login")
    return raw.strip().lower() if raw else None


def client_ip(request) -> str | None:
    # The same address allauth sees, so both honour TRUSTED_PROXY_COUNT behind a proxy.
    try:
        return get_adapter(request).get_client_ip(request)
    except PermissionDenied:
        # A request with no address at all (Django's force_login builds one) is recorded without it.
        return None


def lockout_minutes() -> int:
    return max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))


def lockout_response(request, original_response=None, credentials=None):
    """The sign-in page again, saying why it refuses and what to do, with 429 Too Many Requests."""
    form = LoginForm(request=request, initial={"login": lockout_username(request, credentials) or ""})
    # allauth's limits (AccountAdapter.pre_authenticate) pause sign-in for at most a few minutes,
    # from every network; an Axes lock holds the address and network pair for AXES_COOLOFF_TIME.
    by_rate_limit = getattr(request, "sign_in_paused_by_rate_limit", False)
    return render(
        request,
        "account/login.html",
        {"form": form, "locked_out": True, "lockout_minutes": None if by_rate_limit else lockout_minutes()},
        status=429,
    )
