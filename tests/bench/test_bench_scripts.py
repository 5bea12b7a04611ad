"""Every benchmark in bench/ still runs, on a tiny size, and does the work it would time.

Each script checks its own work (rows accepted, reminders due, pages answered) and exits non-zero
when it did not happen, so a script that rots fails here instead of printing figures for nothing.
No timing is asserted: the figures vary with the machine.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ..conftest import skip_or_fail

ROOT = Path(__file__).resolve().parents[2]

SCRIPTS = {
    "wave_import.py": ["--rows", "3", "--format", "csv"],
    "sweep.py": ["--sizes", "30"],
    "dashboard.py": ["--sizes", "2", "--repeat", "1"],
    "plan.py": ["--runs", "10", "--any-database"],
    "served.py": ["--seconds", "1", "--clients", "4", "--workers", "1", "--any-database"],
}


def run_bench(script: str, *args: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "REDIS_URL")}
    # The embedded database (one file per run) and no broker: the run never touches a shared server.
    env["DJANGO_SETTINGS_MODULE"] = "cutover.settings"
    return subprocess.run(  # noqa: S603 - our own script, fixed arguments
        [sys.executable, str(ROOT / "bench" / script), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_every_benchmark_in_bench_is_covered_here():
    assert sorted(SCRIPTS) == sorted(path.name for path in (ROOT / "bench").glob("[!_]*.py"))


@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_benchmark_runs_on_a_tiny_size_and_does_its_work(script):
    if script == "served.py" and shutil.which("wrk") is None:
        skip_or_fail("wrk is not installed (apt-get install wrk)")
    result = run_bench(script, *SCRIPTS[script])

    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "BENCHMARK FAILED" not in result.stdout + result.stderr
