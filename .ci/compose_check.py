"""Proves docker-compose.yml the closest way this machine can: it has no Docker engine.

It builds no image. Instead it makes a fresh copy of the repository (what `docker build` would be
sent: the files git tracks or would track), runs the Dockerfile's RUN steps in it (parsed from the
Dockerfile, in a virtualenv of their own), then runs each service of docker-compose.yml that is
built from it, with the command line and environment parsed from docker-compose.yml and
.env.example (as .env). The services' neighbours are this machine's: `db` is the local PostgreSQL
(a database made for this run), `redis` the local Redis (a database number of its own), and a
published port a free local one. Then it asks the web service for `/`, a static file and
`/health/` as a browser behind the TLS proxy would, and runs the web and worker health checks.

What cannot be run here is said as it is skipped: the RUN step that creates the container's user
(it would create one on this machine), and the db, redis and mailpit images.

    .venv/bin/python .ci/compose_check.py [--keep]

Environment: COMPOSE_CHECK_POSTGRES (default postgres://postgres@127.0.0.1:5432) and
COMPOSE_CHECK_REDIS_URL (default redis://127.0.0.1:6379/14; the database is emptied).
"""

import argparse
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import psycopg
import redis
import yaml

ROOT = Path(__file__).resolve().parent.parent
POSTGRES = os.environ.get("COMPOSE_CHECK_POSTGRES", "postgres://postgres@127.0.0.1:5432")
REDIS_URL = os.environ.get("COMPOSE_CHECK_REDIS_URL", "redis://127.0.0.1:6379/14")
# RUN steps that set up the container's own user: run here, they would change this machine's users.
CONTAINER_ONLY = {"useradd", "adduser", "groupadd", "addgroup", "chown"}


def say(message: str) -> None:
    print(f"compose check: {message}", flush=True)


# Reading the Dockerfile and docker-compose.yml ----------------------------------------------------


def dockerfile_instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined, comments dropped."""
    instructions, current = [], ""
    for line in path.read_text().splitlines():
        if not current and (not line.strip() or line.lstrip().startswith("#")):
            continue
        current += line.rstrip()
        if current.endswith("\\"):
            current = current[:-1] + " "
            continue
        keyword, _, rest = current.strip().partition(" ")
        instructions.append((keyword.upper(), rest.strip()))
        current = ""
    return instructions


def env_pairs(arguments: str) -> dict[str, str]:
    """ENV KEY=VALUE [KEY=VALUE ...] or the older ENV KEY VALUE."""
    words = shlex.split(arguments)
    if words and "=" not in words[0]:
        return {words[0]: " ".join(words[1:])}
    return dict(word.split("=", 1) for word in words)


def run_command(arguments: str) -> list[str]:
    """A RUN step as an argv: the exec form as written, the shell form through /bin/sh -c."""
    if arguments.startswith("["):
        return json.loads(arguments)
    return ["/bin/sh", "-c", arguments]


def dotenv(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            values[key.strip()] = value.strip()
    return values


def interpolate(value: str, variables: dict[str, str]) -> str:
    """Compose's ${VAR}, ${VAR:-default} and ${VAR:?error}, and $$ for a literal $."""

    def replace(match: re.Match) -> str:
        name, operator, argument = match.group(1), match.group(2) or "", match.group(3) or ""
        found = variables.get(name, "")
        if operator == ":?" and not found:
            raise SystemExit(f"compose check: {name} is required ({argument})")
        if operator == ":-" and not found:
            return argument
        return found

    value = re.sub(r"\$\{(\w+)(?:(:[?-])([^}]*))?\}", replace, value)
    return value.replace("$$", "$")


# The machine's stand-ins for the compose neighbours ----------------------------------------------


