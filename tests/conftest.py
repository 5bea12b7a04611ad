import os
import socket
from urllib.parse import urlparse

import pytest

from practices.models import PracticeMembership

from .factories import (
    MigrationFactory,
    OrganisationMembershipFactory,
    PracticeFactory,
    PracticeMembershipFactory,
    SupplierFactory,
    UserFactory,
    enable_totp,
)

# Django's live_server runs beside Playwright's sync API, which keeps an event loop open.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


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
def migration(practice, suppliers):
    return MigrationFactory(practice=practice, current_supplier=suppliers[0], new_supplier=suppliers[1])


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Real hashing is deliberately slow; tests only need it to be correct.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_collection_modifyitems(config, items):
    # With pytest-xdist, tests that start a real Celery worker on the shared Redis run one after
    # another on the same process: two workers on one queue would take each other's jobs.
    for item in items:
        if "redis_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.xdist_group("redis"))
