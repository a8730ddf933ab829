"""Playground figures, measured against a real Daphne server started for the purpose.

    .venv/bin/python bench/playground.py

Prints: the fan-out overhead above its physical limit (the slowest upstream's latency) for
N = 1, 10 and 50; 100 concurrent fan-outs (N = 10, 200 ms); the panel's load run of the
fan-out (3 calls x 300 ms, 100 users) with its two ratios, async p50 / one request alone
(goal: within 1.5x) and sync p50 / async p50 (goal: at least 2.5x), beside the same load run
against bare Django (bench/bare), the floor Django itself sets; and the lesson page's p50/p99
quiet and during a flood of demo runs (eight windows of each, taking turns), with the
flooded/quiet p99 ratio, on Daphne and on Uvicorn with 2 workers (./run serve --workers 2).
Figures, not pass/fail.
"""

import asyncio
import json
import os
import statistics
import sys
import time
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.servers import (  # noqa: E402
    BASE_DIR,
    BIN,
    RunningServer,
    free_port,
    scratch_dir,
    start_daphne,
    start_uvicorn,
)

LATENCY_MS = 200


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[max(0, min(len(values) - 1, round(p / 100 * len(values)) - 1))]


def as_client(number: int) -> dict[str, str]:
    """Headers that make a request one of many learners: the bench servers trust 127.0.0.1
    as their proxy (DJANGO_TRUSTED_PROXIES), so each simulated learner has a client of its own
    and its own fair share of the demo gate."""
    return {"X-Forwarded-For": f"10.{number // 250 % 250}.{number % 250}.1"}


async def timed_get(
    session: aiohttp.ClientSession, url: str, headers: dict[str, str] | None = None
) -> tuple[float, int, dict | None]:
    start = time.perf_counter()
    async with session.get(url, headers=headers) as response:
        body = await response.json() if response.content_type == "application/json" else None
        await response.read()
        return (time.perf_counter() - start) * 1000, response.status, body


async def fanout_overhead(base: str) -> None:
    print(f"\nFan-out overhead above the slowest upstream ({LATENCY_MS} ms), async variant")
    print(f"{'N':>4} {'client p50':>11} {'overhead':>9} {'server p50':>11} {'overhead':>9}")
    async with aiohttp.ClientSession() as session:
        for calls in (1, 10, 50):
            url = f"{base}/playground/api/fanout/async?calls={calls}&latency_ms={LATENCY_MS}"
            for _ in range(3):  # warm up connections and code paths
                await timed_get(session, url)
            client, server = [], []
            for _ in range(15):
                ms, status, body = await timed_get(session, url)
                assert status == 200, status
                client.append(ms)
                server.append(body["total_ms"])
            c, s = statistics.median(client), statistics.median(server)
            print(
                f"{calls:>4} {c:>9.1f}ms {c - LATENCY_MS:>+7.1f}ms "
                f"{s:>9.1f}ms {s - LATENCY_MS:>+7.1f}ms"
            )


async def concurrent_fanouts(base: str) -> None:
    url = f"{base}/playground/api/fanout/async?calls=10&latency_ms={LATENCY_MS}"
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        start = time.perf_counter()
        results = await asyncio.gather(
            *(timed_get(session, url, as_client(number)) for number in range(100))
        )
        total = (time.perf_counter() - start) * 1000
    latencies = [ms for ms, _, _ in results]
    statuses = {}
    for _, status, _ in results:
        statuses[status] = statuses.get(status, 0) + 1
    print("\n100 concurrent fan-outs (N = 10, 200 ms each call)")
    print(
        f"  all done in {total:.0f} ms; slowest request {max(latencies):.0f} ms; "
        f"p50 {pct(latencies, 50):.0f} ms; statuses {statuses}"
    )


LOAD_PARAMS = "calls=3&latency_ms=300"


async def load_run_ratios(base: str) -> dict[str, float]:
    """What the lesson's load form shows: 100 users of the fan-out, async and sync, fired by
    the server's own load generator, against one async request on its own."""
    print("\nLoad run: fan-out, 3 calls x 300 ms, 100 users (the panel's load form)")
    async with aiohttp.ClientSession() as session:
        alone = []
        for _ in range(5):
            url = f"{base}/playground/api/fanout/async?{LOAD_PARAMS}"
            _, status, body = await timed_get(session, url)
            assert status == 200, status
            alone.append(body["total_ms"])
        # A first load run warms what 100 at once need (connections, threads), as for bare
        # Django below; then the two that count.
        url = f"{base}/playground/api/fanout/async/load?concurrency=100&{LOAD_PARAMS}"
        _, status, _ = await timed_get(session, url)
        assert status == 200, status
        p50 = {}
        for variant in ("async", "sync"):
            url = f"{base}/playground/api/fanout/{variant}/load?concurrency=100&{LOAD_PARAMS}"
            _, status, body = await timed_get(session, url)
            assert status == 200, (status, body)
            p50[variant] = body["p50_ms"]
            print(
                f"  {variant:>5}: p50 {body['p50_ms']:6.0f} ms  p95 {body['p95_ms']:6.0f} ms  "
                f"errors {body['errors']}  peak threads {body['peak_threads']}"
            )
    return {"alone": statistics.median(alone), **p50}


