"""Fixtures for signing in, two-factor authentication, sessions and password resets."""

import pytest
from django.urls import reverse

# The browser fixtures live beside the other browser tests; the account pages' browser tests use them too.
from ..browser.conftest import assert_accessible, browser_context_args, browser_type_launch_args, sign_in  # noqa: F401
from ..factories import OrganisationMembershipFactory, UserFactory


@pytest.fixture
def ask_for_reset(client, django_capture_on_commit_callbacks, monkeypatch):
    """Asks for a password reset on the page, then runs its email job as a worker would."""
    from accounts import jobs

    monkeypatch.setattr(jobs.send_password_reset, "delay", jobs.send_password_reset)  # run here and now

    def ask(email: str, **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(reverse("account_reset_password"), {"email": email}, **extra)

    return ask


@pytest.fixture
def icb_user_without_mfa(practice):
    return OrganisationMembershipFactory(organisation=practice.icb, user=UserFactory(email="new@icb.example")).user
