"""Personal API tokens: made on the account page, shown once, kept hashed, expiring, revocable."""

import datetime

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from api.models import ApiToken
from api.tokens import TokenRefused, token_create, token_digest

from ..factories import OrganisationMembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
MIGRATIONS = "/api/v1/migrations/"


def bearer(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def test_a_manager_creates_a_token_on_the_account_page_and_sees_it_once(client, manager):
    client.force_login(manager)
    response = client.post(reverse("api-tokens"), {"name": "Practice tracker", "days": 90})
    assert response.status_code == 200
    secret = response.context["created"].secret
    assert secret in response.content.decode()
    assert response.headers["Cache-Control"].count("no-store") == 1
    token = ApiToken.objects.get(user=manager)
    # Only a hash is kept, and the list shows the first characters only.
    assert token.digest == token_digest(secret) and secret not in token.digest
    listing = client.get(reverse("api-tokens")).content.decode()
    assert "Practice tracker" in listing and secret not in listing and token.prefix in listing
    assert bearer(secret).get(MIGRATIONS).status_code == 200


def test_a_token_lasts_ninety_days_unless_its_owner_chose_otherwise(manager):
    token = token_create(user=manager, name="Tracker").token
    assert token.expires_at - token.created_at == datetime.timedelta(days=90)
    with pytest.raises(TokenRefused):
        token_create(user=manager, name="Forever", days=5000)


def test_the_account_pages_link_to_the_tokens(client, manager):
    client.force_login(manager)
    assert reverse("api-tokens") in client.get(reverse("email-address")).content.decode()


def test_an_empty_name_is_refused_beside_the_field_and_nothing_is_made(client, manager):
    client.force_login(manager)
    response = client.post(reverse("api-tokens"), {"name": "  ", "days": 90})
    assert response.status_code == 400
    assert "Give the token a name." in response.content.decode()
    assert not ApiToken.objects.exists()


def test_someone_who_must_use_two_factor_authentication_sets_it_up_before_making_a_token(practice):
    icb_user = OrganisationMembershipFactory(organisation=practice.icb, user=UserFactory()).user
    with pytest.raises(TokenRefused, match="two-factor"):
        token_create(user=icb_user, name="Power BI")
    assert not ApiToken.objects.exists()


def test_a_token_stops_working_when_its_owner_no_longer_has_two_factor_authentication(icb_user):
    secret = token_create(user=icb_user, name="Power BI").secret
    icb_user.authenticator_set.all().delete()
    response = bearer(secret).get(MIGRATIONS)
    assert response.status_code == 401
    assert "two-factor" in response.json()["detail"]


def test_a_token_past_its_expiry_gets_401(manager, suite_clock):
    secret = token_create(user=manager, name="Tracker", days=30).secret
    assert bearer(secret).get(MIGRATIONS).status_code == 200
    suite_clock.shift(datetime.timedelta(days=30, seconds=1))
    response = bearer(secret).get(MIGRATIONS)
    assert response.status_code == 401
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["detail"].startswith("This token has expired.")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_token_gets_401_at_once(client, manager):
    created = token_create(user=manager, name="Tracker")
    client.force_login(manager)
    response = client.post(reverse("api-token-revoke", args=[created.token.pk]), follow=True)
    assert "is revoked" in response.content.decode()
    answer = bearer(created.secret).get(MIGRATIONS)
    assert answer.status_code == 401
    assert answer.json()["detail"].startswith("This token was revoked.")


def test_nobody_can_revoke_another_persons_token(client, manager, staff):
    created = token_create(user=manager, name="Tracker")
    client.force_login(staff)
    assert client.post(reverse("api-token-revoke", args=[created.token.pk])).status_code == 404
    assert bearer(created.secret).get(MIGRATIONS).status_code == 200


@pytest.mark.parametrize("header", ["Bearer cc_not-a-real-token", "Bearer", "Bearer a b", "Token x"])
def test_a_made_up_or_malformed_token_gets_401(header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    assert client.get(MIGRATIONS).status_code == 401


def test_using_a_token_shows_when_it_was_last_used(manager):
    created = token_create(user=manager, name="Tracker")
    assert created.token.last_used_at is None
    bearer(created.secret).get(MIGRATIONS)
    created.token.refresh_from_db()
    assert created.token.last_used_at is not None


def test_each_token_is_throttled_in_the_shared_cache(manager, settings):
    settings.API_RATE = "3/minute"
    first, second = (bearer(token_create(user=manager, name=name).secret) for name in ("One", "Two"))
    assert [first.get(MIGRATIONS).status_code for _ in range(4)] == [200, 200, 200, 429]
    refused = first.get(MIGRATIONS)
    assert refused.json()["title"] == "Too many requests" and "Retry-After" in refused.headers
    assert second.get(MIGRATIONS).status_code == 200  # another token counts on its own


@pytest.mark.redis
def test_the_throttle_counts_in_redis_so_every_process_shares_it(manager, settings, redis_url):
    """With REDIS_URL the count lives in Redis: a process that starts afresh (a new cache connection
    here) still sees the requests the others counted."""
    import uuid

    from django.core.cache import caches

    prefix = f"api-throttle-test-{uuid.uuid4().hex}"
    settings.CACHES = {
        **settings.CACHES,  # the plan pages' cache stays (tests/conftest.py clears it after each test)
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": prefix,
        },
    }
    settings.API_RATE = "2/minute"
    client = bearer(token_create(user=manager, name="Tracker").secret)
    try:
        assert [client.get(MIGRATIONS).status_code for _ in range(2)] == [200, 200]
        caches.close_all()
        del caches["default"]  # the next request opens a new connection, as another process would
        assert client.get(MIGRATIONS).status_code == 429
    finally:
        caches["default"].clear()
