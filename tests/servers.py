"""Start the real ASGI server (Daphne) in a subprocess, as `./run` does, on a free port."""

import atexit
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
LISTENING = re.compile(r"Listening on TCP address [\d.]+:(\d+)")


@dataclass
class RunningServer:
    url: str
    process: subprocess.Popen
    log_path: Path
    lessons_dir: Path
    env: dict[str, str] = field(default_factory=dict)
    upstreams: subprocess.Popen | None = None
    runner: subprocess.Popen | None = None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def query(self, sql: str, *, demos: bool = False) -> list[tuple]:
        """Run `sql` on the server's database (or the demos' own, on SQLite) and fetch it."""
        url = self.env["DATABASE_URL"]
        if url.startswith("postgres"):
            import psycopg

            with psycopg.connect(url) as connection:
                return connection.execute(sql).fetchall()
        import sqlite3

        path = Path(url.removeprefix("sqlite:///"))
        if demos:
            path = path.with_name(f"{path.stem}-demos.sqlite3")
        with sqlite3.connect(path) as connection:
            return connection.execute(sql).fetchall()

    def stop(self) -> None:
        for process in (self.process, self.upstreams, self.runner):
            if process is None:
                continue
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self.env["DATABASE_URL"].startswith("postgres"):
            drop_postgres_database(self.env["DATABASE_URL"])


def postgres_admin(url: str):
    import psycopg

    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    return psycopg.connect(admin, autocommit=True), parts.path.lstrip("/")


def create_postgres_database(url: str) -> str:
    """A fresh database on the server DATABASE_URL names, so each test server starts empty."""
    name = f"interview_lab_test_{uuid.uuid4().hex[:10]}"
    connection, _ = postgres_admin(url)
    with connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def drop_postgres_database(url: str) -> None:
    connection, name = postgres_admin(url)
    with connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def scratch_dir(prefix: str) -> Path:
    """A temporary folder (a bench's server's, say) removed when this process exits."""
    import tempfile

    path = Path(tempfile.mkdtemp(prefix=prefix))
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


_collected_static: Path | None = None


def collected_static(env: dict[str, str]) -> Path:
    """Run collectstatic once per test session, as a production start does."""
    global _collected_static
    if _collected_static is None:
        target = scratch_dir("interview-lab-static-")
        subprocess.run(
            [str(BIN / "python"), "manage.py", "collectstatic", "--no-input", "-v", "0"],
            cwd=BASE_DIR,
            env={**env, "DJANGO_STATIC_ROOT": str(target)},
            check=True,
        )
        _collected_static = target
    return _collected_static


def server_env(workdir: Path, **extra: str) -> dict[str, str]:
    lessons_dir = workdir / "content"
    if not lessons_dir.exists():
        shutil.copytree(BASE_DIR / "lessons" / "content", lessons_dir)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "test-secret-key-" + "x" * 40,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_LESSONS_DIR": str(lessons_dir),
        # Production settings, but some tests edit lesson files under a running server.
        "DJANGO_LESSONS_RELOAD": "1",
        "PYTHONUNBUFFERED": "1",
        "DJANGO_DEMOS_DATABASE": "",  # as a real server runs: the demos in a file of their own
        # Test servers may share one Redis: keep their keys (rate limits, locks) apart.
        "DJANGO_CACHE_PREFIX": f"test-{uuid.uuid4().hex[:8]}",
    }
    database_url = os.environ.get("DATABASE_URL", "")
    if database_url.startswith("postgres"):
        env["DATABASE_URL"] = create_postgres_database(database_url)
    else:
        env["DATABASE_URL"] = f"sqlite:///{workdir / 'db.sqlite3'}"
    env.update(extra)
    env["DJANGO_STATIC_ROOT"] = str(collected_static(env))
    return env


def start_beside(env: dict[str, str], module: str, *args: str) -> subprocess.Popen:
    """A process beside the server, as ./run starts it: it stops when this one does."""
    command = [str(BIN / "python"), "-m", module, *args, "--parent", str(os.getpid())]
    return subprocess.Popen(command, cwd=BASE_DIR, env=env)


def start_upstreams(env: dict[str, str]) -> subprocess.Popen | None:
    """The simulated upstreams in a process of their own, as ./run starts them (unless the
    test asks for them inside the server: PLAYGROUND_UPSTREAM_URL set to "")."""
    if "PLAYGROUND_UPSTREAM_URL" in env:
        return None
    port = free_port()
    process = start_beside(env, "playground.upstream_server", "--port", str(port))
    deadline = time.monotonic() + 30
    import socket

    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the simulated upstreams did not start") from None
            time.sleep(0.05)
    env["PLAYGROUND_UPSTREAM_URL"] = f"http://127.0.0.1:{port}"
    return process


