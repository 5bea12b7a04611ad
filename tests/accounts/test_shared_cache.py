"""Two server processes, one cache: a two-factor code works once, and rate limits count across them.

Production runs several gunicorn workers. allauth keeps the codes already used and its rate limits
in Django's cache, so with a cache per process a code worked once in each worker (issue 19). Each
test here starts two real gunicorn processes on free ports against this test's database, with the
cache the settings choose: the database table (no REDIS_URL) and Redis (REDIS_URL).

The servers share the test database: PostgreSQL's test database when DATABASE_URL is set; on
SQLite, whose test database lives in this process's memory, a file copy made once the test data
is committed (the servers then share that file).
"""

import http.cookiejar
import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.core.cache import cache
from django.db import connection
from django.urls import reverse

from practices.models import PracticeMembership

from ..factories import PASSWORD, PracticeMembershipFactory, UserFactory, enable_totp, totp_code

INCORRECT = "That code is not right"
TOO_MANY = "Too many failed login attempts"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the test looks at each redirect itself


class Browser:
    """Cookies and CSRF tokens, as a browser keeps them, with nothing but the standard library."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect
        )
        self.token = ""

    def request(self, path: str, data: dict | None = None) -> tuple[int, str, str]:
        body = None
        if data is not None:
            body = urllib.parse.urlencode({"csrfmiddlewaretoken": self.token, **data}).encode()
        try:
            with self.opener.open(self.base + path, data=body, timeout=30) as response:
                status, location, page = response.status, "", response.read().decode()
        except urllib.error.HTTPError as error:
            status, location, page = error.code, error.headers.get("Location", ""), error.read().decode()
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if found:
            self.token = found.group(1)
        return status, location, page

    def sign_in_with_password(self, email: str) -> None:
        self.request(reverse("account_login"))
        status, location, _ = self.request(reverse("account_login"), {"login": email, "password": PASSWORD})
        assert (status, location) == (302, reverse("mfa_authenticate")), (status, location)
        self.request(reverse("mfa_authenticate"))

    def enter_code(self, code: str) -> tuple[int, str, str]:
        return self.request(reverse("mfa_authenticate"), {"code": code})


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url_for_servers(tmp_path: Path) -> str:
    """A URL the server processes can open that holds what this test has committed."""
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        auth = urllib.parse.quote(db["USER"]) + (f":{urllib.parse.quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
        return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    if connection.vendor == "sqlite":
        copy = tmp_path / "shared.sqlite3"
        connection.ensure_connection()
        target = sqlite3.connect(copy)
        connection.connection.backup(target)
        target.close()
        return f"sqlite:///{copy}"
    pytest.skip(f"no way to share a {connection.vendor} test database with server processes")


class Servers:
    def __init__(self, tmp_path: Path, env: dict):
        self.tmp_path, self.env, self.processes, self.logs, self.bases = tmp_path, env, [], [], []

    def start(self, count: int = 2) -> list[str]:
        env = {**self.env, "DATABASE_URL": _database_url_for_servers(self.tmp_path)}
        for n in range(count):
            port = _free_port()
            log = self.tmp_path / f"server-{n}.log"
            self.logs.append(log)
            command = [sys.executable, "-m", "gunicorn", "cutover.wsgi:application", "--bind", f"127.0.0.1:{port}"]
            # One worker each: two processes, as two production workers are. No control socket, whose
            # one default path two servers (or another gunicorn on this machine) would fight over.
            command += ["--workers", "1", "--timeout", "60", "--no-control-socket"]
            self.processes.append(
                subprocess.Popen(  # noqa: S603 (our own interpreter and gunicorn, fixed arguments)
                    command,
                    cwd=settings.BASE_DIR,
                    env=env,
                    stdout=log.open("w"),
                    stderr=subprocess.STDOUT,
                )
            )
            self.bases.append(f"http://127.0.0.1:{port}")
        for base, process in zip(self.bases, self.processes, strict=True):
            self._wait_until_up(base, process)
        return self.bases

    def _wait_until_up(self, base: str, process: subprocess.Popen) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise AssertionError(f"server exited with {process.returncode}:\n{self.output()}")
            try:
                with urllib.request.urlopen(base + reverse("account_login"), timeout=5) as response:  # noqa: S310
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"server at {base} did not answer within a minute:\n{self.output()}")

    def output(self) -> str:
        return "\n".join(f"--- {log.name}\n{log.read_text()[-3000:]}" for log in self.logs if log.exists())

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture(params=["database", "redis"])
def servers(request, transactional_db, tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"REDIS_URL", "DATABASE_URL", "DJANGO_SETTINGS_MODULE", "PYTEST_XDIST_WORKER"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="cutover.settings",
        DEBUG="false",
        SECRET_KEY="shared-cache-test-" + "k" * 40,
        ALLOWED_HOSTS="127.0.0.1",
        BROKER_DIR=str(tmp_path / "broker"),
        LOG_LEVEL="WARNING",
    )
    if request.param == "redis":
        url = request.getfixturevalue("redis_url")
        env["REDIS_URL"] = url
        import redis

        # Counts left by an earlier run within the last minutes would change what this one sees.
        client = redis.Redis.from_url(url)
        for key in client.scan_iter("cutover:*"):
            client.delete(key)
        client.close()
    else:
        cache.clear()  # on PostgreSQL the servers share this test database's cache table
    servers = Servers(tmp_path, env)
    yield servers
    servers.stop()


@pytest.fixture
def person(practice):
    user = UserFactory(email="two.servers@riverside.example")
    # The servers check passwords with the production hashers, not the fast one the tests use.
    hasher = PBKDF2PasswordHasher()
    user.password = hasher.encode(PASSWORD, hasher.salt(), iterations=1000)
    user.save()
    PracticeMembershipFactory(practice=practice, user=user, role=PracticeMembership.Role.PRACTICE_STAFF)
    return enable_totp(user)


def _wait_for_a_fresh_code_window(seconds_needed: int = 12) -> None:
    """A code lasts one 30-second window; start early in one so both sign-ins fall inside it."""
    into = time.time() % 30
    if 30 - into < seconds_needed:
        time.sleep(30 - into + 0.5)


# The servers are other processes on the machine's clock; the codes must come from that clock too.
@pytest.mark.real_clock
def test_a_two_factor_code_works_once_across_two_server_processes(servers, person):
    first, second = servers.start()
    _wait_for_a_fresh_code_window()
    code = totp_code()
    one, two = Browser(first), Browser(second)
    one.sign_in_with_password(person.email)
    two.sign_in_with_password(person.email)

    status, location, _ = one.enter_code(code)
    assert (status, location) == (302, reverse("home")), servers.output()

    status, _, page = two.enter_code(code)
    assert code == totp_code(), "the code's window ended during the test; it proves nothing this time"
    assert status == 200 and INCORRECT in page, servers.output()
    assert two.request(reverse("migration-list"))[0] == 302  # still not signed in there


# The servers are other processes on the machine's clock; the codes must come from that clock too.
@pytest.mark.real_clock
def test_wrong_codes_count_towards_one_limit_across_two_server_processes(servers, person):
    first, second = servers.start()
    one, two = Browser(first), Browser(second)
    one.sign_in_with_password(person.email)
    two.sign_in_with_password(person.email)
    wrong = f"{(int(totp_code()) + 500_000) % 1_000_000:06d}"
    # allauth allows five wrong codes per person every five minutes, wherever they are entered.
    for browser in [one, two, one, two, one]:
        status, _, page = browser.enter_code(wrong)
        assert status == 200 and INCORRECT in page, servers.output()
    status, _, page = two.enter_code(totp_code())
    assert status == 200 and TOO_MANY in page, servers.output()


@pytest.mark.parametrize(
    "redis_url, backend",
    [
        ("redis://127.0.0.1:6379/5", "django.core.cache.backends.redis.RedisCache"),
        ("", "django.core.cache.backends.db.DatabaseCache"),
    ],
)
def test_the_cache_is_redis_with_redis_url_and_a_database_table_otherwise(redis_url, backend, tmp_path):
    env = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
    env.update(DJANGO_SETTINGS_MODULE="cutover.settings", BROKER_DIR=str(tmp_path))
    if redis_url:
        env["REDIS_URL"] = redis_url
    read = "from django.conf import settings; c = settings.CACHES['default']; print(c['BACKEND'], c['LOCATION'])"
    result = subprocess.run(  # noqa: S603 (our own interpreter, fixed arguments)
        [sys.executable, "-c", read], env=env, cwd=settings.BASE_DIR, capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == [backend, redis_url or settings.CACHE_TABLE]
