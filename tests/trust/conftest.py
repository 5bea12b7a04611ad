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


# Audit, activity and retention -----------------------------------------------------------------------
from ..factories import MigrationFactory, PracticeMembershipFactory  # noqa: E402
from ..reentry.conftest import FDP, GO_LIVE  # noqa: E402


@pytest.fixture
def cutover(practice, suppliers):
    """The practice's migration with fixed dates (FDP 23 Nov 2026, go-live 30 Nov 2026), as in tests/reentry."""
    return MigrationFactory(
        practice=practice, current_supplier=suppliers[0], new_supplier=suppliers[1], fdp_date=FDP, go_live_date=GO_LIVE
    )


@pytest.fixture
def colleague(practice):
    """A second member of staff, for checks that need a different person."""
    from practices.models import PracticeMembership

    return PracticeMembershipFactory(
        practice=practice,
        role=PracticeMembership.Role.PRACTICE_STAFF,
        user=UserFactory(email="nurse@riverside.example"),
    ).user