class Neighbours:
    def __init__(self, service_names: set[str]):
        self.service_names = service_names
        self.database = f"compose_check_{os.getpid()}"
        self.redis_url = REDIS_URL

    def __enter__(self):
        with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{self.database}"')
        redis.Redis.from_url(self.redis_url).flushdb()
        return self

    def __exit__(self, *exc):
        with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
        redis.Redis.from_url(self.redis_url).flushdb()

    def map(self, key: str, value: str) -> str:
        """A value from the compose file, pointed at this machine instead of the compose network."""
        if value in self.service_names:
            return "127.0.0.1"
        url = urllib.parse.urlsplit(value)
        if not url.scheme or url.hostname not in self.service_names:
            return value
        if url.scheme.startswith("postgres"):
            return f"{POSTGRES}/{self.database}"
        if url.scheme.startswith("redis"):
            return self.redis_url
        return value.replace(url.hostname, "127.0.0.1", 1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# The check ---------------------------------------------------------------------------------------


class Check:
    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.copy = workdir / "image" / "app"  # /app as the image builds it
        self.processes: dict[str, subprocess.Popen] = {}
        self.logs: dict[str, Path] = {}
        self.failures: list[str] = []

    def fresh_copy(self) -> None:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],  # noqa: S607
            cwd=ROOT,
            check=True,
            capture_output=True,
        ).stdout.split(b"\0")
        for name in filter(None, (entry.decode() for entry in listed)):
            source = ROOT / name
            if source.is_file():
                target = self.copy / name
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target)
        say(f"fresh copy of the repository in {self.copy}")

    def build(self) -> dict[str, str]:
        """The Dockerfile's ENV and RUN steps, in order; returns the image's environment."""
        venv = self.workdir / "venv"
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)  # noqa: S603
        env = {
            "PATH": f"{venv / 'bin'}:/usr/local/bin:/usr/bin:/bin",
            "HOME": str(self.workdir),
            "LANG": "C.UTF-8",
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        }
        for keyword, arguments in dockerfile_instructions(self.copy / "Dockerfile"):
            if keyword == "ENV":
                env.update(env_pairs(arguments))
            elif keyword == "RUN":
                if shlex.split(arguments)[0] in CONTAINER_ONLY:
                    say(f"skipped (sets up the container's user): RUN {arguments}")
                    continue
                say(f"RUN {arguments}")
                started = time.monotonic()
                done = subprocess.run(run_command(arguments), cwd=self.copy, env=env, check=False)  # noqa: S603
                if done.returncode:
                    raise SystemExit(f"compose check: FAILED: RUN {arguments} exited {done.returncode}")
                say(f"  done in {time.monotonic() - started:.0f}s")
        return env

    def service_command(self, name: str, command, port_map: dict[str, str]) -> list[str]:
        argv = shlex.split(command) if isinstance(command, str) else list(command)
        mapped = []
        for word in argv:
            for published, local in port_map.items():
                word = word.replace(f"0.0.0.0:{published}", local).replace(f"127.0.0.1:{published}", local)
            if word.startswith("/tmp/"):  # noqa: S108  # nosec B108: rewritten to the container's own folder
                word = str(self.container(name) / "tmp") + word[4:]
            mapped.append(word)
        return mapped

    def container(self, name: str) -> Path:
        """The service's own copy of the built /app: what one service writes, another never sees."""
        root = self.workdir / "containers" / name
        if not root.exists():
            shutil.copytree(self.copy, root / "app", symlinks=True)
            (root / "tmp").mkdir()
        return root

    def start(self, name: str, argv: list[str], env: dict[str, str]) -> None:
        log = self.workdir / f"{name}.log"
        self.logs[name] = log
        say(f"start {name}: {shlex.join(argv)}")
        self.processes[name] = subprocess.Popen(  # noqa: S603
            argv, cwd=self.container(name) / "app", env=env, stdout=log.open("w"), stderr=subprocess.STDOUT
        )

    def stop(self) -> None:
        for process in self.processes.values():
            process.terminate()
        for process in self.processes.values():
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()

    def expect(self, ok: bool, what: str) -> None:
        say(("ok: " if ok else "FAILED: ") + what)
        if not ok:
            self.failures.append(what)

    def tails(self) -> str:
        return "\n".join(f"--- {name}\n{log.read_text()[-4000:]}" for name, log in self.logs.items() if log.exists())


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def fetch(url: str, host: str) -> tuple[int, dict, bytes]:
    # As the TLS proxy in front of the web service sends it (BEHIND_PROXY, HTTPS in .env.example).
    request = urllib.request.Request(url, headers={"Host": host, "X-Forwarded-Proto": "https"})  # noqa: S310
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder and logs")
    options = parser.parse_args()
    started = time.monotonic()

    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    built = {name: service for name, service in services.items() if "build" in service}
    for name in sorted(set(services) - set(built)):
        say(f"not run (an image, this machine's own service stands in): {name}")
    variables = {**dotenv(ROOT / ".env.example"), **os.environ}  # compose reads .env, then the shell

    workdir = Path(tempfile.mkdtemp(prefix="compose-check-"))
    check = Check(workdir)
    try:
        check.fresh_copy()
        image_env = check.build()
        with Neighbours(set(services)) as neighbours:
            port_map = {}
            for service in built.values():
                for mapping in service.get("ports", []):
                    _, _, container = str(mapping).rpartition(":")
                    port_map[container] = f"127.0.0.1:{free_port()}"

            def environment(service: dict) -> dict[str, str]:
                env = dict(image_env)
                for env_file in [service.get("env_file")] if isinstance(service.get("env_file"), str) else []:
                    # .env is each deployment's own; its documented template stands in for it.
                    env.update(dotenv(ROOT / (".env.example" if env_file == ".env" else env_file)))
                for key, value in (service.get("environment") or {}).items():
                    env[key] = interpolate(str(value), variables)
                env = {key: neighbours.map(key, value) for key, value in env.items()}
                # gunicorn's control socket has one default path per machine; a container has its own.
                env["GUNICORN_CMD_ARGS"] = "--no-control-socket"
                return env

            # One-shot services first (restart: "no", as `migrate`), then the others.
            one_shot = [name for name, service in built.items() if service.get("restart") == "no"]
            for name in one_shot:
                argv = check.service_command(name, built[name]["command"], port_map)
                say(f"run {name}: {shlex.join(argv)}")
                done = subprocess.run(  # noqa: S603
                    argv,
                    cwd=check.container(name) / "app",
                    env=environment(built[name]),
                    capture_output=True,
                    text=True,
                    check=False,
                )
                check.expect(done.returncode == 0, f"{name} exits 0 (exited {done.returncode})")
                if done.returncode:
                    print(done.stdout[-4000:], done.stderr[-4000:])
                    return 1
            for name, service in built.items():
                if name not in one_shot:
                    check.start(name, check.service_command(name, service["command"], port_map), environment(service))

            web_env = environment(built["web"])
            host = web_env["ALLOWED_HOSTS"].split(",")[0]
            base = "http://" + port_map["8000"]
            deadline = time.monotonic() + 120
            status = None
            while time.monotonic() < deadline:
                try:
                    status, _, body = fetch(base + "/health/", host)
                    if status == 200:
                        break
                except OSError:
                    pass
                time.sleep(1)
            check.expect(status == 200, f"/health/ answers 200 once the worker is up (got {status})")
            if status == 200:
                health = json.loads(body)
                check.expect(health.get("database") == "ok", f"/health/ reports the database ok: {health}")

            path, hops = "/", []
            for _ in range(5):
                status, headers, page = fetch(base + path, host)
                hops.append(f"{path} {status}")
                if status not in (301, 302) or not headers.get("Location", "").startswith("/"):
                    break
                path = headers["Location"]
            check.expect(
                status == 200 and path.startswith("/accounts/login/"),
                f"/ leads a visitor to the sign-in page, which answers 200 ({' -> '.join(hops)})",
            )
            stylesheet = re.search(rb'href="(/static/nhsuk/nhsuk-frontend\.min\.[0-9a-f]{12}\.css)"', page)
            check.expect(
                stylesheet is not None, "the sign-in page links the NHS.UK stylesheet by its hashed name (the manifest)"
            )
            if stylesheet:
                status, headers, css = fetch(base + stylesheet.group(1).decode(), host)
                check.expect(
                    status == 200 and headers.get("Content-Type", "").startswith("text/css") and len(css) > 10_000,
                    f"{stylesheet.group(1).decode()} answers 200 text/css (got {status})",
                )

            for name, service in built.items():
                test = (service.get("healthcheck") or {}).get("test")
                if name in one_shot or not test:
                    continue
                shell = test[0] == "CMD-SHELL"
                argv = ["/bin/sh", "-c", test[1].replace("$$", "$")] if shell else list(test[1:])
                argv = [word.replace("127.0.0.1:8000", port_map["8000"]) for word in argv]
                env = {**environment(service), "HOSTNAME": socket.gethostname()}  # a container's HOSTNAME
                done = subprocess.run(  # noqa: S603
                    argv,
                    cwd=check.container(name) / "app",
                    env=env,
                    capture_output=True,
                    text=True,
                    timeout=60,
                    check=False,
                )
                check.expect(done.returncode == 0, f"{name}'s health check passes: {(done.stderr or '')[-300:]}")
            for name, process in check.processes.items():
                check.expect(process.poll() is None, f"{name} is still running")
            check.stop()
    finally:
        check.stop()
        if check.failures:
            print(check.tails())
        if options.keep or check.failures:
            say(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    say(f"{'FAILED' if check.failures else 'passed'} in {time.monotonic() - started:.0f}s")
    return 1 if check.failures else 0


if __name__ == "__main__":
    sys.exit(main())