async def bare_django_load_run(upstream_url: str, reuse_threads: bool) -> dict[str, float]:
    """The same load run against bare Django (bench/bare: no middleware, no apps, the two
    views alone) on its own Daphne, with the same load generator and the same upstreams: the
    floor that Django itself sets on this machine. With `reuse_threads`, each request's thread
    comes from a pool instead of being started for it (bench/bare/asgi.py)."""
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.bare.settings",
        "PLAYGROUND_UPSTREAM_URL": upstream_url,
        "BARE_REUSE_THREADS": "1" if reuse_threads else "",
    }
    endpoint = f"tcp:port={port}:interface=127.0.0.1:backlog=2048"
    daphne = await asyncio.create_subprocess_exec(
        *(str(BIN / "daphne"), "-e", endpoint, "bench.bare.asgi:application"),
        cwd=BASE_DIR,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,  # its access log
        stderr=asyncio.subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as session:
            for _ in range(100):
                try:
                    await timed_get(session, f"{base}/fanout/async?{LOAD_PARAMS}")
                    break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.1)
            alone = []
            for _ in range(5):
                _, status, body = await timed_get(session, f"{base}/fanout/async?{LOAD_PARAMS}")
                assert status == 200, status
                alone.append(body["total_ms"])
        await fire_at(f"{base}/fanout/async?{LOAD_PARAMS}")  # warms, as for the site
        p50 = {}
        for variant in ("async", "sync"):
            latencies = await fire_at(f"{base}/fanout/{variant}?{LOAD_PARAMS}")
            p50[variant] = pct(latencies, 50)
    finally:
        daphne.terminate()
        await daphne.wait()
    return {"alone": statistics.median(alone), **p50}


