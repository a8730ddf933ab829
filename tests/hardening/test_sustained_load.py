"""The two properties of sustained load that must always hold: no 5xx under a flood, and no
unbounded memory growth over 10,000 demo runs. The figures themselves: bench/hardening.py."""

import asyncio
from collections.abc import Iterator

import pytest

from bench.hardening import flood, many_runs, rss_mb
from tests.servers import RunningServer, start_daphne

pytestmark = [pytest.mark.slow, pytest.mark.server]


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[RunningServer]:
    running = start_daphne(
        tmp_path_factory.mktemp("sustained"),
        PLAYGROUND_RATE_LIMIT="100000000",
        DJANGO_TRUSTED_PROXIES="127.0.0.1",  # each simulated learner is a client of its own
        DJANGO_REQUEST_LOG="0",
    )
    yield running
    running.stop()


def test_a_flood_of_200_concurrent_runs_gets_no_5xx(server):
    statuses = asyncio.run(flood(server.url, seconds=10, clients=200))
    assert sum(statuses.values()) > 200
    assert {status for status in statuses if status >= 500 or status == 0} == set(), statuses


def test_memory_does_not_keep_growing_over_10000_runs(server):
    asyncio.run(many_runs(server.url, 2_000))  # caches, pools and imports settle
    warm = rss_mb(server.process.pid)
    statuses = asyncio.run(many_runs(server.url, 8_000))
    grown = rss_mb(server.process.pid) - warm
    assert set(statuses) == {200}, statuses
    assert grown < 25, f"RSS grew {grown:.1f} MB over 8,000 runs after warming up"
