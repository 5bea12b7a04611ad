"""`make run`'s supervisor: the web server and the Celery worker (with its beat), stopped together.

    python -m demo.run_all PORT

Each runs in its own process group, so Ctrl-C reaches only this script, which then stops both
groups at once: the web server with INT (as Ctrl-C would), the worker with QUIT (a cold shutdown:
its jobs are idempotent and beat sends what is due again). Anything still running after
GRACE_SECONDS is killed, group and all, so nothing outlives the terminal. Either process exiting
on its own stops the other too.
"""

import contextlib
import os
import signal
import subprocess
import sys
import time

GRACE_SECONDS = 1.5


def main(port: str) -> int:
    python = sys.executable
    bin_dir = os.path.dirname(python)
    commands = {
        "worker": [
            os.path.join(bin_dir, "celery"),
            *("-A", "cutover", "worker", "--beat", "--concurrency=1"),
            # KiB: a worker process that grew past 512 MiB is replaced after its job.
            *("--max-memory-per-child=524288", "--loglevel=INFO"),
        ],
        "web": [python, "manage.py", "runserver", f"127.0.0.1:{port}"],
    }
    stop_with = {"worker": signal.SIGQUIT, "web": signal.SIGINT}
    children = {name: subprocess.Popen(command, start_new_session=True) for name, command in commands.items()}  # noqa: S603

    stopping = False

    def stop(signum=None, frame=None):
        nonlocal stopping
        if stopping:
            return  # a second Ctrl-C changes nothing: the stop below is already bounded
        stopping = True
        for name, child in children.items():
            if child.poll() is None:
                _signal_group(child, stop_with[name])
        deadline = time.monotonic() + GRACE_SECONDS
        for child in children.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(timeout=max(deadline - time.monotonic(), 0))
        for child in children.values():
            _signal_group(child, signal.SIGKILL)  # the group: pool and beat processes too
        print("Stopped the web server, worker and beat.", flush=True)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    while not stopping and all(child.poll() is None for child in children.values()):
        time.sleep(0.1)
    if not stopping:
        stop()
    return 0


def _signal_group(child: subprocess.Popen, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # already gone
        os.killpg(child.pid, signum)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "8000"))
