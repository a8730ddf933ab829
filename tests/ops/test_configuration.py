"""Safe by configuration: servers started by hand are production unless told otherwise, the
development tools say they are development, and every boolean has one reading."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.test import Client

from tests.servers import BASE_DIR, BIN, free_port

pytestmark = pytest.mark.server

# What a new operator's shell might hold: nothing of ours.
BARE = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}

SERVERS = {
    "daphne": lambda port: [str(BIN / "daphne"), "-p", str(port), "config.asgi:application"],
    "uvicorn": lambda port: [
        str(BIN / "uvicorn"),
        "config.asgi:application",
        "--port",
        str(port),
        "--lifespan",
        "off",
    ],
    "gunicorn": lambda port: [
        str(BIN / "gunicorn"),
        "config.asgi:application",
        "-k",
        "uvicorn_worker.UvicornWorker",
        "-b",
        f"127.0.0.1:{port}",
    ],
}


@pytest.mark.parametrize("server", sorted(SERVERS))
def test_a_server_started_by_hand_is_production_and_needs_a_secret_key(server):
    process = subprocess.Popen(
        SERVERS[server](free_port()),
        cwd=BASE_DIR,
        env=BARE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        output, _ = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
        pytest.fail(f"{server} kept running without DJANGO_SECRET_KEY:\n{output}")
    assert process.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in output


def test_manage_py_is_development_and_says_so_on_a_terminal():
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, manage; sys.argv = ['manage.py', 'diffsettings', '--all']; manage.main()",
        ],
        cwd=BASE_DIR,
        env=BARE,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "DEBUG = True" in result.stdout


@pytest.mark.parametrize("word", ["OFF", "off", "0", "false", "No"])
def test_run_and_the_settings_agree_on_production(word, tmp_path):
    """./run asks the settings' own parser, so DJANGO_DEBUG=OFF means production to both
    (and ./run collects static files, or every page's CSS would 404)."""
    script = "source ./run; if production; then echo production; else echo development; fi"
    shell = subprocess.run(
        ["bash", "-c", script],
        cwd=BASE_DIR,
        env={**BARE, "DJANGO_DEBUG": word},
        capture_output=True,
        text=True,
        timeout=60,
    )
    settings = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.DEBUG)"],
        cwd=BASE_DIR,
        env={
            **BARE,
            "DJANGO_DEBUG": word,
            "DJANGO_SECRET_KEY": "x" * 50,
            "DJANGO_SETTINGS_MODULE": "config.settings",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert shell.stdout.strip() == "production", shell.stderr
    assert settings.stdout.strip() == "False", settings.stderr


def test_a_nonsense_boolean_stops_run_naming_the_variable():
    script = "source ./run; production"
    result = subprocess.run(
        ["bash", "-c", script],
        cwd=BASE_DIR,
        env={**BARE, "DJANGO_DEBUG": "maybe"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "DJANGO_DEBUG must be 1/0" in result.stderr


def test_hsts_preload_is_opt_in():
    def setting(**env: str) -> str:
        code = (
            "from django.conf import settings; "
            "print(settings.SECURE_HSTS_PRELOAD, settings.SECURE_HSTS_SECONDS)"
        )
        return subprocess.run(
            [sys.executable, "-c", code],
            cwd=BASE_DIR,
            env={
                **BARE,
                "DJANGO_SECRET_KEY": "x" * 50,
                "DJANGO_SETTINGS_MODULE": "config.settings",
                **env,
            },
            capture_output=True,
            text=True,
            timeout=60,
        ).stdout.strip()

    assert setting(DJANGO_HTTPS="1") == "False 31536000"
    assert setting(DJANGO_HTTPS="1", DJANGO_HSTS_PRELOAD="1") == "True 31536000"
    assert setting(DJANGO_HTTPS="1", DJANGO_HSTS_SECONDS="600") == "False 600"


def test_the_lock_files_pin_every_package_with_hashes():
    for name in ("requirements.lock", "requirements-test.lock"):
        text = (Path(BASE_DIR) / name).read_text()
        pins = [line for line in text.splitlines() if "==" in line and not line.startswith("#")]
        assert pins and all(line.endswith("\\") for line in pins)
        assert text.count("--hash=sha256:") >= len(pins)
    assert "django==5.2." in (Path(BASE_DIR) / "requirements.lock").read_text()


@pytest.mark.django_db
def test_robots_and_sitemap_list_tracks_and_lessons():
    client = Client(HTTP_HOST="127.0.0.1")
    robots = client.get("/robots.txt")
    assert robots["Content-Type"].startswith("text/plain")
    assert "Disallow: /playground/api/" in robots.content.decode()
    assert "Sitemap: http://127.0.0.1/sitemap.xml" in robots.content.decode()
    sitemap = client.get("/sitemap.xml").content.decode()
    assert "<loc>http://127.0.0.1/tracks/async/</loc>" in sitemap
    assert "<loc>http://127.0.0.1/lessons/async-views/</loc>" in sitemap


def wait_for(predicate, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline
        time.sleep(0.05)


def open_files_limits(pid: int) -> tuple[str, str]:
    line = next(
        line
        for line in Path(f"/proc/{pid}/limits").read_text().splitlines()
        if line.startswith("Max open files")
    )
    soft, hard = line.split()[3:5]
    return soft, hard


@pytest.mark.parametrize("command", [["./run"], ["./run", "serve", "--workers", "2"]])
def test_run_serves_with_slow_client_limits(command, tmp_path):
    """./run raises its own descriptor limit, and starts Uvicorn with a cap on connections and
    a keep-alive timeout, and without trusting X-Forwarded-For itself."""
    port = free_port()
    env = {
        **BARE,
        "PORT": str(port),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
        "DJANGO_LESSONS_DIR": str(BASE_DIR / "lessons" / "content"),
    }
    process = subprocess.Popen(
        command,
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        wait_for(lambda: healthy(port), timeout=120)
        soft, hard = open_files_limits(process.pid)
        assert soft == hard
        arguments = Path(f"/proc/{process.pid}/cmdline").read_bytes().split(b"\0")
        if "serve" in command:
            for flag in (b"--no-proxy-headers", b"--limit-concurrency", b"--timeout-keep-alive"):
                assert flag in arguments
        else:
            assert any(b"daphne" in argument for argument in arguments)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    assert "Development mode (DJANGO_DEBUG=1)" in output


def healthy(port: int) -> bool:
    import urllib.request

    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as reply:
            return reply.status == 200
    except OSError:
        return False
