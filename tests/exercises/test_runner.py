"""The exercise runs' own process (exercises/runner_server.py): what the web process asks it,
what it answers, and what a learner reads when it is not there."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from exercises import running
from exercises.catalog import get_catalog
from exercises.sandbox import SandboxUnavailable

BASE_DIR = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def runner(tmp_path_factory, real_sandbox) -> Iterator[Path]:
    path = tmp_path_factory.mktemp("runner") / "runner.sock"
    process = subprocess.Popen(
        [sys.executable, "-m", "exercises.runner_server", "--socket", str(path)],
        cwd=BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"},
    )
    deadline = time.monotonic() + 30
    while not path.is_socket():
        assert process.poll() is None and time.monotonic() < deadline, "the runner did not start"
        time.sleep(0.05)
    yield path
    process.terminate()
    assert process.wait(timeout=10) == 0
    assert not path.exists()  # it cleans up after itself


@pytest.fixture
def on_the_runner(runner, settings) -> Path:
    settings.EXERCISES_RUNNER = str(runner)
    return runner


def raw(path: Path, line: bytes) -> dict:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        connection.settimeout(10)
        connection.connect(str(path))
        connection.sendall(line)
        return json.loads(connection.makefile("rb").readline())


def test_a_run_goes_to_the_runner_and_is_checked_here(on_the_runner):
    exercise = get_catalog().exercises["lost-update"]
    report = running.submit(exercise, exercise.solution)
    assert report.status == "pass", report.as_json()
    assert report.queue["position"] == 0 and report.timings["sandbox_ms"] > 0
    starter = running.submit(exercise, exercise.starter)
    assert starter.status == "fail" and any(test.status == "fail" for test in starter.tests)


def test_the_queue_status_is_the_runners(on_the_runner):
    status = running.queue_status("no-such-run")
    assert status["runs_on"] == "runner" and status["position"] is None
    assert status["slots"] >= 1 and status["queued"] == 0
    assert running.unavailable() is None


def test_the_runner_answers_what_it_cannot_read_and_keeps_serving(runner):
    assert "cannot read" in raw(runner, b"not json\n")["error"]
    assert raw(runner, b'{"op": "launch"}\n') == {"error": "unknown op 'launch'"}
    assert "cannot read" in raw(runner, b'{"op": "run"}\n')["error"]  # no job
    assert raw(runner, b'{"op": "unavailable"}\n') == {"unavailable": None}


def test_every_run_waiting_at_once_gets_through(runner):
    """Each waiting run holds a connection: 64 at once are all answered, none refused."""
    with ThreadPoolExecutor(64) as threads:
        answers = list(threads.map(lambda _: raw(runner, b'{"op": "status"}\n'), range(64)))
    assert all(answer["position"] is None for answer in answers)


def test_the_socket_is_this_users_alone(runner):
    assert runner.stat().st_mode & 0o777 == 0o600


def test_no_runner_means_exercises_say_so_and_runs_get_503(settings, tmp_path, client):
    settings.EXERCISES_RUNNER = str(tmp_path / "gone.sock")
    assert running.unavailable() == "the exercise runner is not answering"  # no path shown
    with pytest.raises(SandboxUnavailable, match="not answering"):
        running.submit(get_catalog().exercises["lost-update"], "x = 1\n")
    client.get("/exercises/")
    reply = client.post(
        "/exercises/api/lost-update/run",
        json.dumps({"code": "x = 1\n"}),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value,
    )
    assert reply.status_code == 503 and "not answering" in reply.json()["error"]


def children(pid: int) -> list[int]:
    return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def status_from(path: Path) -> dict | None:
    try:
        return raw(path, b'{"op": "status", "key": ""}\n')
    except OSError:  # between two runners: no socket, or nobody answering on it yet
        return None


def supervisor_at(path: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "exercises.runner_server", "--socket", str(path)],
        cwd=BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"},
    )


def replaced(supervisor: subprocess.Popen, path: Path, gone: int) -> int:
    """Wait for a runner other than `gone` to answer on `path`; its pid."""
    deadline = time.monotonic() + 30
    while not (children(supervisor.pid) and children(supervisor.pid) != [gone]):
        assert supervisor.poll() is None, "the supervisor stopped"
        assert time.monotonic() < deadline, "no runner replaced the one that stopped"
        time.sleep(0.05)
    while (status := status_from(path)) is None:
        assert time.monotonic() < deadline, "the new runner does not answer"
        time.sleep(0.05)
    assert status["queued"] == 0
    [runner] = children(supervisor.pid)
    return runner


@pytest.mark.skipif(
    not Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children").exists(),
    reason="needs /proc/PID/task/TID/children",
)
def test_a_runner_that_stops_of_itself_is_replaced_and_stops_with_its_supervisor(
    tmp_path, real_sandbox
):
    path = tmp_path / "runner.sock"
    supervisor = supervisor_at(path)
    try:
        first = replaced(supervisor, path, gone=0)
        os.kill(first, signal.SIGKILL)  # as the kernel's out-of-memory killer would
        second = replaced(supervisor, path, gone=first)
        os.kill(second, signal.SIGTERM)  # stopped on its own: it ends cleanly, exit status 0
        third = replaced(supervisor, path, gone=second)
    finally:
        supervisor.terminate()
    assert supervisor.wait(timeout=30) == 0
    assert not Path(f"/proc/{third}").exists()  # the runner stopped with it
    assert not path.exists()


def test_a_runner_that_cannot_start_is_not_tried_again_and_again(tmp_path):
    supervisor = supervisor_at(tmp_path / "no-such-folder" / "runner.sock")
    assert supervisor.wait(timeout=60) != 0
