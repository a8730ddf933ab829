"""Limits against a real server started with small limits."""

import asyncio
from collections.abc import Iterator

import aiohttp
import pytest

from tests.playground.http import aget, get
from tests.servers import RunningServer, start_daphne

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def strict_server(tmp_path_factory) -> Iterator[RunningServer]:
    yield from server_with(
        tmp_path_factory,
        "strict-server",
        PLAYGROUND_RATE_LIMIT="4",
        # A day-long window, so the test cannot straddle a window boundary.
        PLAYGROUND_RATE_WINDOW="86400",
        PLAYGROUND_MAX_CONCURRENT_RUNS="2",
        PLAYGROUND_BLOCKING_BUDGET_MS="500",
        PLAYGROUND_BLOCKING_WINDOW="60",
    )


def server_with(tmp_path_factory, name: str, **settings: str) -> Iterator[RunningServer]:
    """A Daphne server of its own with these limit settings, stopped after the module."""
    server = start_daphne(tmp_path_factory.mktemp(name), **settings)
    yield server
    server.stop()


def api(server: RunningServer, path: str) -> str:
    return f"{server.url}/playground/api/{path}"


def test_limits(strict_server):
    """One test, in order, since every step spends from the same client's budget."""
    # A load run of 30 requests counts as one run: its own requests pass the limit.
    load = get(api(strict_server, "fanout/async/load?concurrency=30&calls=1&latency_ms=20"))
    assert load.status == 200
    assert load.json()["statuses"] == {"200": 30}

    # Blocking budget: 500 ms per window; a 400 ms blocking run fits once, not twice.
    assert get(api(strict_server, "blocking/time-sleep?sleep_ms=400")).status == 200
    refused = get(api(strict_server, "blocking/time-sleep?sleep_ms=400"))
    assert refused.status == 429
    assert "blocks the server's event loop on purpose" in refused.json()["error"]
    assert int(refused.headers["Retry-After"]) >= 1

    # That was runs 2 and 3 of 4; the 4th is allowed, the 5th is rate-limited.
    assert get(api(strict_server, "fanout/async?calls=1&latency_ms=1")).status == 200
    limited = get(api(strict_server, "fanout/async?calls=1&latency_ms=1"))
    assert limited.status == 429
    assert "Too many demo runs: at most 4 every 86400 s" in limited.json()["error"]
    assert 1 <= int(limited.headers["Retry-After"]) <= 86400
    # Lesson pages are not demo runs.
    assert get(f"{strict_server.url}/lessons/async-views/").status == 200


@pytest.fixture(scope="module")
def tight_server(tmp_path_factory) -> Iterator[RunningServer]:
    yield from server_with(
        tmp_path_factory,
        "tight-server",
        PLAYGROUND_RATE_LIMIT="1000",
        PLAYGROUND_MAX_CONCURRENT_RUNS="2",
        PLAYGROUND_QUEUE_SECONDS="0",
    )


def test_runs_in_flight_are_capped_per_process(tight_server):
    async def five_at_once() -> list[int]:
        async with aiohttp.ClientSession() as session:
            url = api(tight_server, "blocking/asyncio-sleep?sleep_ms=500")
            replies = await asyncio.gather(*(aget(session, url) for _ in range(5)))
            return sorted(reply.status for reply in replies)

    assert asyncio.run(five_at_once()) == [200, 200, 429, 429, 429]


def test_one_load_run_at_a_time(queueing_server):
    async def two_load_runs() -> list[tuple[int, str]]:
        async with aiohttp.ClientSession() as session:
            url = api(queueing_server, "blocking/asyncio-sleep/load?concurrency=5&sleep_ms=400")
            replies = await asyncio.gather(aget(session, url), aget(session, url))
            return sorted((r.status, r.json().get("error", "")) for r in replies)

    (ok, _), (busy, message) = asyncio.run(two_load_runs())
    assert (ok, busy) == (200, 429)
    assert "A load run is already in progress" in message


def test_demo_endpoints_answer_get_only(tight_server):
    import urllib.request

    request = urllib.request.Request(api(tight_server, "fanout/async"), method="POST", data=b"")
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(request)
    assert info.value.code in (403, 405)


@pytest.fixture(scope="module")
def queueing_server(tmp_path_factory) -> Iterator[RunningServer]:
    yield from server_with(
        tmp_path_factory,
        "queueing-server",
        PLAYGROUND_RATE_LIMIT="1000",
        PLAYGROUND_MAX_CONCURRENT_RUNS="2",
        PLAYGROUND_QUEUE_SECONDS="10",
        PLAYGROUND_CLIENT_MAX_RUNS="100",  # one client's burst: this is about the line
    )


def test_a_burst_waits_in_line_instead_of_failing(queueing_server):
    async def burst() -> list[tuple[int, float]]:
        async with aiohttp.ClientSession() as session:
            url = api(queueing_server, "blocking/asyncio-sleep?sleep_ms=300")
            replies = await asyncio.gather(*(aget(session, url) for _ in range(6)))
            return [(reply.status, reply.elapsed_ms) for reply in replies]

    replies = asyncio.run(burst())
    assert [status for status, _ in replies] == [200] * 6
    # Two at a time: the last pair waited for two pairs ahead of it.
    assert max(ms for _, ms in replies) > 3 * 300 * 0.9
