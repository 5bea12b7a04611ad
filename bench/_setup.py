"""Shared start-up for the benchmarks: Django on a throwaway test database of DATABASE_URL's server."""

import os
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cutover.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment, teardown_test_environment  # noqa: E402


class BenchFailed(SystemExit):
    """The work a benchmark times did not happen, so its figures would mean nothing: exit non-zero."""


def require(condition: bool, message: str) -> None:
    # Not assert: python -O drops those, and a benchmark must never print figures for work not done.
    if not condition:
        raise BenchFailed(f"BENCHMARK FAILED: {message}")


@contextmanager
def throwaway_database():
    """Create test_<name> next to the configured database, and drop it afterwards."""
    setup_test_environment()  # also swaps in the in-memory email backend
    # Reminder sends that set-up triggers run here, not in a broker a developer's worker reads from.
    from cutover.celery import app

    app.conf.task_always_eager = True
    old_name = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite":
        # A file, as in production: Django's default in-memory test database is several times slower
        # at large transactions (its shared cache locks every table). One file per process, so two
        # runs (or the test that runs every benchmark) never share it.
        path = Path(tempfile.gettempdir()) / f"cutover-bench-{os.getpid()}.sqlite3"
        connection.settings_dict["TEST"]["NAME"] = str(path)
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        yield connection.vendor
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=False)
        teardown_test_environment()
