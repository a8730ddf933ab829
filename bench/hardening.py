"""Sustained load, in one table: 200 concurrent demo runs for 30 s against the real server
while a reader loads lesson pages; then 10,000 demo runs to see whether memory keeps growing.

    .venv/bin/python bench/hardening.py [--seconds 30] [--runs 10000]

Figures, not pass/fail (tests/hardening/test_sustained_load.py asserts the two properties
that must always hold: no 5xx, and no unbounded memory growth).
"""

import argparse
import asyncio
import datetime
import os
import platform
import sys
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.playground import as_client, pct, read_lessons, timed_get  # noqa: E402
from tests.servers import RunningServer, scratch_dir, start_daphne  # noqa: E402

DEMO = "/playground/api/fanout/async?calls=3&latency_ms=50"


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


async def flood(base: str, seconds: float, clients: int) -> dict[int, int]:
    statuses: dict[int, int] = {}
    deadline = asyncio.get_running_loop().time() + seconds

    async def client(session, number: int):
        while asyncio.get_running_loop().time() < deadline:
            try:
                _, status, _ = await timed_get(session, base + DEMO, as_client(number))
            except aiohttp.ClientError:
                status = 0  # the connection failed: counted, never hidden
            statuses[status] = statuses.get(status, 0) + 1

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        await asyncio.gather(*(client(session, number) for number in range(clients)))
    return statuses


async def many_runs(base: str, runs: int, concurrency: int = 20) -> dict[int, int]:
    statuses: dict[int, int] = {}
    queue = iter(range(runs))

    async def worker(session, number: int):
        for _ in queue:
            _, status, _ = await timed_get(session, base + DEMO, as_client(number))
            statuses[status] = statuses.get(status, 0) + 1

    async with aiohttp.ClientSession() as session:
        await asyncio.gather(*(worker(session, number) for number in range(concurrency)))
    return statuses


async def measure(server: RunningServer, seconds: float, runs: int) -> list[tuple[str, str]]:
    pid = server.process.pid
    rows = []
    quiet = await read_lessons(server.url, "/lessons/async-views/", 5)
    rss_start = rss_mb(pid)
    flooding = asyncio.create_task(flood(server.url, seconds, clients=200))
    await asyncio.sleep(1)  # let the flood reach full strength before the reader starts
    flooded = await read_lessons(server.url, "/lessons/async-views/", seconds - 2)
    statuses = await flooding
    rss_after_flood = rss_mb(pid)
    rows += [
        ("reader p50 / p99, quiet", f"{pct(quiet, 50):.1f} / {pct(quiet, 99):.1f} ms"),
        ("reader p50 / p99, flooded", f"{pct(flooded, 50):.1f} / {pct(flooded, 99):.1f} ms"),
        ("flood: demo runs answered", f"{sum(statuses.values())} in {seconds:g} s"),
        (
            "flood: 200 / 429 / 5xx / failed",
            f"{statuses.get(200, 0)} / {statuses.get(429, 0)} / "
            f"{sum(n for s, n in statuses.items() if s >= 500)} / {statuses.get(0, 0)}",
        ),
        ("RSS before / after the flood", f"{rss_start:.1f} / {rss_after_flood:.1f} MB"),
    ]
    warm = rss_mb(pid)
    more = await many_runs(server.url, runs)
    rows += [
        (f"{runs:,} more demo runs: 5xx", str(sum(n for s, n in more.items() if s >= 500))),
        (
            f"RSS before / after {runs:,} runs",
            f"{warm:.1f} / {rss_mb(pid):.1f} MB ({rss_mb(pid) - warm:+.1f} MB)",
        ),
    ]
    return rows


HEAVIEST_CPU = "/playground/api/cpu-bound/thread/load?concurrency=8&work_ms=1000"


async def under_cpu_load(server: RunningServer) -> list[tuple[str, str]]:
    """Lesson pages while one client runs the heaviest CPU load run the server accepts (the
    CPU budget's 8 users x 1 s of pure Python on the demo's own two threads)."""
    quiet = await read_lessons(server.url, "/lessons/async-views/", 5)
    async with aiohttp.ClientSession() as session:
        load = asyncio.create_task(timed_get(session, server.url + HEAVIEST_CPU, as_client(0)))
        await asyncio.sleep(0.5)
        loaded = await read_lessons(server.url, "/lessons/async-views/", 6)
        load_ms, load_status, _ = await load
    return [
        ("reader p50 / p95, quiet", f"{pct(quiet, 50):.1f} / {pct(quiet, 95):.1f} ms"),
        (
            "reader p50 / p95, heaviest CPU load run",
            f"{pct(loaded, 50):.1f} / {pct(loaded, 95):.1f} ms (goal: p95 under 1000 ms; "
            f"the load run: {load_status} in {load_ms / 1000:.1f} s)",
        ),
    ]


async def fair_share(server: RunningServer) -> list[tuple[str, str]]:
    """One client holds its share of the gate with 32 streaming runs of 6 s; another learner
    runs ordinary demos meanwhile."""
    stream = "/playground/api/streaming/async?events=12&interval_ms=500&run="
    async with aiohttp.ClientSession() as session:

        async def hog(number: int) -> int:
            _, status, _ = await timed_get(
                session, f"{server.url}{stream}hog-{number:04d}-run", as_client(1)
            )
            return status

        hogs = [asyncio.create_task(hog(number)) for number in range(32)]
        await asyncio.sleep(0.5)
        other = [await timed_get(session, server.url + DEMO, as_client(2)) for _ in range(30)]
        held = await asyncio.gather(*hogs)
    ok = sum(status == 200 for _, status, _ in other)
    return [
        ("one client's 32 streams: admitted / refused", f"{held.count(200)} / {held.count(429)}"),
        ("another learner meanwhile: demo runs that succeeded", f"{ok} of {len(other)}"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--runs", type=int, default=10_000)
    args = parser.parse_args()
    server = start_daphne(
        scratch_dir("bench-hardening-"),
        PLAYGROUND_RATE_LIMIT="100000000",
        DJANGO_TRUSTED_PROXIES="127.0.0.1",  # each simulated learner is a client of its own
        DJANGO_REQUEST_LOG="0",
    )
    try:
        rows = asyncio.run(measure(server, args.seconds, args.runs))
        rows += asyncio.run(fair_share(server))
        rows += asyncio.run(under_cpu_load(server))
    finally:
        server.stop()
    print(
        f"Interview Lab under sustained load, {datetime.date.today()}, "
        f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        "1 Daphne process, SQLite"
    )
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"  {name:<{width}}  {value}")


if __name__ == "__main__":
    main()
