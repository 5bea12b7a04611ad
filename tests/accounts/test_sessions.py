"""Session lifetimes, the session list, and sessions ending when credentials change."""

import datetime as dt

import pytest
import time_machine
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.usersessions.models import UserSession
from django.contrib.messages import get_messages
from django.core import mail
from django.test import Client
from django.urls import reverse

from ..factories import PASSWORD, enable_totp, totp_code
from .helpers import is_signed_in, reset_link, sign_in_via_pages

pytestmark = pytest.mark.django_db

NINE_AM = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)
NEW_PASSWORD = "a-brand-new-password-7"


@pytest.fixture
def clock():
    with time_machine.travel(NINE_AM, tick=False) as traveller:
        yield traveller


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_a_session_ends_after_thirty_minutes_without_activity(client, manager, clock):
    sign_in_via_pages(client, manager.email, PASSWORD)
    clock.shift(dt.timedelta(minutes=29))
    assert is_signed_in(client)
    clock.shift(dt.timedelta(minutes=29, seconds=59))
    assert is_signed_in(client)  # activity a minute ago keeps it open
    clock.shift(dt.timedelta(minutes=30))
    response = client.get(reverse("migration-list"))
    assert response.status_code == 302
    assert response.url == reverse("login") + "?next=/migrations/"
    assert messages_of(response) == [
        "You were signed out after 30 minutes without activity. Sign in again to carry on."
    ]
    assert not is_signed_in(client)


def test_a_session_ends_after_twelve_hours_however_busy(client, manager, clock):
    sign_in_via_pages(client, manager.email, PASSWORD)
    for _ in range(35):  # a request every 20 minutes for 11 hours 40 minutes
        clock.shift(dt.timedelta(minutes=20))
        assert is_signed_in(client)
    clock.shift(dt.timedelta(minutes=20))
    response = client.get(reverse("migration-list"))
    assert response.status_code == 302
    assert "signed in for 12 hours" in messages_of(response)[0]
    assert not is_signed_in(client)


def test_both_lifetimes_are_settings(client, manager, clock, settings):
    settings.SESSION_IDLE_TIMEOUT = dt.timedelta(minutes=5)
    settings.SESSION_ABSOLUTE_LIFETIME = dt.timedelta(minutes=12)
    sign_in_via_pages(client, manager.email, PASSWORD)
    clock.shift(dt.timedelta(minutes=5))
    assert not is_signed_in(client)

    sign_in_via_pages(client, manager.email, PASSWORD)
    for _ in range(3):
        clock.shift(dt.timedelta(minutes=4))
        assert is_signed_in(client) is (_ < 2)


def test_signing_in_again_starts_the_clocks_again(client, manager, clock):
    sign_in_via_pages(client, manager.email, PASSWORD)
    clock.shift(dt.timedelta(hours=1))
    assert not is_signed_in(client)
    sign_in_via_pages(client, manager.email, PASSWORD)
    clock.shift(dt.timedelta(minutes=20))
    assert is_signed_in(client)


def test_an_expired_htmx_request_sends_the_whole_page_to_sign_in(client, manager, clock):
    sign_in_via_pages(client, manager.email, PASSWORD)
    clock.shift(dt.timedelta(minutes=31))
    response = client.get(reverse("migration-list"), headers={"HX-Request": "true"})
    assert response.headers["HX-Redirect"] == reverse("login")


def test_an_expired_post_changes_nothing(client, manager, migration, clock):
    sign_in_via_pages(client, manager.email, PASSWORD)
    clock.shift(dt.timedelta(minutes=31))
    fdp = migration.fdp_date
    response = client.post(reverse("migration-edit", args=[migration.pk]), {"fdp_date": "2030-01-01"})
    assert response.status_code == 302
    assert response.url == reverse("login")
    migration.refresh_from_db()
    assert migration.fdp_date == fdp


def two_browsers(user, second_code=None):
    first, second = Client(HTTP_USER_AGENT="First browser"), Client(HTTP_USER_AGENT="Second browser")
    sign_in_via_pages(first, user.email, PASSWORD)
    # A TOTP code works once, so the second browser of someone with MFA uses a recovery code.
    sign_in_via_pages(second, user.email, PASSWORD, code=second_code, ip="10.0.0.2")
    assert is_signed_in(first) and is_signed_in(second)
    return first, second


def test_people_see_where_they_are_signed_in_and_end_the_others(manager):
    first, second = two_browsers(manager)
    page = first.get(reverse("usersessions_list")).content.decode()
    assert "First browser" in page and "Second browser" in page
    assert "10.0.0.2" in page
    assert page.count('nhsuk-tag--blue">This device') == 1

    response = first.post(reverse("usersessions_list"))
    assert response.status_code == 302
    assert is_signed_in(first)
    assert not is_signed_in(second)
    assert "Second browser" not in first.get(reverse("usersessions_list")).content.decode()


