import pytest
from django.core.cache import cache

# The browser fixtures live beside the other browser tests; the trust browser tests use them too.
from ..browser.conftest import assert_accessible, browser_type_launch_args, sign_in  # noqa: F401
from ..factories import OrganisationMembershipFactory, UserFactory


@pytest.fixture(autouse=True)
def fresh_cache():
    # allauth keeps its rate limits and used TOTP codes in the cache, which outlives a test.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def icb_user_without_mfa(practice):
    return OrganisationMembershipFactory(organisation=practice.icb, user=UserFactory(email="new@icb.example")).user
