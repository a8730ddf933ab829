"""One visitor cannot hurt the others, against the real servers: who the client is behind a
proxy, bodies that are too big or never finish, a client's fair share of the demo gate, CPU
demos inside a budget, SQLite's write lock, and what responses say about the server."""

import asyncio
import json
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import aiohttp
import pytest

from tests.playground.http import get, raw_request
from tests.servers import RunningServer, start_daphne, start_gunicorn, start_uvicorn

pytestmark = pytest.mark.server

STARTERS: dict[str, Callable[..., RunningServer]] = {
    "daphne": start_daphne,
    "uvicorn": lambda workdir, **env: start_uvicorn(workdir, workers=2, **env),
    "gunicorn": start_gunicorn,
}


@pytest.fixture(scope="module", params=sorted(STARTERS))
def proxied(request, tmp_path_factory) -> Iterator[tuple[str, RunningServer]]:
    """A server of each kind behind a (pretend) proxy on 127.0.0.1, with a small rate limit,
    and Redis-free: each worker counts for itself, so one worker is enough to show it."""
    server = STARTERS[request.param](
        tmp_path_factory.mktemp(f"proxied-{request.param}"),
        DJANGO_TRUSTED_PROXIES="127.0.0.1",
        PLAYGROUND_RATE_LIMIT="4",
        PLAYGROUND_RATE_WINDOW="3600",
        REDIS_URL="",
    )
    yield request.param, server
    server.stop()


@pytest.fixture(scope="module", params=sorted(STARTERS))
def direct(request, tmp_path_factory) -> Iterator[tuple[str, RunningServer]]:
    """The same, with no trusted proxy: X-Forwarded-For is the client's own claim."""
    server = STARTERS[request.param](
        tmp_path_factory.mktemp(f"direct-{request.param}"),
        PLAYGROUND_RATE_LIMIT="4",
        PLAYGROUND_RATE_WINDOW="3600",
        REDIS_URL="",
    )
    yield request.param, server
    server.stop()


def demo_statuses(server: RunningServer, forwarded_for: Callable[[int], str], runs: int):
    url = server.url + "/playground/api/fanout/async?calls=1&latency_ms=0"
    return [get(url, headers={"X-Forwarded-For": forwarded_for(n)}).status for n in range(runs)]


def test_a_spoofed_forwarded_for_from_an_untrusted_peer_changes_nothing(direct):
    kind, server = direct
    statuses = demo_statuses(server, lambda n: f"203.0.113.{n}", 12)
    if kind == "uvicorn":  # two workers, each with its own count
        assert statuses.count(200) <= 8 and statuses.count(429) >= 4, statuses
    else:
        assert statuses == [200] * 4 + [429] * 8, statuses


def test_a_trusted_proxy_separates_two_clients(proxied):
    kind, server = proxied
    first = demo_statuses(server, lambda n: "198.51.100.7", 12)
    assert 429 in first, first
    # The right-most address the proxy did not add is the client; a forged left part is not.
    second = demo_statuses(server, lambda n: f"10.9.9.{n}, 198.51.100.8", 2)
    assert second == [200, 200], (kind, second)
    log = server.log()
    assert "198.51.100.8 GET /playground/api/fanout/async" in log


# --- Bodies


def rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return (
        int(next(line for line in status.splitlines() if line.startswith("VmRSS")).split()[1])
        / 1024
    )


def server_pids(server: RunningServer) -> list[int]:
    children = Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children")
    return [server.process.pid, *(int(pid) for pid in children.read_text().split())]


@pytest.fixture(scope="module", params=["daphne", "uvicorn"])
def bodies_server(request, tmp_path_factory) -> Iterator[RunningServer]:
    server = STARTERS[request.param](
        tmp_path_factory.mktemp(f"bodies-{request.param}"), DJANGO_BODY_TIMEOUT="2"
    )
    yield server
    server.stop()


