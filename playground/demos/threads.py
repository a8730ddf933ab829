"""sync_to_async: on the request's own thread, or on the executor's pool."""

import asyncio
import math
import os
import threading
import time

from asgiref.sync import sync_to_async

from ..registry import Demo, Param

# The size of the event loop's default executor: ThreadPoolExecutor's own default since
# Python 3.8. `calls` always reaches well past it, so the waves show on every machine.
POOL = min(32, (os.cpu_count() or 1) + 4)

sync_to_async_demo = Demo(
    id="sync-to-async",
    order=30,
    title="sync_to_async and thread_sensitive",
    description="Run blocking calls from an async view through sync_to_async, on the "
    "request's one thread or on the executor's pool.",
    params={
        "calls": Param(
            5,
            1,
            3 * POOL,
            f"how many blocking calls, gathered (this server's executor pool has {POOL} threads)",
        ),
        "sleep_ms": Param(200, 10, 1000, "how long each call blocks"),
    },
    versus=("executor", "thread-sensitive"),
    one_request_ms=lambda params: params["sleep_ms"],
)


def blocking_call(trace, index: int, seconds: float) -> str:
    # Stands in for any blocking library call: a driver, an SDK, a file read.
    with trace.span(f"call {index + 1}", "thread"):
        time.sleep(seconds)
    return threading.current_thread().name


@sync_to_async_demo.variant(
    "thread-sensitive",
    title="sync_to_async(thread_sensitive=True)",
    alone_ms=lambda params: params["calls"] * params["sleep_ms"],
)
async def on_request_thread(request, params, trace):
    # thread_sensitive=True (the default): every call runs on this request's
    # one sync thread, so gathered calls still run one at a time.
    call = sync_to_async(blocking_call, thread_sensitive=True)
    seconds = params["sleep_ms"] / 1000
    await asyncio.gather(*(call(trace, i, seconds) for i in range(params["calls"])))


@sync_to_async_demo.variant(
    "executor",
    title="sync_to_async(thread_sensitive=False)",
    alone_ms=lambda params: math.ceil(params["calls"] / POOL) * params["sleep_ms"],
)
async def on_executor_pool(request, params, trace):
    # thread_sensitive=False: calls go to the event loop's default executor,
    # a shared pool of threads, so gathered calls overlap.
    call = sync_to_async(blocking_call, thread_sensitive=False)
    seconds = params["sleep_ms"] / 1000
    await asyncio.gather(*(call(trace, i, seconds) for i in range(params["calls"])))
