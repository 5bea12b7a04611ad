"""The bombs of issue 19, at full size, are read in bounded memory.

Each file is read in a process of its own, so its peak memory (VmHWM) is the reading's and nothing else's:
the same two calls the web request (inspect) and the check job (read_table) make. The process also
runs under a 2 GB address-space limit, so code that tries to unpack a bomb fails there with a
MemoryError instead of taking this machine's memory (it reached 3.6 GB and more in the probe).
"""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings

from . import hostile

MAX_RSS_MB = 300

READER = """
import json, os, resource, sys

limit = 2 * 1024 ** 3
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
import django

django.setup()
from dashboard.wave_file import UnreadableFile, reading

content = open(sys.argv[1], "rb").read()
messages = {}
for step in ("inspect", "read_table"):
    try:
        getattr(reading, step)(content, "xlsx")
        messages[step] = None
    except UnreadableFile as exc:
        messages[step] = str(exc)
# This process's own peak. Not getrusage's ru_maxrss: Linux carries that over from the parent
# across exec, so under pytest-xdist it reports the test worker's memory, not this reading's.
with open("/proc/self/status") as status:
    peak_kb = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
print(json.dumps({"messages": messages, "peak_mb": peak_kb / 1024}))
"""


def read_in_own_process(path) -> dict:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "cutover.settings", "PYTHONPATH": str(settings.BASE_DIR)}
    done = subprocess.run(  # noqa: S603 (our own interpreter and script)
        [sys.executable, "-c", READER, str(path)],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (hostile.inline_string_bomb, "This Excel file unpacks to 300.0 MB; the most we read is 20.0 MB."),
        (hostile.shared_string_bomb, "This Excel file unpacks to 300.0 MB; the most we read is 20.0 MB."),
        (hostile.row_flood, "This sheet goes on past row 20,001"),
        (hostile.cell_flood, "Row 1 of the sheet has more than 50 cells"),
        (hostile.string_flood, "This Excel file holds more texts than a wave can have."),
    ],
    ids=["inline-string-bomb", "shared-string-bomb", "rows-without-dimension", "cells", "shared-strings"],
)
def test_reading_a_hostile_excel_file_stays_under_300_mb_and_says_why(tmp_path, build, message):
    path = tmp_path / "wave.xlsx"
    path.write_bytes(build())
    result = read_in_own_process(path)
    assert message in result["messages"]["read_table"]
    # The request reads nothing of a file this large; if it read anything, it refused it the same way.
    assert result["messages"]["inspect"] in (None, result["messages"]["read_table"])
    assert result["peak_mb"] < MAX_RSS_MB
