import datetime
import os
import socket
import zoneinfo
from urllib.parse import urlparse

import pytest
import time_machine
from django.core.cache import cache, caches

from cutover.celery import app as celery_app
from cutover.models import Migration
from practices.models import PracticeMembership

from .factories import (
    MigrationFactory,
    OrganisationMembershipFactory,
    PracticeFactory,
    PracticeMembershipFactory,
    SupplierFactory,
    ThirdPartySystemFactory,
    UserFactory,
    enable_totp,
)

# The suite's "now": a Monday morning in London. Every test starts here, so a date a test builds
# (a factory's FDP six weeks ahead, a fixed date in a module) means the same thing on any day the
# suite runs, and no test turns into a time bomb as the real calendar moves on. Tests that need
# another day travel there themselves (time_machine nests); CI also runs the whole suite 400 days
# ahead under faketime to prove nothing reads a clock that this does not move.
SUITE_NOW = datetime.datetime(2026, 11, 2, 8, 0, tzinfo=zoneinfo.ZoneInfo("Europe/London"))

# pytest-xdist runs the suite in several processes against one Redis. Each process has a Celery queue
# of its own, so a test that starts a real worker never takes the tasks of a test in another process
# (whose rows are in that process's test database). CI once failed this way.
if XDIST_WORKER := os.environ.get("PYTEST_XDIST_WORKER"):
    celery_app.conf.task_default_queue = f"cutover-tests-{XDIST_WORKER}"

# Django's live_server runs beside Playwright's sync API, which keeps an event loop open.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def suite_clock(request):
    """Every test runs on the suite's clock (SUITE_NOW, ticking), unless marked real_clock."""
    if request.node.get_closest_marker("real_clock"):
        yield None
        return
    with time_machine.travel(SUITE_NOW, tick=True) as traveller:
        yield traveller


@pytest.fixture(autouse=True, scope="session")
def private_broker_folder(tmp_path_factory):
    """Without Redis the broker is a folder (.broker/). The suite gets a folder of its own, so no
    job a test enqueues is left behind for a developer's `make run` worker to pick up."""
    from django.conf import settings

    from cutover.celery import app

    if settings.CELERY_BROKER_URL != "filesystem://":
        yield
        return
    folder = tmp_path_factory.mktemp("broker")
    for name in ("queue", "control"):
        (folder / name).mkdir()
    saved = app.conf.broker_transport_options
    app.conf.broker_transport_options = {
        "data_folder_in": str(folder / "queue"),
        "data_folder_out": str(folder / "queue"),
        "control_folder": str(folder / "control"),
    }
    app._pool = app.amqp._producer_pool = None  # rebuilt from the new folders on first use
    yield
    app.conf.broker_transport_options = saved
    app._pool = app.amqp._producer_pool = None


@pytest.fixture(autouse=True, scope="session")
def cache_in_the_test_database():
    """Tests use the database cache (settings.CACHES without REDIS_URL) even when REDIS_URL is set:
    each xdist worker then has its own cache in its own test database, a test's entries roll back
    with it, and time-machine moves its expiry. tests/accounts/test_shared_cache.py runs real server
    processes against Redis and against this table."""
    from django.conf import settings
    from django.test import override_settings

    with override_settings(
        CACHES={
            "default": {
                "BACKEND": "django.core.cache.backends.db.DatabaseCache",
                "LOCATION": settings.CACHE_TABLE,
                "KEY_PREFIX": "cutover",
            },
            "plans": settings.CACHES["plans"],
        }
    ):
        yield


def services_required() -> bool:
    return os.environ.get("CI", "").lower() == "true" or os.environ.get("REQUIRE_SERVICES") == "1"


def skip_or_fail(reason: str):
    """A missing service skips the test on a laptop, but fails it in CI."""
    if services_required():
        pytest.fail(f"{reason} (required because CI=true or REQUIRE_SERVICES=1)")
    pytest.skip(reason)


@pytest.fixture
def redis_url():
    url = os.environ.get("REDIS_URL")
    if not url:
        skip_or_fail("REDIS_URL is not set")
    parsed = urlparse(url)
    try:
        socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), timeout=1).close()
    except OSError:
        skip_or_fail(f"Redis is not reachable at {url}")
    return url


@pytest.fixture
def practice(db):
    return PracticeFactory(name="Riverside Medical Centre", ods_code="A81001")


