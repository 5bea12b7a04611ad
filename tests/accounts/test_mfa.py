"""Two-factor authentication: required for ICB, delivery-partner and admin users, optional for practices."""

import datetime as dt

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from django.urls import reverse

from accounts.policy import mfa_required_for
from practices.models import User

from ..factories import (
    PASSWORD,
    DeliveryPartnerFactory,
    OrganisationMembershipFactory,
    UserFactory,
    enable_totp,
    totp_code,
)
from .helpers import is_signed_in, sign_in_via_pages

pytestmark = pytest.mark.django_db

SETUP_URL = reverse("mfa_activate_totp")


@pytest.fixture
def partner_user_without_mfa(practice):
    return OrganisationMembershipFactory(
        organisation=practice.delivery_partner, user=UserFactory(email="new@csu.example")
    ).user


@pytest.fixture
def superuser_without_mfa(db):
    return UserFactory(email="root@cutover.example", is_staff=True, is_superuser=True)


@pytest.fixture
def staff_admin_without_mfa(db):
    return UserFactory(email="helpdesk@cutover.example", is_staff=True)


@pytest.mark.parametrize(
    ("who", "required"),
    [
        ("manager", False),
        ("staff", False),
        ("it_lead", False),
        ("icb_user_without_mfa", True),
        ("partner_user_without_mfa", True),
        ("superuser_without_mfa", True),
        ("staff_admin_without_mfa", True),
    ],
)
def test_who_must_use_mfa(request, client, who, required):
    user = request.getfixturevalue(who)
    assert mfa_required_for(user) is required
    client.force_login(user)
    response = client.get(reverse("migration-list"))
    if required:
        assert response.status_code == 302
        assert response.url == SETUP_URL
    else:
        assert response.status_code == 200


def test_a_setting_makes_mfa_required_for_everyone(client, manager, settings):
    settings.MFA_REQUIRED_FOR_ALL = True
    client.force_login(manager)
    response = client.get(reverse("migration-list"))
    assert response.status_code == 302
    assert response.url == SETUP_URL


def test_once_set_up_the_required_user_gets_in(client, icb_user_without_mfa, migration):
    enable_totp(icb_user_without_mfa)
    client.force_login(icb_user_without_mfa)
    assert client.get(reverse("migration-detail", args=[migration.pk])).status_code == 200


def test_every_page_leads_to_the_set_up_until_it_is_done(client, icb_user_without_mfa, migration):
    client.force_login(icb_user_without_mfa)
    for url in [
        reverse("migration-detail", args=[migration.pk]),
        reverse("migration-create"),
        reverse("usersessions_list"),
        reverse("account_change_password"),
        reverse("email-address"),
        "/admin/",
    ]:
        response = client.get(url)
        assert (response.status_code, response.url) == (302, SETUP_URL), url
    # Writes are turned away the same way, and change nothing.
    response = client.post(reverse("migration-edit", args=[migration.pk]), {"fdp_date": "2030-01-01"})
    assert (response.status_code, response.url) == (302, SETUP_URL)


def test_an_htmx_request_is_sent_to_the_set_up_as_a_whole_page(client, icb_user_without_mfa):
    client.force_login(icb_user_without_mfa)
    response = client.get(reverse("migration-list"), headers={"HX-Request": "true"})
    assert response.headers["HX-Redirect"] == SETUP_URL


def test_signing_out_and_the_set_up_pages_stay_open(client, icb_user_without_mfa):
    sign_in_via_pages(client, icb_user_without_mfa.email, PASSWORD)
    response = client.get(SETUP_URL)
    assert response.status_code == 200
    assert "Your role needs two-factor authentication" in response.content.decode()
    assert client.get(reverse("mfa_index")).status_code == 200
    assert client.post(reverse("logout")).status_code == 302
    assert not is_signed_in(client)


def test_a_required_user_sets_up_totp_and_then_gets_in(client, icb_user_without_mfa):
    response = sign_in_via_pages(client, icb_user_without_mfa.email, PASSWORD)
    # Signed in with the password alone, the first thing they see is the set-up.
    assert client.get(response.url).url == SETUP_URL
    client.get(SETUP_URL)
    secret = client.session["mfa.totp.secret"]

    response = client.post(SETUP_URL, {"code": "000000" if totp_code(secret) != "000000" else "111111"})
    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    assert not Authenticator.objects.filter(user=icb_user_without_mfa).exists()

    response = client.post(SETUP_URL, {"code": totp_code(secret)})
    assert response.url == reverse("mfa_view_recovery_codes")
    codes_page = client.get(response.url).content.decode()
    assert "Recovery codes" in codes_page
    assert set(Authenticator.objects.filter(user=icb_user_without_mfa).values_list("type", flat=True)) == {
        Authenticator.Type.TOTP,
        Authenticator.Type.RECOVERY_CODES,
    }
    assert is_signed_in(client)


def test_signing_in_with_mfa_needs_the_code(client, icb_user):
    response = client.post(reverse("account_login"), {"login": icb_user.email, "password": PASSWORD})
    assert response.url == reverse("mfa_authenticate")
    # The password alone does not sign anyone in.
    assert not is_signed_in(client)

    response = client.post(reverse("mfa_authenticate"), {"code": "12345"})
    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    assert not is_signed_in(client)

    response = client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    assert response.status_code == 302
    assert is_signed_in(client)