def test_the_session_list_shows_only_your_own(manager, staff):
    first, _ = two_browsers(manager)
    other = Client(HTTP_USER_AGENT="Staff browser")
    sign_in_via_pages(other, staff.email, PASSWORD)
    assert "Staff browser" not in first.get(reverse("usersessions_list")).content.decode()
    first.post(reverse("usersessions_list"))
    assert is_signed_in(other)


def test_changing_the_password_ends_the_other_sessions(manager):
    first, second = two_browsers(manager)
    response = first.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert is_signed_in(first)
    assert not is_signed_in(second)
    assert UserSession.objects.filter(user=manager).count() == 1
    assert mail.outbox[-1].to == [manager.email]  # the owner hears about it


def test_a_wrong_current_password_changes_nothing(manager):
    first, second = two_browsers(manager)
    response = first.post(
        reverse("account_change_password"),
        {"oldpassword": "wrong-password-here", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 200
    assert "Please type your current password" in response.content.decode()
    manager.refresh_from_db()
    assert manager.check_password(PASSWORD)
    assert is_signed_in(second)


# allauth announces these changes once the transaction commits, inside the request: the
# transactional database lets that happen as it does in production.
@pytest.mark.django_db(transaction=True)
def test_turning_on_mfa_ends_the_other_sessions(manager):
    first, second = two_browsers(manager)
    first.get(reverse("mfa_activate_totp"))
    response = first.post(reverse("mfa_activate_totp"), {"code": totp_code(first.session["mfa.totp.secret"])})
    assert response.status_code == 302
    assert is_signed_in(first)
    assert not is_signed_in(second)


@pytest.mark.django_db(transaction=True)
def test_turning_off_mfa_ends_the_other_sessions(manager):
    enable_totp(manager)
    first, second = two_browsers(manager, second_code=RecoveryCodes.activate(manager).get_unused_codes()[0])
    response = first.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 302
    assert is_signed_in(first)
    assert not is_signed_in(second)


@pytest.mark.django_db(transaction=True)
def test_new_recovery_codes_end_the_other_sessions(icb_user):
    first, second = two_browsers(icb_user, second_code=RecoveryCodes.activate(icb_user).get_unused_codes()[0])
    response = first.post(reverse("mfa_generate_recovery_codes"))
    assert response.status_code == 302
    assert is_signed_in(first)
    assert not is_signed_in(second)


def test_the_password_reset_flow(client, manager, ask_for_reset):
    elsewhere = Client()
    sign_in_via_pages(elsewhere, manager.email, PASSWORD)

    response = ask_for_reset("Manager@Riverside.example")
    assert response.url == reverse("account_reset_password_done")
    [message] = mail.outbox
    assert message.to == [manager.email]
    link = reset_link(message)

    form_url = client.get(link).url  # allauth moves the key out of the address bar
    response = client.post(form_url, {"password1": "short", "password2": "short"})
    assert response.status_code == 200
    assert "too short" in response.content.decode()

    response = client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.url == reverse("account_reset_password_from_key_done")
    manager.refresh_from_db()
    assert manager.check_password(NEW_PASSWORD)
    assert not is_signed_in(elsewhere)

    # The link works once.
    client.get(link)
    response = client.get(form_url)
    assert "This reset link does not work" in response.content.decode()
    assert sign_in_via_pages(client, manager.email, NEW_PASSWORD).status_code == 302


def test_a_reset_for_an_unknown_address_looks_the_same_and_sends_nothing(client, db, ask_for_reset):
    response = ask_for_reset("nobody@nowhere.example")
    assert response.url == reverse("account_reset_password_done")
    assert mail.outbox == []


def test_a_reset_while_the_mail_server_is_down_looks_the_same_and_is_logged(
    client, manager, settings, caplog, ask_for_reset
):
    settings.EMAIL_BACKEND = "tests.reminders.failing_backend.EmailBackend"
    response = ask_for_reset(manager.email)
    assert response.status_code == 302 and response.url == reverse("account_reset_password_done")
    assert "Password reset email could not be sent (SMTPServerDisconnected)" in caplog.text


def test_a_reset_link_expires_after_an_hour(client, manager, clock, ask_for_reset):
    ask_for_reset(manager.email)
    link = reset_link(mail.outbox[0])
    clock.shift(dt.timedelta(minutes=61))
    response = client.get(link)
    assert "This reset link does not work" in response.content.decode()
