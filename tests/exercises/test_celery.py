"""With CELERY_BROKER_URL set, exercise runs go to Celery workers: the web process starts no
sandbox. Runs only where a broker is configured, like tests/ops/test_celery.py."""

import os
import re
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from exercises.catalog import get_catalog
from tests.exercises.conftest import descendants
from tests.exercises.test_live import run_exercise
from tests.playground.http import get
from tests.servers import BASE_DIR, BIN, RunningServer, start_daphne

BROKER = os.environ.get("CELERY_BROKER_URL") or (
    os.environ["REDIS_URL"].rsplit("/", 1)[0] + "/1" if os.environ.get("REDIS_URL") else ""
)
pytestmark = pytest.mark.skipif(
    not BROKER, reason="needs a broker: CELERY_BROKER_URL, or REDIS_URL to derive one"
)


@pytest.fixture(scope="module")
def celery_site(tmp_path_factory, real_sandbox) -> Iterator[tuple[RunningServer, int]]:
    workdir = tmp_path_factory.mktemp("exercises-celery")
    queue = f"test-exercises-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "CELERY_BROKER_URL": BROKER,
        "EXERCISES_CELERY_QUEUE": queue,
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    log_path = workdir / "celery.log"
    with log_path.open("w") as log:
        worker = subprocess.Popen(
            [str(BIN / "celery"), "-A", "playground.celery_app", "worker", "--pool", "solo",
             "--queues", queue, "--without-heartbeat", "--without-gossip", "--without-mingle",
             "--loglevel", "INFO"],
            cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    deadline = time.monotonic() + 60
    while not re.search(r"\bready\.", log_path.read_text(errors="replace")):
        if worker.poll() is not None or time.monotonic() > deadline:
            worker.kill()
            raise RuntimeError("Celery worker did not start:\n" + log_path.read_text())
        time.sleep(0.1)
    server = start_daphne(
        workdir, CELERY_BROKER_URL=BROKER, EXERCISES_CELERY_QUEUE=queue, EXERCISES_RATE_LIMIT="100"
    )
    yield server, worker.pid
    server.stop()
    worker.terminate()
    worker.wait(timeout=20)


def commands_below(pid: int) -> list[str]:
    commands = []
    for child in descendants(pid):
        try:
            commands.append(
                Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            )
        except OSError:
            continue
    return commands


def test_runs_go_to_the_celery_worker_and_the_web_process_starts_no_sandbox(celery_site):
    server, worker_pid = celery_site
    assert get(server.url + "/exercises/api/status").json()["runs_on"] == "celery"
    exercise = get_catalog().exercises["lost-update"]
    status, body = run_exercise(server, exercise.slug, exercise.solution)
    assert status == 200 and body["status"] == "pass", body
    status, body = run_exercise(server, exercise.slug, exercise.starter)
    assert body["status"] == "fail"
    assert not any("bwrap" in command for command in commands_below(server.process.pid))
    assert any("bwrap" in command for command in commands_below(worker_pid))  # its warm spare
