"""The simulated upstream services, for learner code: `from lab.upstreams import fetch`.

They run inside the sandbox on 127.0.0.1 (the sandbox has no other network), served by the
same code as the site's own demo upstreams (playground/upstream.py). Their latency and faults
are the exercise's to set, not the caller's. Each call made through `fetch` or `fetch_blocking`
is a span in the trace, on the thread it ran on.

    async with aiohttp.ClientSession() as session:
        orders = await fetch(session, "orders")
"""

import json
import urllib.request
from contextlib import nullcontext

import aiohttp

from playground.tracing import Span, current_trace

PORT = 8001
SERVICES = ("orders", "billing", "stock", "shipping", "reviews")


def url(name: str) -> str:
    if name not in SERVICES:
        raise ValueError(f"no upstream service {name!r} (there are: {', '.join(SERVICES)})")
    return f"http://127.0.0.1:{PORT}/playground/upstream/{name}"


async def fetch(session: aiohttp.ClientSession, name: str) -> dict:
    """GET one upstream with your aiohttp session: its JSON, or an exception (an HTTP error,
    a timeout). The session's timeout applies (aiohttp's default is 5 minutes), or put the call
    inside `asyncio.timeout(...)`."""
    with _span(name):
        async with session.get(url(name)) as response:
            response.raise_for_status()
            return await response.json()


def fetch_blocking(name: str, *, timeout: float = 5.0) -> dict:
    """The same call made the blocking way (urllib), for sync code."""
    with _span(name), urllib.request.urlopen(url(name), timeout=timeout) as response:
        return json.loads(response.read())


def _span(name: str):
    trace = current_trace.get()
    return trace.span(f"GET {name}", "http") if trace else nullcontext(Span("", "http", 0))
