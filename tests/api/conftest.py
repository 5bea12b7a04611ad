import pytest
from rest_framework.test import APIClient

from api.tokens import token_create
from tasks.services import plan_create_for_migration


@pytest.fixture
def plan(migration):
    return plan_create_for_migration(migration=migration)


def client_for(user) -> APIClient:
    """An API client that sends `user`'s new personal token, as a tracker would."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_create(user=user, name='Tracker').secret}")
    return client


@pytest.fixture
def as_manager(manager):
    return client_for(manager)


@pytest.fixture
def as_staff(staff):
    return client_for(staff)


@pytest.fixture
def as_icb(icb_user):
    return client_for(icb_user)


@pytest.fixture
def as_outsider(outsider):
    return client_for(outsider)
