"""The load generator of a load run, as a process of its own:

    python -m playground.loadgen URL CONCURRENCY     (the load token in PLAYGROUND_LOAD_TOKEN)

It fires CONCURRENCY requests at URL at the same moment and prints, as one JSON line, each
request's latency in milliseconds and its outcome. A process of its own, so that timing N
clients costs the server's process nothing: neither its event loop nor its GIL.
Imports nothing from Django.
"""

import asyncio
import json
import os
import sys
import time

import aiohttp

LOAD_HEADER = "X-Playground-Load"
REQUEST_SECONDS = 60  # how long each request of a load run is waited for


async def fire(url: str, concurrency: int, token: str) -> list[tuple[float, int | str]]:
    timeout = aiohttp.ClientTimeout(total=REQUEST_SECONDS)
    headers = {LOAD_HEADER: token}
    start_together = asyncio.Event()

    async def one(session: aiohttp.ClientSession) -> tuple[float, int | str]:
        await start_together.wait()
        start = time.perf_counter()
        try:
            async with session.get(url, headers=headers) as response:
                await response.read()
                outcome: int | str = response.status
        except TimeoutError:
            outcome = "timed out"
        except aiohttp.ClientError as exc:
            outcome = f"{type(exc).__name__}: {exc}"[:200]
        return (time.perf_counter() - start) * 1000, outcome

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        tasks = [asyncio.ensure_future(one(session)) for _ in range(concurrency)]
        await asyncio.sleep(0)
        start_together.set()
        return await asyncio.gather(*tasks)


def main() -> None:
    url, concurrency = sys.argv[1], int(sys.argv[2])
    results = asyncio.run(fire(url, concurrency, os.environ["PLAYGROUND_LOAD_TOKEN"]))
    print(json.dumps(results))


if __name__ == "__main__":
    main()