def test_a_recovery_code_signs_in_once(client, icb_user):
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    code = RecoveryCodes.activate(icb_user).get_unused_codes()[0]
    assert sign_in_via_pages(client, icb_user.email, PASSWORD, code=code).status_code == 302
    assert is_signed_in(client)
    client.post(reverse("account_logout"))
    response = sign_in_via_pages(client, icb_user.email, PASSWORD, code=code)
    assert response.status_code == 200
    assert not is_signed_in(client)


def test_a_required_user_cannot_turn_mfa_off(client, icb_user):
    sign_in_via_pages(client, icb_user.email, PASSWORD)
    assert "Turn off" not in client.get(reverse("mfa_index")).content.decode()
    response = client.post(reverse("mfa_deactivate_totp"))
    assert "cannot be turned off" in response.content.decode()
    assert Authenticator.objects.filter(user=icb_user, type=Authenticator.Type.TOTP).exists()


def test_a_practice_user_may_turn_it_on_and_off(client, manager):
    sign_in_via_pages(client, manager.email, PASSWORD)
    client.get(SETUP_URL)
    client.post(SETUP_URL, {"code": totp_code(client.session["mfa.totp.secret"])})
    assert Authenticator.objects.filter(user=manager, type=Authenticator.Type.TOTP).exists()
    assert "Turn off" in client.get(reverse("mfa_index")).content.decode()

    response = client.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=manager, type=Authenticator.Type.TOTP).exists()
    assert is_signed_in(client)


def test_joining_an_organisation_makes_mfa_required(client, manager):
    client.force_login(manager)
    assert is_signed_in(client)
    OrganisationMembershipFactory(user=manager, organisation=DeliveryPartnerFactory())
    assert client.get(reverse("migration-list")).url == SETUP_URL


def test_the_admin_sign_in_goes_through_the_site_sign_in(client, superuser):
    response = client.get(reverse("admin:login") + "?next=/admin/")
    assert response.status_code == 302
    assert response.url == reverse("login") + "?next=%2Fadmin%2F"
    # An admin with MFA signs in with the code, then reaches the admin.
    sign_in_via_pages(client, superuser.email, PASSWORD)
    assert client.get("/admin/").status_code == 200


def test_a_non_staff_user_is_refused_the_admin_sign_in(client, manager):
    client.force_login(manager)
    assert client.get(reverse("admin:login")).status_code == 403


def test_there_is_no_open_sign_up(client, db):
    response = client.post(
        reverse("account_signup"),
        {"email": "someone@example.org", "password1": "a-long-test-password-1", "password2": "a-long-test-password-1"},
    )
    assert response.status_code == 200
    assert not User.objects.filter(email="someone@example.org").exists()
    assert reverse("account_signup") not in client.get(reverse("login")).content.decode()


def test_changing_mfa_later_in_a_session_asks_for_the_password_again(client, manager):
    with time_machine.travel(dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC), tick=False) as traveller:
        sign_in_via_pages(client, manager.email, PASSWORD)
        assert client.get(SETUP_URL).status_code == 200
        traveller.shift(dt.timedelta(minutes=10))
        response = client.get(SETUP_URL)
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_reauthenticate"))


def _mfa_queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return response, [q["sql"] for q in queries.captured_queries if "mfa_authenticator" in q["sql"]]


def test_once_signed_in_with_a_second_factor_pages_do_not_ask_for_it_again(client, icb_user, migration):
    client.force_login(icb_user)
    url = reverse("migration-list")
    for _ in range(2):
        response, asked = _mfa_queries(client, url)
        assert response.status_code == 200 and asked == []


def test_a_session_older_than_the_kept_answer_asks_once_then_keeps_it(client, icb_user, migration):
    client.force_login(icb_user)
    session = client.session
    del session["accounts.mfa_factor_checked_at"]
    session.save()
    url = reverse("migration-list")
    response, first = _mfa_queries(client, url)
    assert response.status_code == 200 and len(first) == 1
    response, later = _mfa_queries(client, url)
    assert response.status_code == 200 and later == []


def test_an_authenticator_removed_outside_the_session_is_noticed_within_minutes(client, icb_user, migration):
    with time_machine.travel(dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC), tick=False) as traveller:
        client.force_login(icb_user)
        assert client.get(reverse("migration-list")).status_code == 200
        # Removed by someone in the Django admin: no allauth signal reaches this session.
        Authenticator.objects.filter(user=icb_user).delete()
        traveller.shift(dt.timedelta(minutes=6))
        assert client.get(reverse("migration-list")).url == SETUP_URL


def test_a_practice_user_who_turned_mfa_off_is_asked_again_on_joining_an_organisation(client, manager):
    sign_in_via_pages(client, manager.email, PASSWORD)
    client.get(SETUP_URL)
    client.post(SETUP_URL, {"code": totp_code(client.session["mfa.totp.secret"])})
    assert client.get(reverse("migration-list")).status_code == 200  # the session now knows the factor
    client.post(reverse("mfa_deactivate_totp"))
    OrganisationMembershipFactory(user=manager, organisation=DeliveryPartnerFactory())

    assert client.get(reverse("migration-list")).url == SETUP_URL
