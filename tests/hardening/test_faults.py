"""Faults in what the site depends on: each is a clear message in the demo panel's data, one
log line on the server, and the rest of the site keeps serving."""

import asyncio
import contextlib
import shutil
import socket
import sqlite3
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from tests.playground.http import get
from tests.servers import RunningServer, free_port, start_daphne

pytestmark = pytest.mark.server

FAULTS = {
    "hang": "timed out after 1 s",
    "refused": "could not connect: connection refused",
    "error": "HTTP 500: orders crashed (simulated fault)",
    "garbage": "HTTP 200: the response was not JSON",
}


@pytest.fixture(scope="module", params=sorted(FAULTS))
def faulty(request, tmp_path_factory) -> Iterator[tuple[RunningServer, str]]:
    server = start_daphne(
        tmp_path_factory.mktemp(f"fault-{request.param}"),
        PLAYGROUND_UPSTREAM_FAULT=request.param,
        PLAYGROUND_UPSTREAM_TIMEOUT="1",
    )
    yield server, request.param
    server.stop()


def warnings_in(server: RunningServer, since: int) -> list[str]:
    return [line for line in server.log()[since:].splitlines() if " WARNING " in line]


def test_upstream_faults_are_reported_not_crashed(faulty):
    server, fault = faulty
    before = len(server.log())
    for variant in ("async", "sync"):
        reply = get(f"{server.url}/playground/api/fanout/{variant}?calls=2&latency_ms=10")
        assert reply.status == 200
        body = reply.json()
        assert body["result"]["failed"] == 2
        assert body["result"]["error"] == f"2 of 2 upstream calls failed: {FAULTS[fault]}"
        assert all(not span["ok"] and span["detail"] for span in body["spans"])
    grouped = get(f"{server.url}/playground/api/fanout/taskgroup?calls=2&latency_ms=10").json()
    assert FAULTS[fault] in grouped["result"]["error"]
    lines = [line for line in warnings_in(server, before) if "fan-out:" in line]
    assert len(lines) == 3  # one line per run
    assert get(server.url + "/lessons/async-views/").status == 200
    assert "Traceback" not in server.log()[before:]


@pytest.fixture
def sqlite_server(tmp_path) -> Iterator[RunningServer]:
    # SQLite's one write lock per file is what this is about, whatever DATABASE_URL says.
    database = tmp_path / "db.sqlite3"
    server = start_daphne(tmp_path, DJANGO_SQLITE_TIMEOUT="1", DATABASE_URL=f"sqlite:///{database}")
    yield server
    server.stop()


@contextlib.contextmanager
def write_locked(path: Path) -> Iterator[None]:
    """Another process holds the only write lock of this SQLite file."""
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_a_locked_database_is_a_503_with_a_reason(sqlite_server):
    main = Path(sqlite_server.env["DATABASE_URL"].removeprefix("sqlite:///"))
    with write_locked(main.with_name("db-demos.sqlite3")):
        reply = get(sqlite_server.url + "/playground/api/async-orm/async")
        assert reply.status == 503
        assert "The database is not answering" in reply.json()["error"]
        assert reply.headers["Retry-After"] == "5"
        assert get(sqlite_server.url + "/lessons/async-orm/").status == 200
    assert "database is locked" in sqlite_server.log()  # the reason, for the operator
    assert get(sqlite_server.url + "/playground/api/async-orm/async").status == 200


def test_a_rating_on_a_locked_database_is_a_503_not_a_500(sqlite_server):
    async def rate() -> tuple[int, dict, dict]:
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
            async with session.get(sqlite_server.url + "/practice/") as page:
                await page.read()
            token = next(c.value for c in session.cookie_jar if c.key == "csrftoken")
            body = {"lesson": "async-views", "rating": 3, "review_id": str(uuid.uuid4())}
            async with session.post(
                sqlite_server.url + "/practice/api/review",
                json=body,
                headers={"X-CSRFToken": token},
            ) as reply:
                return reply.status, dict(reply.headers), await reply.json()

    main = Path(sqlite_server.env["DATABASE_URL"].removeprefix("sqlite:///"))
    with write_locked(main):
        status, headers, body = asyncio.run(rate())
    assert status == 503 and headers["Retry-After"] == "5"
    assert "busy or not answering" in body["error"]
    assert asyncio.run(rate())[0] == 201


@pytest.fixture
def own_redis(tmp_path) -> Iterator[tuple[str, subprocess.Popen]]:
    port = free_port()
    process = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while socket.socket().connect_ex(("127.0.0.1", port)) != 0:
        assert time.monotonic() < deadline, "redis-server did not start"
        time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0", process
    process.kill()
    process.wait()


@pytest.mark.skipif(not shutil.which("redis-server"), reason="needs redis-server")
def test_redis_gone_mid_run(own_redis, tmp_path):
    url, redis = own_redis
    server = start_daphne(tmp_path, REDIS_URL=url)
    try:
        assert get(server.url + "/playground/api/fanout/async?calls=1&latency_ms=1").status == 200
        redis.kill()
        redis.wait()
        before = len(server.log())
        reply = get(server.url + "/playground/api/fanout/async?calls=1&latency_ms=1")
        assert reply.status == 503
        assert "The cache is not answering" in reply.json()["error"]
        load = get(server.url + "/playground/api/fanout/async/load?concurrency=2&calls=1")
        assert load.status == 503
        assert get(server.url + "/lessons/async-views/").status == 200
        health = get(server.url + "/healthz")
        assert health.status == 503 and health.json()["cache"].startswith("failing:")
        assert "Traceback" not in server.log()[before:]
    finally:
        server.stop()


@pytest.mark.database
def test_a_database_that_goes_away_is_a_503_and_the_lessons_stay_up(tmp_path):
    import os

    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        pytest.skip("dropping the database mid-run is shown on PostgreSQL")
    from tests.servers import drop_postgres_database

    server = start_daphne(tmp_path)
    try:
        assert get(server.url + "/playground/api/async-orm/async").status == 200
        drop_postgres_database(server.env["DATABASE_URL"])  # gone, with its connections
        reply = get(server.url + "/playground/api/async-orm/async")
        assert reply.status == 503
        assert "The database is not answering" in reply.json()["error"]
        assert get(server.url + "/lessons/async-orm/").status == 200
        assert get(server.url + "/healthz").status == 503
    finally:
        server.stop()