def test_a_large_upload_is_a_413_and_memory_stays_flat(bodies_server):
    before = sum(rss_mb(pid) for pid in server_pids(bodies_server))
    size = 200 * 1024 * 1024
    head = (
        b"POST /practice/import/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/json\r\n" + f"Content-Length: {size}\r\n\r\n".encode()
    )
    chunk = b" " * (1024 * 1024)
    answer = raw_request(bodies_server.url, head, (chunk for _ in range(200)))
    assert answer.startswith(b"HTTP/1.1 413")
    assert b"larger than 5 MB" in answer
    after = sum(rss_mb(pid) for pid in server_pids(bodies_server))
    assert after - before < 50, (before, after)


def test_a_chunked_body_past_the_limit_is_a_413(bodies_server):
    head = (
        b"POST /practice/import/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    chunk = b" " * (1024 * 1024)
    pieces = (f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n" for _ in range(20))
    answer = raw_request(bodies_server.url, head, pieces)
    assert answer.startswith(b"HTTP/1.1 413")


def stall_bodies(server: RunningServer, count: int) -> list[socket.socket]:
    """`count` demo requests that promise a body and never finish it."""
    port = int(server.url.rsplit(":", 1)[1])
    stalled = []
    for _ in range(count):
        connection = socket.create_connection(("127.0.0.1", port), timeout=10)
        connection.sendall(
            b"GET /playground/api/fanout/async HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Length: 1000\r\n\r\nabc"
        )
        stalled.append(connection)
    return stalled


def test_bodies_that_never_finish_hold_no_demo_slot(bodies_server):
    stalled = stall_bodies(bodies_server, 40)
    try:
        reply = get(bodies_server.url + "/playground/api/fanout/async?calls=1&latency_ms=0")
        assert reply.status == 200
    finally:
        for connection in stalled:
            connection.close()


def test_a_body_that_never_finishes_is_a_408_on_uvicorn(tmp_path):
    # Daphne never hands an unfinished body to the site at all; Uvicorn streams it, and the
    # site stops waiting after DJANGO_BODY_TIMEOUT.
    server = STARTERS["uvicorn"](tmp_path, DJANGO_BODY_TIMEOUT="1")
    try:
        stalled = stall_bodies(server, 5)
        answers = [connection.recv(4096) for connection in stalled]
        assert all(answer.startswith(b"HTTP/1.1 408") for answer in answers), answers[:2]
        for connection in stalled:
            connection.close()
    finally:
        server.stop()


# --- A client's fair share of the gate


@pytest.fixture(scope="module")
def shared(tmp_path_factory) -> Iterator[RunningServer]:
    server = start_daphne(
        tmp_path_factory.mktemp("shared"),
        DJANGO_TRUSTED_PROXIES="127.0.0.1",
        PLAYGROUND_RATE_LIMIT="100000",
        PLAYGROUND_CLIENT_MAX_RUNS="4",
        PLAYGROUND_CLIENT_RUN_SECONDS="30",
    )
    yield server
    server.stop()


async def stream(session, server, client: str, seconds: float) -> int:
    run = uuid.uuid4().hex[:12]
    events = max(2, int(seconds / 0.5))
    url = f"{server.url}/playground/api/streaming/async?events={events}&interval_ms=500&run={run}"
    async with session.get(url, headers={"X-Forwarded-For": client}) as response:
        await response.read()
        return response.status


async def one_run(session, server, client: str) -> int:
    url = f"{server.url}/playground/api/fanout/async?calls=1&latency_ms=0"
    async with session.get(url, headers={"X-Forwarded-For": client}) as response:
        await response.read()
        return response.status


def test_a_second_client_runs_demos_while_the_first_holds_its_share(shared):
    async def scenario():
        async with aiohttp.ClientSession() as session:
            hog = [asyncio.create_task(stream(session, shared, "192.0.2.1", 6)) for _ in range(32)]
            await asyncio.sleep(0.5)  # the hog's first runs are streaming now
            others = [await one_run(session, shared, "192.0.2.2") for _ in range(9)]
            return others, await asyncio.gather(*hog)

    others, hog = asyncio.run(scenario())
    assert others == [200] * 9
    assert hog.count(200) <= 4 and hog.count(429) >= 28, hog


def test_long_runs_count_by_their_duration(shared):
    async def scenario():
        async with aiohttp.ClientSession() as session:
            first = await asyncio.gather(
                *(stream(session, shared, "192.0.2.3", 4) for _ in range(4))
            )
            # 4 runs x 4 s = 16 s held; 30 s allowed per window: two more such rounds refused.
            second = await asyncio.gather(
                *(stream(session, shared, "192.0.2.3", 4) for _ in range(4))
            )
            third = await asyncio.gather(
                *(stream(session, shared, "192.0.2.3", 4) for _ in range(4))
            )
            return first, second, third

    first, second, third = asyncio.run(scenario())
    assert first == [200] * 4
    assert 429 in second + third
    assert asyncio.run(one_other(shared)) == 200


async def one_other(server) -> int:
    async with aiohttp.ClientSession() as session:
        return await one_run(session, server, "192.0.2.99")


# --- SQLite's one write lock


@pytest.fixture(scope="module")
def busy_sqlite(tmp_path_factory) -> Iterator[RunningServer]:
    workdir = tmp_path_factory.mktemp("busy-sqlite")
    server = start_daphne(
        workdir,
        DATABASE_URL=f"sqlite:///{workdir / 'db.sqlite3'}",
        PLAYGROUND_RATE_LIMIT="100000",
        PLAYGROUND_CLIENT_MAX_RUNS="100",
        PRACTICE_IMPORTS_PER_HOUR="100",
    )
    yield server
    server.stop()


def big_progress_file() -> bytes:
    reviews = [
        {
            "review_id": str(uuid.uuid4()),
            "lesson": "async-views",
            "rating": 3,
            "reviewed_at": "2026-11-01T10:00:00+00:00",
            "due_after": "2026-11-02T10:00:00+00:00",
            "answer": "x" * 500,
        }
        for _ in range(5000)
    ]
    data = {"format": "interview-lab-progress", "version": 1, "reviews": reviews}
    return json.dumps(data).encode()


async def csrf_session(server) -> tuple[aiohttp.ClientSession, str]:
    session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    async with session.get(server.url + "/practice/") as page:
        await page.read()
    return session, next(c.value for c in session.cookie_jar if c.key == "csrftoken")


def test_a_rating_succeeds_while_imports_and_locking_demos_run(busy_sqlite):
    payload = big_progress_file()

    async def importer():
        session, token = await csrf_session(busy_sqlite)
        async with (
            session,
            session.post(
                busy_sqlite.url + "/practice/import/",
                data=payload,
                headers={"X-CSRFToken": token, "Content-Type": "application/json"},
            ) as reply,
        ):
            return reply.status

    async def locker(session):
        url = busy_sqlite.url + "/playground/api/locking/select-for-update?hold_ms=1000"
        async with session.get(url) as reply:
            await reply.read()
            return reply.status

    async def rater():
        await asyncio.sleep(0.5)  # once the imports and the locks are under way
        session, token = await csrf_session(busy_sqlite)
        async with session:
            body = {"lesson": "async-orm", "rating": 4, "review_id": str(uuid.uuid4())}
            started = time.perf_counter()
            async with session.post(
                busy_sqlite.url + "/practice/api/review", json=body, headers={"X-CSRFToken": token}
            ) as reply:
                return reply.status, time.perf_counter() - started

    async def scenario():
        async with aiohttp.ClientSession() as session:
            return await asyncio.gather(
                asyncio.gather(*(importer() for _ in range(5))),
                asyncio.gather(*(locker(session) for _ in range(12))),
                rater(),
            )

    imports, locks, (rating, seconds) = asyncio.run(scenario())
    assert imports == [200] * 5
    # The locking demos queue for the demos' own write lock; one may give up with a clear 503.
    assert all(status in (200, 429, 503) for status in locks) and 200 in locks, locks
    assert rating == 201
    # Twelve locking demos hold the demos' database for 24 s in all; the rating never waits
    # for them (it waits, at most, for the imports' short bulk writes).
    assert seconds < 12 * 2 / 2, seconds  # less than half the demos' 24 s of locks


# --- What responses say about the server


def test_production_responses_name_no_process_and_no_versions(shared):
    page = get(shared.url + "/lessons/async-views/")
    assert "X-Served-By" not in page.headers
    deployment = get(shared.url + "/playground/api/deployment/live").json()["result"]
    assert "python" not in deployment and "django" not in deployment
    assert deployment["server"] == "Daphne"


def test_the_simulated_upstream_answers_our_hosts_only_and_is_logged(shared):
    foreign = get(shared.url + "/playground/upstream/orders", headers={"Host": "evil.example"})
    assert foreign.status == 400
    assert get(shared.url + "/playground/upstream/orders?latency_ms=1").status == 200
    assert "GET /playground/upstream/orders 200" in shared.log()


# --- CPU demos inside a budget


@pytest.fixture(scope="module")
def cpu_server(tmp_path_factory) -> Iterator[RunningServer]:
    server = start_daphne(tmp_path_factory.mktemp("cpu"), PLAYGROUND_RATE_LIMIT="100000")
    yield server
    server.stop()


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / 100  # utime + stime, in clock ticks


def test_the_heaviest_cpu_load_accepted_leaves_pages_readable(cpu_server):
    refused = get(
        cpu_server.url + "/playground/api/cpu-bound/thread/load?concurrency=200&work_ms=1000"
    )
    assert refused.status == 400 and "the most is 8 users" in refused.json()["error"]
    get(cpu_server.url + "/lessons/async-views/")  # the catalog is read once, before timing

    async def scenario():
        async with aiohttp.ClientSession() as session:
            url = (
                cpu_server.url + "/playground/api/cpu-bound/thread/load?concurrency=8&work_ms=1000"
            )
            load = asyncio.create_task(session.get(url))
            pages = []
            while not load.done():
                started = time.perf_counter()
                async with session.get(cpu_server.url + "/lessons/async-views/") as page:
                    await page.read()
                    pages.append((page.status, time.perf_counter() - started))
            async with await load as response:
                return response.status, await response.json(), pages

    status, body, pages = asyncio.run(scenario())
    assert status == 200 and body["errors"] == 0
    assert all(code == 200 for code, _ in pages) and len(pages) >= 5
    seconds = sorted(elapsed for _, elapsed in pages)
    # Before the budget and the demo's own two threads: 3.7-6.1 s per page for minutes.
    assert seconds[len(seconds) // 2] < 1.0, seconds


def test_abandoned_cpu_work_stops(tmp_path):
    """A second of CPU work, abandoned after a fifth of a second: the server's CPU use over
    the next 0.6 s shows whether its threads went on burning."""
    server = start_daphne(tmp_path)  # with its whole CPU budget
    try:
        abandon_cpu_work(server)
    finally:
        server.stop()


def abandon_cpu_work(server: RunningServer) -> None:
    pid = server.process.pid
    port = int(server.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port)) as connection:
        connection.sendall(
            b"GET /playground/api/cpu-bound/thread?work_ms=1000 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        )
        time.sleep(0.2)  # the learner waits a moment, then closes the tab
    assert "cpu-bound/thread" not in server.log()  # no answer was sent: it was running
    before = cpu_seconds(pid)
    time.sleep(0.6)
    # Had the work gone on, the two threads would have burnt about 0.6 s of CPU here.
    burnt = cpu_seconds(pid) - before
    assert burnt < 0.25, burnt