@pytest.fixture
def other_practice(db):
    return PracticeFactory(name="Elsewhere Surgery", ods_code="B82002")


@pytest.fixture
def suppliers(db):
    return SupplierFactory(name="EMIS Health"), SupplierFactory(name="TPP")


def _member(practice, role, email):
    return PracticeMembershipFactory(practice=practice, role=role, user=UserFactory(email=email)).user


@pytest.fixture
def manager(practice):
    return _member(practice, PracticeMembership.Role.PRACTICE_MANAGER, "manager@riverside.example")


@pytest.fixture
def staff(practice):
    return _member(practice, PracticeMembership.Role.PRACTICE_STAFF, "staff@riverside.example")


@pytest.fixture
def it_lead(practice):
    return _member(practice, PracticeMembership.Role.IT_LEAD, "itlead@riverside.example")


@pytest.fixture
def outsider(other_practice):
    return _member(other_practice, PracticeMembership.Role.PRACTICE_MANAGER, "manager@elsewhere.example")


@pytest.fixture
def icb_user(practice):
    user = OrganisationMembershipFactory(organisation=practice.icb, user=UserFactory(email="lead@icb.example")).user
    return enable_totp(user)  # their role must use two-factor authentication


@pytest.fixture
def partner_user(practice):
    user = OrganisationMembershipFactory(
        organisation=practice.delivery_partner, user=UserFactory(email="pm@csu.example")
    ).user
    return enable_totp(user)


@pytest.fixture
def other_icb_user(other_practice):
    user = OrganisationMembershipFactory(
        organisation=other_practice.icb, user=UserFactory(email="lead@other-icb.example")
    ).user
    return enable_totp(user)


@pytest.fixture
def superuser(db):
    return enable_totp(UserFactory(email="admin@cutover.example", is_staff=True, is_superuser=True))


@pytest.fixture
def users(manager, staff, it_lead, outsider, icb_user, partner_user, other_icb_user, superuser):
    """One of each kind of user, by the names the URL-by-role tests use."""
    return {
        "manager": manager,
        "staff": staff,
        "it_lead": it_lead,
        "outsider": outsider,
        "icb": icb_user,
        "partner": partner_user,
        "other_icb": other_icb_user,
        "superuser": superuser,
    }


@pytest.fixture
def migration(practice, suppliers):
    return MigrationFactory(practice=practice, current_supplier=suppliers[0], new_supplier=suppliers[1])


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Real hashing is deliberately slow; tests only need it to be correct.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fresh_cache(request):
    # allauth keeps its rate limits and used TOTP codes in the cache, a table of the test database
    # (tests/conftest.py): what a test that commits leaves there would outlive it.
    uses_db = request.node.get_closest_marker("django_db") or {"db", "transactional_db", "live_server"} & set(
        request.fixturenames
    )
    if not uses_db:
        yield
        return
    request.getfixturevalue("django_db_setup")
    blocker = request.getfixturevalue("django_db_blocker")
    with blocker.unblock():
        cache.clear()
    caches["plans"].clear()
    yield
    with blocker.unblock():
        cache.clear()
    caches["plans"].clear()


# Linked systems and a migration with fixed dates, for the people, systems and coordinator tests.
@pytest.fixture
def dated_migration(practice, suppliers):
    """A migration with fixed dates, for tests that freeze the clock.

    FDP is Monday 7 Dec 2026, so the switch-off window is Thursday 3 and Friday 4 Dec, and
    warnings start 3 working days before FDP, on Wednesday 2 Dec. Go-live is Monday 14 Dec.
    """
    return Migration.objects.create(
        practice=practice,
        current_system="EMIS Web",
        current_supplier=suppliers[0],
        new_system="TPP SystmOne",
        new_supplier=suppliers[1],
        fdp_date=datetime.date(2026, 12, 7),
        go_live_date=datetime.date(2026, 12, 14),
    )


@pytest.fixture
def docman(practice):
    return ThirdPartySystemFactory(practice=practice, name="Docman", backed_up_by_current_supplier=False)


@pytest.fixture
def pathology_link(practice):
    return ThirdPartySystemFactory(
        practice=practice,
        name="Pathology results link",
        category="pathology_link",
        supplier_name="City Pathology",
        contact_name="Jo Bennett",
        contact_email="jo.bennett@lab.example",
        backed_up_by_current_supplier=True,
    )