async def fire_at(url: str) -> list[float]:
    """100 users at once at `url`, from the load generator the panel's load runs use, started
    as the site starts it (only PATH in its environment); their latencies."""
    generator = await asyncio.create_subprocess_exec(
        *(str(BIN / "python"), "-m", "playground.loadgen", url, "100"),
        cwd=BASE_DIR,
        env={"PATH": os.environ.get("PATH", ""), "PLAYGROUND_LOAD_TOKEN": "-"},
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await generator.communicate()
    results = json.loads(out)
    assert all(outcome == 200 for _, outcome in results), results
    return [ms for ms, _ in results]


def print_ratios(name: str, figures: dict[str, float]) -> None:
    print(
        f"  {name:<28} {figures['alone']:>6.0f} ms {figures['async']:>7.0f} ms "
        f"{figures['sync']:>7.0f} ms {figures['async'] / figures['alone']:>7.2f}x "
        f"{figures['sync'] / figures['async']:>7.2f}x"
    )


async def load_runs(server: RunningServer) -> None:
    site = await load_run_ratios(server.url)
    upstreams = server.env["PLAYGROUND_UPSTREAM_URL"]
    bare = await bare_django_load_run(upstreams, reuse_threads=False)
    reused = await bare_django_load_run(upstreams, reuse_threads=True)
    print(
        f"\n  {'':<28} {'alone':>9} {'async p50':>10} {'sync p50':>10} "
        f"{'async/alone':>8} {'sync/async':>8}"
    )
    print_ratios("this site (the panel)", site)
    print_ratios("bare Django (bench/bare)", bare)
    print_ratios("bare Django, threads reused", reused)
    print("  goals: async p50 / one request alone within 1.5x; sync p50 / async p50 2.5x or more")
    print(
        f"  the site's async p50 over bare Django's: {site['async'] / bare['async']:.2f}x; "
        f"sync: {site['sync'] / bare['sync']:.2f}x"
    )


READER = """
import http.client, json, sys, time
host, port, path, seconds = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
conn = http.client.HTTPConnection(host, port, timeout=30)
latencies, deadline = [], time.perf_counter() + seconds
while time.perf_counter() < deadline:
    start = time.perf_counter()
    conn.request("GET", path)
    response = conn.getresponse()
    response.read()
    assert response.status == 200, response.status
    latencies.append((time.perf_counter() - start) * 1000)
print(json.dumps(latencies))
"""


async def read_lessons(base: str, path: str, seconds: float) -> list[float]:
    """Sequential page loads from a separate process, so the flood's client work in this
    process doesn't count as server latency."""
    host, port = base.removeprefix("http://").split(":")
    reader = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        READER,
        host,
        port,
        path,
        str(seconds),
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await reader.communicate()
    return json.loads(out)


async def flood(base: str, seconds: float, clients: int) -> dict[int, int]:
    url = f"{base}/playground/api/fanout/async?calls=10&latency_ms={LATENCY_MS}"
    statuses: dict[int, int] = {}
    deadline = time.perf_counter() + seconds

    async def client(session, number: int):
        while time.perf_counter() < deadline:
            _, status, _ = await timed_get(session, url, as_client(number))
            statuses[status] = statuses.get(status, 0) + 1

    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        await asyncio.gather(*(client(session, number) for number in range(clients)))
    return statuses


SETTLE_SECONDS = 1.0  # after a flood, before the next quiet window


async def quiet_and_flooded(
    base: str, path: str, rounds: int = 8, seconds: float = 2
) -> tuple[list[float], list[float], dict[int, int]]:
    """A reader's loads of `path`, quiet and while 100 clients flood demo runs, in windows that
    take turns (quiet, flooded, quiet, ...), pooled: a slow spell of the machine then falls on
    both alike, and each p99 is read off thousands of loads, not one window's."""
    await read_lessons(base, path, 1)  # warm up
    quiet: list[float] = []
    flooded: list[float] = []
    statuses: dict[int, int] = {}
    for _ in range(rounds):
        quiet += await read_lessons(base, path, seconds)
        # The flood outlasts the reader's window by a second: the reader's process starts
        # after the flood has built up (half a second), and takes a moment to start.
        flooding = asyncio.create_task(flood(base, seconds + 1.5, clients=100))
        await asyncio.sleep(0.5)
        flooded += await read_lessons(base, path, seconds)
        for status, count in (await flooding).items():
            statuses[status] = statuses.get(status, 0) + count
        await asyncio.sleep(SETTLE_SECONDS)  # the flood's aftermath is not the quiet's
    return quiet, flooded, statuses


async def lesson_under_flood(base: str, name: str) -> None:
    quiet, flooded, statuses = await quiet_and_flooded(base, "/lessons/async-views/")
    print(f"\nLesson page while 100 clients flood fan-out runs (N = 10, 200 ms), {name}")
    print(
        f"  quiet:   p50 {pct(quiet, 50):6.1f} ms  p99 {pct(quiet, 99):6.1f} ms  "
        f"({len(quiet)} requests)"
    )
    print(
        f"  flooded: p50 {pct(flooded, 50):6.1f} ms  p99 {pct(flooded, 99):6.1f} ms  "
        f"({len(flooded)} requests)"
    )
    print(
        f"  p99 ratio flooded/quiet: {pct(flooded, 99) / pct(quiet, 99):.2f}x "
        f"(goal: {GOALS[name]}); flood statuses {dict(sorted(statuses.items()))}"
    )


GOALS = {"Daphne, 1 process": "2x or less", "Uvicorn, 2 workers": "1.5x or less"}


async def main() -> None:
    # One client address sends everything here, so lift the per-client rate limit; the
    # per-process cap on runs in flight stays at its default.
    settings = {
        "PLAYGROUND_RATE_LIMIT": "1000000",
        "DJANGO_TRUSTED_PROXIES": "127.0.0.1",
        "DJANGO_REQUEST_LOG": "0",
        "DJANGO_LESSONS_RELOAD": "0",  # production: lesson files read once
    }
    server = start_daphne(scratch_dir("bench-playground-"), **settings)
    print(f"Daphne at {server.url} (1 process), {os.cpu_count()} CPUs")
    try:
        await fanout_overhead(server.url)
        await concurrent_fanouts(server.url)
        await load_runs(server)
        await lesson_under_flood(server.url, "Daphne, 1 process")
    finally:
        server.stop()
    server = start_uvicorn(scratch_dir("bench-playground-"), 2, **settings)
    try:
        await lesson_under_flood(server.url, "Uvicorn, 2 workers")
    finally:
        server.stop()


if __name__ == "__main__":
    asyncio.run(main())
