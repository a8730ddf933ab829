"""Sleeping in a view: what blocks the event loop and what doesn't."""

import asyncio
import time

from ..registry import Demo, Param

blocking = Demo(
    id="blocking",
    order=20,
    title="Blocking the event loop",
    description="Sleep inside a view, the wrong way and the right ways, while a probe "
    "request measures whether other users stall.",
    params={"sleep_ms": Param(500, 10, 2000, "how long the view sleeps")},
    versus=("asyncio-sleep", "time-sleep"),
    one_request_ms=lambda params: params["sleep_ms"],
    key_figure="probe",  # every variant sleeps as long: the point is who else waits
)


def sleep_cost(params) -> float:
    return params["sleep_ms"]


@blocking.variant(
    "time-sleep", title="async view calling time.sleep (wrong)", blocks_loop=sleep_cost
)
async def sleep_blocking(request, params, trace):
    # Wrong: time.sleep never yields to the event loop, so every other
    # request this process is serving waits until it returns.
    with trace.span("time.sleep()", "sleep"):
        time.sleep(params["sleep_ms"] / 1000)  # noqa: ASYNC251 - the mistake on show


@blocking.variant("asyncio-sleep", title="async view awaiting asyncio.sleep")
async def sleep_awaiting(request, params, trace):
    # Right: awaiting hands the loop back to other requests while we wait.
    with trace.span("await asyncio.sleep()", "sleep"):
        await asyncio.sleep(params["sleep_ms"] / 1000)


@blocking.variant("sync", title="sync view calling time.sleep")
def sleep_in_sync_view(request, params, trace):
    # A sync view under ASGI runs in a worker thread of its own, so this
    # blocks that thread only; the event loop keeps serving everyone else.
    with trace.span("time.sleep()", "sleep"):
        time.sleep(params["sleep_ms"] / 1000)
