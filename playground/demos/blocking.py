"""Sleeping in a view: what blocks the event loop and what doesn't."""

import asyncio
import time

from ..runner import variant


def sleep_cost(params) -> float:
    return params["sleep_ms"]


@variant("blocking", "time-sleep", blocks_loop=sleep_cost)
async def sleep_blocking(request, params, trace):
    # Wrong: time.sleep never yields to the event loop, so every other
    # request this process is serving waits until it returns.
    with trace.span("time.sleep()", "sleep"):
        time.sleep(params["sleep_ms"] / 1000)  # noqa: ASYNC251 - the mistake on show


@variant("blocking", "asyncio-sleep")
async def sleep_awaiting(request, params, trace):
    # Right: awaiting hands the loop back to other requests while we wait.
    with trace.span("await asyncio.sleep()", "sleep"):
        await asyncio.sleep(params["sleep_ms"] / 1000)


@variant("blocking", "sync")
def sleep_in_sync_view(request, params, trace):
    # A sync view under ASGI runs in a worker thread of its own, so this
    # blocks that thread only; the event loop keeps serving everyone else.
    with trace.span("time.sleep()", "sleep"):
        time.sleep(params["sleep_ms"] / 1000)
