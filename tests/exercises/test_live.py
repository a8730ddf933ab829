"""Exercises through the real Daphne server: a run end to end over HTTP, and lesson pages that
keep being served while hostile runs burn their limits."""

import json
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from exercises.catalog import get_catalog
from tests.exercises.conftest import descendants
from tests.playground.http import get
from tests.servers import RunningServer

LESSON = "/lessons/async-views/"


@pytest.fixture
def server(asgi_server, real_sandbox) -> RunningServer:
    """The suite's real Daphne server (tests/conftest.py), as ./run starts it."""
    return asgi_server


def run_exercise(server: RunningServer, slug: str, code: str) -> tuple[int, dict]:
    token = "b" * 32
    request = urllib.request.Request(
        f"{server.url}/exercises/api/{slug}/run",
        data=json.dumps({"code": code}).encode(),
        headers={
            "Content-Type": "application/json",
            "X-CSRFToken": token,
            "Cookie": f"csrftoken={token}",
            "Referer": server.url + "/",
        },
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def lesson_pages_while(server: RunningServer, code: str) -> tuple[dict, list[float]]:
    """Run `code` for the dashboard exercise while fetching a lesson page back to back."""
    result: dict = {}
    done = threading.Event()

    def attack() -> None:
        result["status"], result["body"] = run_exercise(server, "concurrent-dashboard", code)
        done.set()

    thread = threading.Thread(target=attack)
    thread.start()
    times = []
    while not done.is_set():
        reply = get(server.url + LESSON, timeout=30)
        assert reply.status == 200
        times.append(reply.elapsed_ms)
    thread.join()
    return result, times


def test_a_solution_passes_over_http(server):
    exercise = get_catalog().exercises["concurrent-dashboard"]
    status, body = run_exercise(server, exercise.slug, exercise.solution)
    assert status == 200 and body["status"] == "pass", body
    calls = [span for span in body["trace"]["spans"] if span["kind"] == "http"]
    assert {span["label"] for span in calls} == {"GET orders", "GET billing", "GET stock"}


def test_the_web_process_never_starts_a_sandbox(server):
    """As ./run serves: the runs' own process starts them, and the server asks it."""
    exercise = get_catalog().exercises["lost-update"]
    status, body = run_exercise(server, exercise.slug, exercise.solution)
    assert status == 200 and body["status"] == "pass", body
    assert get(server.url + "/exercises/api/status").json()["runs_on"] == "runner"
    # (The server's own children, if any, are the CPU demo's process pool.)
    assert "bwrap" not in {name(pid) for pid in descendants(server.process.pid)}
    assert "bwrap" in {name(pid) for pid in descendants(server.runner.pid)}  # the warm ones


def name(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


BURN_EVERY_CORE = """
import hashlib, os, threading

def burn():
    while True:
        hashlib.pbkdf2_hmac("sha256", b"x", b"salt", 100_000)  # releases the GIL

for _ in range(os.cpu_count() or 2):
    threading.Thread(target=burn).start()
burn()
"""


def test_lesson_pages_are_served_while_a_run_burns_every_core(server):
    get(server.url + LESSON)  # rendered and cached before the clock starts
    start = time.monotonic()
    result, times = lesson_pages_while(server, BURN_EVERY_CORE)
    took = time.monotonic() - start
    assert result["status"] == 200
    # 5 s of CPU, or 10 s of wall time first when the machine is this busy: either ends it.
    assert (result["body"]["status"], result["body"]["message"]) in {
        ("error", "the run used more than 5 s of CPU"),
        ("timeout", "the run took longer than 10 s and was stopped"),
    }
    # Pages kept coming, each in a small fraction of the time the run took.
    assert len(times) > 10 and max(times) < took * 1000 / 5


def test_lesson_pages_are_served_during_a_fork_bomb(server):
    result, times = lesson_pages_while(server, "import os\nwhile True:\n    os.fork()\n")
    assert result["body"]["status"] == "error"
    assert "at most 64 processes" in result["body"]["message"]
    assert times and all(t < 5000 for t in times)
