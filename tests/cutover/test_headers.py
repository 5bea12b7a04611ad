"""Security headers: the Content Security Policy, framing and the htmx script's nonce."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def policy(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in header.split(";") if part.strip())}


def test_the_sign_in_page_has_a_strict_policy(client):
    response = client.get(reverse("login"))
    csp = policy(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"


def test_htmx_is_loaded_with_the_responses_nonce(client, manager):
    client.force_login(manager)
    response = client.get(reverse("migration-list"))
    [nonce_source] = [value for value in policy(response)["script-src"] if value.startswith("'nonce-")]
    nonce = nonce_source.removeprefix("'nonce-").removesuffix("'")
    page = response.content.decode()
    assert re.search(rf'<script src="/static/django_htmx/htmx-2\.min\.js" defer nonce="{re.escape(nonce)}">', page)
    # htmx is told not to inject its own <style>, which the policy would refuse.
    assert "&quot;includeIndicatorStyles&quot;:false" in page or '"includeIndicatorStyles":false' in page


def test_each_response_gets_a_new_nonce(client):
    first = policy(client.get(reverse("login")))["script-src"]
    second = policy(client.get(reverse("login")))["script-src"]
    assert first != second


@pytest.mark.parametrize(
    "url",
    ["migration-list", "mfa_index", "usersessions_list", "account_change_password", "email-address"],
)
def test_signed_in_pages_carry_the_policy(client, manager, url):
    client.force_login(manager)
    response = client.get(reverse(url))
    assert response.status_code == 200
    assert policy(response)["default-src"] == ["'self'"]


def test_the_lockout_page_carries_the_policy_too(client, manager, settings):
    settings.AXES_FAILURE_LIMIT = 1
    response = client.post(reverse("account_login"), {"login": manager.email, "password": "wrong-password-x"})
    assert response.status_code == 429
    assert policy(response)["default-src"] == ["'self'"]
