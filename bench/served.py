"""Benchmark (not a test): the plan and migration pages served by gunicorn, against a bare view.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cutover_served .venv/bin/python bench/served.py

Sets up the plan of bench/plan.py (51 tasks, 153 notes) in a throwaway test database, starts
gunicorn on it as production would (DEBUG off, persistent connections), signs the practice manager
in, and drives each page with wrk (apt-get install wrk): one client at a time for the time a
request takes, then --clients at once for the throughput under load. Every figure is next to the
bare login-required view's from the same run; only those ratios mean anything.
"""

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from _setup import ROOT, require, throwaway_database
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse

BENCH = Path(__file__).resolve().parent


def database_url() -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    user, host, port = settings["USER"], settings["HOST"] or "127.0.0.1", settings["PORT"] or 5432
    return f"postgres://{user}@{host}:{port}/{settings['NAME']}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(url: str, cookie: str) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Cookie": cookie})  # noqa: S310 - our own server, http
    # Only ever our own gunicorn, over http.
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310  # nosec B310
        return response.status, response.read()


class Server:
    """gunicorn serving the app on the throwaway database; stopped on exit, whatever happens."""

    def __init__(self, workers: int):
        self.port = free_port()
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "_served_settings",
            "PYTHONPATH": os.pathsep.join([str(ROOT), str(BENCH)]),
            "DATABASE_URL": database_url(),
            "DEBUG": "false",
            "HTTPS": "false",
            "PYTHONWARNINGS": "ignore:No directory at",  # whitenoise: no collectstatic here, as in tests
        }
        env.pop("REDIS_URL", None)  # the sessions and cache live in the test database, as in tests
        command = [sys.executable, "-m", "gunicorn", "cutover.wsgi:application", "--bind", f"127.0.0.1:{self.port}"]
        command += ["--workers", str(workers), "--log-level", "warning"]
        self.process = subprocess.Popen(command, cwd=ROOT, env=env)  # noqa: S603 - fixed arguments
        self.base = f"http://127.0.0.1:{self.port}"

    def wait(self, cookie: str, path: str) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            require(self.process.poll() is None, "gunicorn stopped while starting")
            try:
                fetch(self.base + path, cookie)
                return
            except OSError:
                time.sleep(0.2)
        require(False, "gunicorn did not answer within 30 seconds")

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def wrk(url: str, cookie: str, *, clients: int, seconds: int) -> dict:
    command = [shutil.which("wrk"), f"-c{clients}", f"-t{min(clients, 2)}", f"-d{seconds}s", "--latency"]
    command += ["-H", f"Cookie: {cookie}", url]
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 - fixed arguments
    out = result.stdout
    require(result.returncode == 0, f"wrk failed on {url}: {result.stderr or out}")
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    # Not 2xx (a redirect to sign in, an error page) or a socket error: the figures would be for the wrong page.
    require(requests > 0 and bad is None, f"{url} did not answer 200 to every request:\n{out}")
    return {
        "rate": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": _ms(re.search(r"50%\s+([\d.]+\w+)", out).group(1)),
        "p95": _ms(re.search(r"9[059](?:\.\d+)?%\s+([\d.]+\w+)", out).group(1)),
        "errors": sum(map(int, errors.groups())) if errors else 0,
        "requests": requests,
    }


def _ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(\w+)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60_000}[unit]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=15, help="per page and per load (default 15)")
    parser.add_argument("--clients", type=int, default=50, help="clients at once for throughput (default 50)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2, one per core)")
    parser.add_argument("--any-database", action="store_true", help="also run on SQLite (the test of this script)")
    args = parser.parse_args()
    if connection.vendor != "postgresql" and not args.any_database:
        sys.exit("Set DATABASE_URL to a PostgreSQL database, e.g. postgres://postgres@127.0.0.1:5432/cutover_served")
    require(shutil.which("wrk") is not None, "wrk is not installed (apt-get install wrk)")
    with throwaway_database():
        from plan import build_plan  # after the test database exists: it writes to it

        with override_settings(ROOT_URLCONF="_urls"):
            migration, manager, task_count = build_plan()
            client = Client()
            client.force_login(manager)
            cookie = f"sessionid={client.cookies['sessionid'].value}"
            pages = {
                "bare view": reverse("bench-bare"),
                "plan page": reverse("plan", args=[migration.pk]),
                "migration page": reverse("migration-detail", args=[migration.pk]),
            }
        server = Server(args.workers)
        try:
            server.wait(cookie, pages["bare view"])
            for label, path in pages.items():
                status, body = fetch(server.base + path, cookie)
                require(status == 200, f"{label} answered {status}")
                if label != "bare view":
                    require(b"Practice task 0" in body, f"the {label} does not show the plan's tasks")
            one = {
                label: wrk(server.base + path, cookie, clients=1, seconds=args.seconds) for label, path in pages.items()
            }
            many = {
                label: wrk(server.base + path, cookie, clients=args.clients, seconds=args.seconds)
                for label, path in pages.items()
            }
        finally:
            server.stop()
    floor = one["bare view"]
    print(f"gunicorn, {args.workers} workers, {connection.vendor}; plan of {task_count} tasks with 3 notes each")
    load = f"{args.clients} clients: req/s"
    print(f"{'':16}{'one client: p50':>18}{'x bare':>8}  |  {load}{'% of bare':>11}{'p95':>10}{'errors':>8}")
    for label in pages:
        print(
            f"{label:16}{one[label]['p50']:>15.2f} ms{one[label]['p50'] / floor['p50']:>7.1f}x  |  "
            f"{many[label]['rate']:>17.0f}{100 * many[label]['rate'] / many['bare view']['rate']:>10.0f}%"
            f"{many[label]['p95']:>8.0f} ms{many[label]['errors']:>8}"
        )


if __name__ == "__main__":
    main()
