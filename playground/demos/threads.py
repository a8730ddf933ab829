"""sync_to_async: on the request's own thread, or on the executor's pool."""

import asyncio
import threading
import time

from asgiref.sync import sync_to_async

from ..runner import variant


def blocking_call(trace, index: int, seconds: float) -> str:
    # Stands in for any blocking library call: a driver, an SDK, a file read.
    with trace.span(f"call {index + 1}", "thread"):
        time.sleep(seconds)
    return threading.current_thread().name


@variant("sync-to-async", "thread-sensitive")
async def on_request_thread(request, params, trace):
    # thread_sensitive=True (the default): every call runs on this request's
    # one sync thread, so gathered calls still run one at a time.
    call = sync_to_async(blocking_call, thread_sensitive=True)
    seconds = params["sleep_ms"] / 1000
    await asyncio.gather(*(call(trace, i, seconds) for i in range(params["calls"])))


@variant("sync-to-async", "executor")
async def on_executor_pool(request, params, trace):
    # thread_sensitive=False: calls go to the event loop's default executor,
    # a shared pool of threads, so gathered calls overlap.
    call = sync_to_async(blocking_call, thread_sensitive=False)
    seconds = params["sleep_ms"] / 1000
    await asyncio.gather(*(call(trace, i, seconds) for i in range(params["calls"])))
