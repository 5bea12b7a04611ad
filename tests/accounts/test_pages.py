"""Who reaches each sign-in and account page, and with which methods."""

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from .helpers import is_signed_in

pytestmark = pytest.mark.django_db

ACCOUNT_PAGES = [
    "mfa_index",
    "mfa_activate_totp",
    "mfa_deactivate_totp",
    "mfa_view_recovery_codes",
    "mfa_download_recovery_codes",
    "mfa_generate_recovery_codes",
    "mfa_reauthenticate",
    "usersessions_list",
    "account_change_password",
    "account_set_password",
    "account_reauthenticate",
    "email-address",
]
PUBLIC_PAGES = [
    "login",
    "account_reset_password",
    "account_reset_password_done",
    "account_reset_password_from_key_done",
    "account_signup",
    "account_inactive",
]


@pytest.mark.parametrize("name", ACCOUNT_PAGES)
def test_account_pages_send_anonymous_people_to_sign_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_sign_in_and_reset_pages_are_open_to_anyone(client, name):
    assert client.get(reverse(name)).status_code == 200


def test_the_code_step_needs_a_password_first(client):
    response = client.get(reverse("mfa_authenticate"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("mfa_index", 200),
        ("mfa_activate_totp", 200),
        ("usersessions_list", 200),
        ("account_change_password", 200),
        ("email-address", 200),
        # Nothing to show or turn off before MFA is set up.
        ("mfa_deactivate_totp", 404),
        ("mfa_view_recovery_codes", 404),
    ],
)
def test_a_practice_user_reaches_their_own_account_pages(client, manager, name, status):
    client.force_login(manager)
    assert client.get(reverse(name)).status_code == status


def test_the_email_page_says_who_can_change_the_address(client, manager):
    client.force_login(manager)
    page = client.get(reverse("email-address")).content.decode()
    assert manager.email in page
    assert "only an administrator can change it" in page


def test_nobody_can_swap_their_sign_in_address_themselves(client, manager):
    client.force_login(manager)
    response = client.post(reverse("account_email"), {"action_add": "", "email": "mine@elsewhere.example"})
    assert response.status_code == 405
    assert not EmailAddress.objects.filter(email="mine@elsewhere.example").exists()
    manager.refresh_from_db()
    assert manager.email == "manager@riverside.example"


@pytest.mark.parametrize(("method", "name"), [("put", "login"), ("delete", "logout"), ("put", "usersessions_list")])
def test_wrong_methods_are_refused(client, manager, method, name):
    client.force_login(manager)
    assert getattr(client, method)(reverse(name)).status_code == 405


def test_signing_out_needs_a_post(client, manager):
    client.force_login(manager)
    response = client.get(reverse("logout"))
    assert response.status_code == 200
    assert "Sign out of Cutover Coordinator on this device?" in response.content.decode()
    assert is_signed_in(client)
    response = client.post(reverse("logout"))
    assert response.url == reverse("login")
    assert not is_signed_in(client)


def test_signing_in_again_when_signed_in_goes_to_the_home_of_their_role(client, manager):
    client.force_login(manager)
    response = client.get(reverse("login"))
    assert response.status_code == 302
    assert response.url == reverse("home")
    assert client.get(response.url).url == reverse("migration-list")


def test_the_mfa_check_costs_one_query_and_the_session_clocks_none(
    client, manager, migration, django_assert_num_queries
):
    client.force_login(manager)
    client.get(reverse("migration-list"))
    # Session, user, the MFA check, then the page's own three (may they create, the migrations with
    # their plan progress, their RAG).
    with django_assert_num_queries(6):
        assert client.get(reverse("migration-list")).status_code == 200
