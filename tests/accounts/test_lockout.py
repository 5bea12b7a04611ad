"""Login throttling: repeated failures lock the email address and IP pair for a while."""

import datetime as dt

import pytest
import time_machine
from axes.models import AccessAttempt
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from ..factories import PASSWORD
from .helpers import is_signed_in, reset_link, sign_in_via_pages

pytestmark = pytest.mark.django_db

WRONG = "not-the-password-at-all"


def fail(client, email, times, ip="10.0.0.1"):
    for _ in range(times):
        response = sign_in_via_pages(client, email, WRONG, ip=ip)
    return response


def test_four_failures_still_allow_the_right_password(client, manager):
    response = fail(client, manager.email, 4)
    assert response.status_code == 200
    assert "not correct" in response.content.decode()
    sign_in_via_pages(client, manager.email, PASSWORD)
    assert is_signed_in(client)


def test_five_failures_lock_the_address_even_for_the_right_password(client, manager):
    fail(client, manager.email, 5)
    response = sign_in_via_pages(client, manager.email, PASSWORD)
    assert response.status_code == 429
    assert not is_signed_in(client)


def test_the_lockout_is_explained_on_the_sign_in_page(client, manager):
    response = fail(client, manager.email, 5)
    assert response.status_code == 429
    page = response.content.decode()
    assert "Sign-in is paused for this email address" in page
    assert "for 15 minutes" in page
    assert reverse("account_reset_password") in page
    # Still the sign-in page, with its form, inside the site's layout.
    assert 'name="login"' in page and 'name="password"' in page
    assert "Skip to main content" in page


def test_the_address_counts_whatever_its_case_or_spaces(client, manager):
    for variant in ["Manager@Riverside.example", " manager@riverside.example", "MANAGER@RIVERSIDE.EXAMPLE"] * 2:
        sign_in_via_pages(client, variant, WRONG)
    assert sign_in_via_pages(client, manager.email, PASSWORD).status_code == 429


def test_the_lock_holds_only_the_pair_of_address_and_ip(client, manager, staff):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        fail(client, manager.email, 5, ip="10.0.0.1")
        # Someone else at the same address can still sign in.
        assert sign_in_via_pages(client, staff.email, PASSWORD, ip="10.0.0.1").status_code == 302
        client.post(reverse("account_logout"))
        # The same person elsewhere waits out allauth's few minutes (below), then gets in; the pair
        # stays locked for the whole cool-off.
        traveller.shift(dt.timedelta(minutes=6))
        assert sign_in_via_pages(client, manager.email, PASSWORD, ip="10.0.0.1").status_code == 429
        assert sign_in_via_pages(client, manager.email, PASSWORD, ip="10.9.9.9").status_code == 302


def test_failures_from_many_networks_pause_the_address_everywhere_for_a_few_minutes(client, manager):
    """allauth's per-address limit: a guesser who changes network for every try is still stopped."""
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        for n in range(5):
            fail(client, manager.email, 1, ip=f"10.0.0.{n + 1}")
        response = sign_in_via_pages(client, manager.email, PASSWORD, ip="10.9.9.9")
        assert response.status_code == 429
        page = response.content.decode()
        assert "Sign-in is paused for this email address" in page and "for a few minutes" in page
        assert not is_signed_in(client)
        traveller.shift(dt.timedelta(minutes=6))
        assert sign_in_via_pages(client, manager.email, PASSWORD, ip="10.9.9.9").status_code == 302


def test_unknown_addresses_are_locked_the_same_way(client, db):
    fail(client, "nobody@nowhere.example", 5)
    response = sign_in_via_pages(client, "nobody@nowhere.example", WRONG)
    assert response.status_code == 429


def test_the_lock_lifts_after_the_cool_off(client, manager):
    with time_machine.travel(dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC), tick=False) as traveller:
        fail(client, manager.email, 5)
        traveller.shift(dt.timedelta(minutes=14))
        assert sign_in_via_pages(client, manager.email, PASSWORD).status_code == 429
        traveller.shift(dt.timedelta(minutes=16))
        assert sign_in_via_pages(client, manager.email, PASSWORD).status_code == 302
        assert is_signed_in(client)


def test_the_limit_and_the_cool_off_are_settings(client, manager, settings):
    settings.AXES_FAILURE_LIMIT = 2
    settings.AXES_COOLOFF_TIME = dt.timedelta(minutes=45)
    response = fail(client, manager.email, 2)
    assert response.status_code == 429
    assert "for 45 minutes" in response.content.decode()


def test_a_successful_sign_in_clears_earlier_failures(client, manager):
    # Past allauth's few minutes, so only the Axes count (which a success clears) could lock.
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        fail(client, manager.email, 4)
        sign_in_via_pages(client, manager.email, PASSWORD)
        client.post(reverse("account_logout"))
        traveller.shift(dt.timedelta(minutes=6))
        fail(client, manager.email, 4)
        assert sign_in_via_pages(client, manager.email, PASSWORD).status_code == 302


def test_an_administrator_unlocks_with_the_management_command(client, manager):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        fail(client, manager.email, 5)
        traveller.shift(dt.timedelta(minutes=6))  # allauth's pause is over; the Axes lock holds
        assert sign_in_via_pages(client, manager.email, PASSWORD).status_code == 429
        call_command("axes_reset_username", manager.email)
        assert sign_in_via_pages(client, manager.email, PASSWORD).status_code == 302


def test_an_administrator_unlocks_in_the_admin(client, manager, superuser):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        fail(client, manager.email, 5)
        traveller.shift(dt.timedelta(minutes=6))  # allauth's pause is over; the Axes lock holds
        attempt = AccessAttempt.objects.get(username=manager.email)

        admin_client = type(client)()
        admin_client.force_login(superuser)
        changelist = admin_client.get(reverse("admin:axes_accessattempt_changelist"))
        assert manager.email in changelist.content.decode()
        response = admin_client.post(reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"})
        assert response.status_code == 302

        assert not AccessAttempt.objects.exists()
        assert sign_in_via_pages(client, manager.email, PASSWORD).status_code == 302


def test_resetting_the_password_lifts_the_lock(client, manager, ask_for_reset):
    fail(client, manager.email, 5)
    ask_for_reset(manager.email)
    link = reset_link(mail.outbox[-1])
    form_url = client.get(link).url
    client.post(form_url, {"password1": "a-brand-new-password-7", "password2": "a-brand-new-password-7"})
    assert sign_in_via_pages(client, manager.email, "a-brand-new-password-7").status_code == 302
