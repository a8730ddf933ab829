"""The cpu-bound demo's Celery variant, on a real Celery worker started for the test."""

import os
import re
import subprocess
import time
import uuid
from collections.abc import Iterator

import pytest

from tests.playground.http import get
from tests.servers import BASE_DIR, BIN, RunningServer, start_daphne

BROKER = os.environ.get("CELERY_BROKER_URL") or (
    os.environ["REDIS_URL"].rsplit("/", 1)[0] + "/1" if os.environ.get("REDIS_URL") else ""
)
pytestmark = [
    pytest.mark.server,
    pytest.mark.skipif(
        not BROKER, reason="needs a broker: CELERY_BROKER_URL, or REDIS_URL to derive one"
    ),
]


@pytest.fixture(scope="module")
def celery_server(tmp_path_factory) -> Iterator[RunningServer]:
    workdir = tmp_path_factory.mktemp("celery")
    queue = f"test-{uuid.uuid4().hex[:8]}"  # this test's tasks reach this test's worker only
    env = {
        **os.environ,
        "CELERY_BROKER_URL": BROKER,
        "CELERY_QUEUE": queue,
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    log_path = workdir / "celery.log"
    with log_path.open("w") as log:
        worker = subprocess.Popen(
            [
                str(BIN / "celery"),
                "-A",
                "playground.celery_app",
                "worker",
                "--pool",
                "solo",
                "--queues",
                queue,
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
                "--loglevel",
                "INFO",
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while not re.search(r"\bready\.", log_path.read_text(errors="replace")):
        if worker.poll() is not None or time.monotonic() > deadline:
            worker.kill()
            raise RuntimeError("Celery worker did not start:\n" + log_path.read_text())
        time.sleep(0.1)
    server = start_daphne(workdir, CELERY_BROKER_URL=BROKER, CELERY_QUEUE=queue)
    yield server
    server.stop()
    worker.terminate()
    worker.wait(timeout=20)


def test_cpu_bound_work_runs_on_the_celery_worker(celery_server):
    reply = get(celery_server.url + "/playground/api/cpu-bound/celery?work_ms=100")
    assert reply.status == 200, reply.body
    body = reply.json()
    assert body["result"]["offload"] == "celery"
    [span] = body["spans"]
    assert span["ok"] and span["thread"].startswith("celery pid ")
    assert body["loop_lag_ms"] < 100  # less than the work itself: it ran elsewhere


def test_without_a_broker_the_celery_variant_uses_the_process_pool(asgi_server):
    if asgi_server.env.get("CELERY_BROKER_URL"):
        pytest.skip("this server has a broker")
    body = get(asgi_server.url + "/playground/api/cpu-bound/celery?work_ms=50").json()
    assert body["result"]["offload"] == "process pool"
    assert "CELERY_BROKER_URL is not set" in body["spans"][0]["detail"]