def start_runner(env: dict[str, str], workdir: Path) -> subprocess.Popen | None:
    """The exercise runs' own process, as ./run starts it (unless the test names one or asks
    for runs inside the server: EXERCISES_RUNNER set, "" for inside; or runs go to Celery)."""
    if "EXERCISES_RUNNER" in env or env.get("CELERY_BROKER_URL"):
        return None
    path = workdir / "runner.sock"
    process = start_beside(env, "exercises.runner_server", "--socket", str(path))
    deadline = time.monotonic() + 30
    while not path.is_socket():
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("the exercise runner did not start")
        time.sleep(0.05)
    env["EXERCISES_RUNNER"] = str(path)
    return process


def start_daphne(workdir: Path, **extra: str) -> RunningServer:
    env = server_env(workdir, **extra)
    prepare_database(env)
    upstreams = start_upstreams(env)
    runner = start_runner(env, workdir)
    server = launch(workdir, env)
    server.upstreams, server.runner = upstreams, runner
    return server


def prepare_database(env: dict[str, str]) -> None:
    """Migrate and seed the server's database, as ./run does before serving."""
    for command in (["migrate", "--no-input", "-v", "0"], ["load_demo_data"]):
        subprocess.run(
            [str(BIN / "python"), "manage.py", *command], cwd=BASE_DIR, env=env, check=True
        )


def launch(workdir: Path, env: dict[str, str]) -> RunningServer:
    """Start Daphne on a free port and wait until it says which one it took."""
    log_path = workdir / "server.log"
    with log_path.open("a") as log:
        offset = log_path.stat().st_size
        process = subprocess.Popen(
            [
                str(BIN / "daphne"),
                "-e",
                "tcp:port=0:interface=127.0.0.1:backlog=2048",
                "config.asgi:application",
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        match = LISTENING.search(log_path.read_text(errors="replace")[offset:])
        if match:
            url = f"http://127.0.0.1:{match.group(1)}"
            return RunningServer(url, process, log_path, Path(env["DJANGO_LESSONS_DIR"]), env)
        if process.poll() is not None:
            break
        time.sleep(0.05)
    process.kill()
    raise RuntimeError("Daphne did not start:\n" + log_path.read_text(errors="replace"))


def restart(server: RunningServer) -> RunningServer:
    """Stop the server process and start a new one on the same database (its data kept)."""
    server.process.terminate()
    server.process.wait(timeout=10)
    restarted = launch(server.log_path.parent, server.env)
    restarted.upstreams, restarted.runner = server.upstreams, server.runner
    return restarted


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_healthy(url: str, process: subprocess.Popen, log_path: Path) -> None:
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("server did not become healthy:\n" + log_path.read_text(errors="replace"))


def start_uvicorn(workdir: Path, workers: int, **extra: str) -> RunningServer:
    """Several Uvicorn worker processes on one port, as `./run serve --workers N` starts them."""
    env = server_env(workdir, WEB_CONCURRENCY=str(workers), **extra)
    prepare_database(env)
    upstreams = start_upstreams(env)
    runner = start_runner(env, workdir)
    server = launch_uvicorn(workdir, env, workers)
    server.upstreams, server.runner = upstreams, runner
    return server


def launch_uvicorn(workdir: Path, env: dict[str, str], workers: int = 1) -> RunningServer:
    """Another Uvicorn process on `env` (the same database, cache and key prefix)."""
    port = free_port()
    log_path = workdir / f"uvicorn-{port}.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [
                str(BIN / "uvicorn"),
                "config.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(workers),
                "--lifespan",
                "off",
                "--backlog",
                "2048",
                # As ./run starts it: the site reads X-Forwarded-For itself.
                "--no-proxy-headers",
                "--limit-concurrency",
                "1000",
                "--timeout-keep-alive",
                "5",
                "--http",
                "ops.uvicorn:H11Protocol",
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    wait_until_healthy(url, process, log_path)
    return RunningServer(url, process, log_path, Path(env["DJANGO_LESSONS_DIR"]), env)


def start_gunicorn(workdir: Path, **extra: str) -> RunningServer:
    """Gunicorn with Uvicorn workers, started the way the README says."""
    env = server_env(workdir, **extra)
    prepare_database(env)
    upstreams = start_upstreams(env)
    port = free_port()
    log_path = workdir / f"gunicorn-{port}.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "config.asgi:application",
                "-k",
                "ops.uvicorn.UvicornWorker",
                "-b",
                f"127.0.0.1:{port}",
                "--forwarded-allow-ips=",
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    wait_until_healthy(url, process, log_path)
    return RunningServer(url, process, log_path, Path(env["DJANGO_LESSONS_DIR"]), env, upstreams)
