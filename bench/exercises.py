"""Exercise runs, measured against a real Daphne server started for the purpose.

    .venv/bin/python bench/exercises.py

Prints: the sandbox's overhead per run (start to result, less the learner code's own time:
loading it and the scenario's requests), runs back to back and runs a second apart; 20 learners
running at once (all finish? any 5xx? latency, queue positions), three times; the lesson page's
p50/p99 quiet and while those 20 run, in windows that take turns, and the ratio. Figures, not
pass/fail: the goals are in the exercises issue.
BENCH_EXTRA="NAME=value ..." passes settings to the server (e.g. EXERCISES_POOL_SIZE=1).
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

from bench.playground import pct, read_lessons  # noqa: E402
from tests.servers import scratch_dir, start_daphne  # noqa: E402

LESSON = "/lessons/async-views/"
TOKEN = "c" * 32
HEADERS = {"X-CSRFToken": TOKEN, "Cookie": f"csrftoken={TOKEN}"}


def solutions() -> dict[str, str]:
    """Each exercise's reference solution, read from the files as the site reads them."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from exercises.catalog import get_catalog

    return {slug: e.solution for slug, e in get_catalog().exercises.items()}


async def run(
    session: aiohttp.ClientSession, base: str, slug: str, code: str, learner: int = 0
) -> tuple:
    """One Run press; each `learner` is a client of its own (the server trusts 127.0.0.1 as
    its proxy, as behind the proxy the README asks for)."""
    start = time.perf_counter()
    headers = {**HEADERS, "X-Forwarded-For": f"10.0.0.{learner + 1}"}
    async with session.post(
        f"{base}/exercises/api/{slug}/run", json={"code": code}, headers=headers
    ) as response:
        body = await response.json(content_type=None)
        return (time.perf_counter() - start) * 1000, response.status, body


async def overhead(base: str, code: str) -> None:
    print("\nSandbox overhead per run (start to result, less the learner code's own time)")
    print(f"{'':24} {'runs':>5} {'p50':>8} {'p95':>8} {'max':>8} {'statuses'}")
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{base}/exercises/api/lost-update") as response:
            await response.read()  # opening the exercise warms the pool, as a learner's page does
        for label, count, pause in (("back to back", 20, 0.0), ("one a second", 10, 1.0)):
            figures, statuses = [], {}
            for _ in range(count):
                if pause:
                    await asyncio.sleep(pause)
                ms, status, body = await run(session, base, "lost-update", code)
                statuses[body.get("status", status)] = statuses.get(body.get("status"), 0) + 1
                figures.append(body["timings"]["sandbox_ms"])
            print(
                f"  {label:22} {count:>5} {pct(figures, 50):>6.0f}ms {pct(figures, 95):>6.0f}ms "
                f"{max(figures):>6.0f}ms {statuses}"
            )


ROUNDS = 3


async def twenty_at_once(
    base: str, codes: dict[str, str]
) -> tuple[list[tuple], float, list[float]]:
    """20 learners press Run at once (every exercise's solution in turn) while a reader loads
    the lesson page; returns the runs' answers, how long all took, and the reader's loads."""
    slugs = sorted(codes)
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        start = time.perf_counter()
        runs = asyncio.gather(
            *(run(session, base, slugs[i % len(slugs)], codes[slugs[i % len(slugs)]], i)
              for i in range(20))
        )  # fmt: skip
        await asyncio.sleep(0.5)  # let the runs reach the pool before reading
        busy = await read_lessons(base, LESSON, 5)
        results = await runs
        return results, (time.perf_counter() - start) * 1000, busy


async def pool_refilled(base: str) -> None:
    """Wait until the pool has all its warm sandboxes again (at most 30 s)."""
    async with aiohttp.ClientSession() as session:
        for _ in range(300):
            async with session.get(f"{base}/exercises/api/status") as response:
                status = await response.json()
            if status["warm"] >= status["slots"] and not status["running"]:
                return
            await asyncio.sleep(0.1)


async def twenty_learners(base: str, codes: dict[str, str]) -> None:
    # The reader is a process of its own (bench/playground.py's), so that this process's work
    # sending the 20 runs is not counted as the page's latency. Quiet and busy windows take
    # turns, ROUNDS of each, pooled: a slow spell of the machine falls on both alike.
    await read_lessons(base, LESSON, 1)  # warm up
    quiet: list[float] = []
    busy: list[float] = []
    results: list[tuple] = []
    print(f"\n20 learners pressing Run at once (every exercise's solution in turn), {ROUNDS} times")
    for _ in range(ROUNDS):
        await pool_refilled(base)  # the warm-up after a round is not the quiet's
        quiet += await read_lessons(base, LESSON, 5)
        answers, total, read = await twenty_at_once(base, codes)
        busy += read
        results += answers
        http: dict[int, int] = {}
        outcomes: dict[str, int] = {}
        for _, status, body in answers:
            http[status] = http.get(status, 0) + 1
            outcomes[body.get("status")] = outcomes.get(body.get("status"), 0) + 1
        server_errors = sum(status >= 500 for _, status, _ in answers)
        print(
            f"  all answered in {total:.0f} ms; HTTP {http}; results {outcomes}; "
            f"5xx {server_errors}"
        )
    for _, _, body in results:
        for test in body.get("tests", []):
            if test["status"] != "pass":
                print(f"  a solution did not pass under load: {test['name']}: {test['message']}")
    latencies = [ms for ms, _, _ in results]
    positions = [body.get("queue", {}).get("position", 0) for _, _, body in results]
    print(
        f"  latency p50 {pct(latencies, 50):.0f} ms, p95 {pct(latencies, 95):.0f} ms, "
        f"max {max(latencies):.0f} ms; queue positions up to {max(positions)}"
    )
    print(
        f"\nLesson page (cached), one reader (its own process) fetching back to back, "
        f"{ROUNDS} windows of 5 s each"
    )
    print(
        f"  quiet:              p50 {statistics.median(quiet):6.1f} ms  "
        f"p99 {pct(quiet, 99):6.1f} ms  ({len(quiet)} requests)"
    )
    print(
        f"  while the 20 run:   p50 {statistics.median(busy):6.1f} ms  "
        f"p99 {pct(busy, 99):6.1f} ms  ({len(busy)} requests)"
    )
    print(f"  p99 ratio: {pct(busy, 99) / pct(quiet, 99):.2f}x (goal: under 2x)")


async def main() -> None:
    codes = solutions()
    workdir = scratch_dir("bench-exercises-")
    server = start_daphne(
        workdir,
        EXERCISES_RATE_LIMIT="100000",
        DJANGO_TRUSTED_PROXIES="127.0.0.1",
        DJANGO_REQUEST_LOG="0",
        DJANGO_LESSONS_RELOAD="0",  # production: lesson files read once
        **dict(pair.split("=") for pair in os.environ.get("BENCH_EXTRA", "").split()),
    )
    try:
        async with aiohttp.ClientSession() as session, session.get(server.url + LESSON) as page:
            await page.read()  # rendered and cached before anything is measured
        status_url = f"{server.url}/exercises/api/status"
        async with aiohttp.ClientSession() as session, session.get(status_url) as response:
            status = await response.json()
        print(f"Daphne, one process; exercise pool: {json.dumps(status)}")
        await overhead(server.url, codes["lost-update"])
        await twenty_learners(server.url, codes)
    finally:
        server.stop()


if __name__ == "__main__":
    asyncio.run(main())
