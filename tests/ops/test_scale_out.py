"""Two Uvicorn workers on PostgreSQL and Redis: nothing a learner relies on lives in one
worker's memory. Runs when DATABASE_URL names PostgreSQL and REDIS_URL is set (.ci/run sets
both when the services answer)."""

import asyncio
import os
import subprocess
import uuid
from collections.abc import Iterator

import aiohttp
import pytest

from tests.servers import BASE_DIR, BIN, RunningServer, launch_uvicorn, start_uvicorn

pytestmark = [
    pytest.mark.database,
    pytest.mark.server,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres")
        or not os.environ.get("REDIS_URL"),
        reason="needs PostgreSQL (DATABASE_URL) and Redis (REDIS_URL)",
    ),
]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> Iterator[RunningServer]:
    server = start_uvicorn(tmp_path_factory.mktemp("cluster"), workers=2)
    yield server
    server.stop()


@pytest.fixture
def workers(tmp_path_factory) -> Iterator[tuple[RunningServer, RunningServer]]:
    """Two worker processes sharing one database, cache and key prefix, each on its own port.

    A shared listening socket gives no say over which worker takes a connection (one worker
    often takes them all); with a port each, a test can address worker 1 and then worker 2,
    as a proxy in front of them would.
    """
    workdir = tmp_path_factory.mktemp("workers")
    first = start_uvicorn(
        workdir, workers=1, PLAYGROUND_RATE_LIMIT="20", PLAYGROUND_RATE_WINDOW="86400"
    )
    second = launch_uvicorn(workdir, first.env)
    yield first, second
    second.process.terminate()
    second.process.wait(timeout=10)
    first.stop()


def fresh_connections(jar: aiohttp.CookieJar | None = None) -> aiohttp.ClientSession:
    """A new TCP connection per request, so the kernel hands requests to either worker."""
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(force_close=True),
        cookie_jar=jar or aiohttp.CookieJar(unsafe=True),
    )


async def call(session, method: str, url: str, **kwargs) -> tuple[int, str, dict | str]:
    """The status, the process that answered (shown to staff only) and the body."""
    async with session.request(method, url, **kwargs) as response:
        body = (
            await response.json()
            if response.content_type == "application/json"
            else await response.text()
        )
        return response.status, response.headers.get("X-Served-By", ""), body


def create_staff(server: RunningServer) -> tuple[str, str]:
    username, password = "operator", "a long staff passphrase 42"
    subprocess.run(
        [
            str(BIN / "python"),
            "manage.py",
            "createsuperuser",
            "--noinput",
            "--username",
            username,
            "--email",
            "ops@example.com",
        ],
        cwd=BASE_DIR,
        env={**server.env, "DJANGO_SUPERUSER_PASSWORD": password},
        check=True,
        capture_output=True,
    )
    return username, password


async def sign_in(session, server: RunningServer, username: str, password: str) -> str:
    async with session.get(server.url + "/accounts/login/") as page:
        await page.read()
    token = next(c.value for c in session.cookie_jar if c.key == "csrftoken")
    async with session.post(
        server.url + "/accounts/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": token},
        allow_redirects=False,
    ) as reply:
        assert reply.status == 302, await reply.text()
    return next(c.value for c in session.cookie_jar if c.key == "csrftoken")


def test_progress_written_on_one_worker_is_read_on_the_other(cluster):
    staff = create_staff(cluster)  # staff are told which worker answered

    async def scenario():
        async with fresh_connections() as session:
            token = await sign_in(session, cluster, *staff)
            body = {"lesson": "async-views", "rating": 3, "review_id": str(uuid.uuid4())}
            status, writer, _ = await call(
                session,
                "POST",
                f"{cluster.url}/practice/api/review",
                json=body,
                headers={"X-CSRFToken": token},
            )
            assert status == 201
            for _ in range(100):
                status, reader, exported = await call(
                    session, "GET", f"{cluster.url}/practice/export.json"
                )
                if reader != writer:
                    return writer, reader, exported
        raise AssertionError("every request went to the same worker")

    writer, reader, exported = asyncio.run(scenario())
    assert writer != reader
    assert [p["lesson"] for p in exported["progress"]] == ["async-views"]
    assert exported["progress"][0]["reviews"] == 1


def test_rate_limit_holds_across_workers(workers):
    first, second = workers

    async def scenario():
        async with fresh_connections() as session:
            path = "/playground/api/fanout/async?calls=1&latency_ms=1"
            results = []
            for index in range(21):  # 10 on one worker, 10 on the other, then one more
                server = first if index % 2 == 0 else second
                results.append(await call(session, "GET", server.url + path))
            return results

    results = asyncio.run(scenario())
    assert [status for status, _, _ in results] == [200] * 20 + [429]
    assert "Too many demo runs: at most 20" in results[-1][2]["error"]


def test_one_load_run_at_a_time_across_workers(workers):
    import redis

    first, second = workers
    # Django's key format, in the cache kept for limits and locks.
    lock = f"{first.env['DJANGO_CACHE_PREFIX']}:limits:1:playground:load-run"
    shared = redis.Redis.from_url(os.environ["REDIS_URL"])

    async def scenario():
        async with fresh_connections() as session:
            path = "/playground/api/blocking/asyncio-sleep/load?concurrency=5&sleep_ms=800"
            running = asyncio.create_task(call(session, "GET", first.url + path))
            # Wait until worker 1's run holds the lock in the shared cache, then ask worker 2.
            for _ in range(500):
                if shared.exists(lock):
                    break
                await asyncio.sleep(0.01)
            else:
                raise AssertionError("worker 1 never took the load-run lock")
            refused = await call(session, "GET", second.url + path)
            return await running, refused

    (status, _, _), (refused, _, body) = asyncio.run(scenario())
    assert status == 200 and refused == 429  # worker 2 saw worker 1's lock
    assert "A load run is already in progress" in body["error"]
