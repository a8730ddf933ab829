"""Readers never feel the demos: lesson pages against the cheapest view, and under a flood.

    .venv/bin/python bench/pages.py          # needs wrk (apt-get install wrk)

For Daphne (1 process, as ./run serves) and Uvicorn with 2 workers (./run serve --workers 2),
in production settings on SQLite, side by side in one run:

1. Throughput of a lesson page over the cheapest view on the same server (the probe, an async
   view that answers at once), for an anonymous reader and for a learner with progress
   (the same request with that learner's session cookie): wrk, 20 connections, 4 s each,
   the three in turn, three times over, and the mean of each.
2. A reader's lesson-page p50/p99 quiet and while 100 clients run fan-out demos back to back
   (each a learner of its own: the servers trust 127.0.0.1 as their proxy), in eight windows
   of each that take turns, and the ratio.
"""

import asyncio
import datetime
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.playground import pct, quiet_and_flooded  # noqa: E402
from tests.servers import RunningServer, scratch_dir, start_daphne, start_uvicorn  # noqa: E402

LESSON = "/lessons/async-views/"
BARE = "/playground/api/probe"
CONNECTIONS, SECONDS, ROUNDS = 20, 4, 3


def wrk(url: str, seconds: int, cookie: str = "") -> float:
    command = ["wrk", "-t", "2", "-c", str(CONNECTIONS), "-d", f"{seconds}s", url]
    if cookie:
        command[1:1] = ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


async def learner_cookie(server: RunningServer) -> str:
    """The cookies of a learner who has read two lessons and rated one."""
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(cookie_jar=jar) as session:
        async with session.get(server.url + "/practice/") as page:
            await page.read()
        token = next(c.value for c in jar if c.key == "csrftoken")
        headers = {"X-CSRFToken": token}
        for lesson in ("async-views", "async-orm"):
            async with session.post(
                server.url + "/practice/api/read", json={"lesson": lesson}, headers=headers
            ) as reply:
                assert reply.status == 200, await reply.text()
        body = {"lesson": "async-views", "rating": 3, "review_id": str(uuid.uuid4())}
        async with session.post(
            server.url + "/practice/api/review", json=body, headers=headers
        ) as reply:
            assert reply.status == 201, await reply.text()
        return "; ".join(f"{c.key}={c.value}" for c in jar)


def throughput(server: RunningServer) -> dict[str, float]:
    """Mean requests/s of each, measured in turn ROUNDS times (so that a slow spell of the
    machine falls on all three alike)."""
    cookie = asyncio.run(learner_cookie(server))
    for path in (BARE, LESSON):
        wrk(server.url + path, 2)  # warm-up
    runs = {
        "bare": (BARE, ""),
        "anonymous": (LESSON, ""),
        "learner": (LESSON, cookie),
    }
    rates: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(ROUNDS):
        for name, (path, with_cookie) in runs.items():
            rates[name].append(wrk(server.url + path, SECONDS, with_cookie))
    return {name: sum(values) / ROUNDS for name, values in rates.items()}


def main() -> None:
    if not shutil.which("wrk"):
        sys.exit("bench/pages.py needs wrk: apt-get install wrk")
    settings = {
        "DJANGO_REQUEST_LOG": "0",
        "DJANGO_TRUSTED_PROXIES": "127.0.0.1",
        "PLAYGROUND_RATE_LIMIT": "100000000",
        "PRACTICE_WRITES_PER_MINUTE": "100000",
        "DJANGO_LESSONS_RELOAD": "0",
    }
    servers = {
        "Daphne, 1 process": lambda d: start_daphne(d, **settings),
        "Uvicorn, 2 workers": lambda d: start_uvicorn(d, 2, **settings),
    }
    print(
        f"Interview Lab pages, {datetime.date.today()}, {platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, SQLite, production settings"
    )
    rows = []
    for name, start in servers.items():
        server = start(scratch_dir("bench-pages-"))
        try:
            rates = throughput(server)
            quiet, flooded, statuses = asyncio.run(quiet_and_flooded(server.url, LESSON))
        finally:
            server.stop()
        rows.append((name, rates, quiet, flooded, statuses))
    print(
        f"\n1. Requests/s, wrk {CONNECTIONS} connections, {ROUNDS} rounds of {SECONDS} s each in "
        "turn (goal: lesson >= 0.9x bare)"
    )
    print(f"   {'server':<20} {'bare':>7} {'lesson':>7} {'ratio':>6} {'learner':>8} {'ratio':>6}")
    for name, rates, *_ in rows:
        print(
            f"   {name:<20} {rates['bare']:>7.0f} {rates['anonymous']:>7.0f} "
            f"{rates['anonymous'] / rates['bare']:>5.2f}x {rates['learner']:>8.0f} "
            f"{rates['learner'] / rates['bare']:>5.2f}x"
        )
    print("\n2. Lesson page p50 / p99 while 100 clients flood fan-out runs (N = 10, 200 ms)")
    print("   (goal: p99 within 2x of quiet on Daphne, 1.5x on 2 workers)")
    for name, _, quiet, flooded, statuses in rows:
        ratio = pct(flooded, 99) / pct(quiet, 99)
        print(
            f"   {name:<20} quiet {pct(quiet, 50):5.1f} / {pct(quiet, 99):5.1f} ms   flooded "
            f"{pct(flooded, 50):5.1f} / {pct(flooded, 99):5.1f} ms   p99 {ratio:4.2f}x   "
            f"demo runs {json.dumps(dict(sorted(statuses.items())))}"
        )


if __name__ == "__main__":
    main()
