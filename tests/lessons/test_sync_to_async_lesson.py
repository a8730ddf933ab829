"""The sync_to_async lesson's claims about cancellation and what crosses the thread hop."""

import asyncio
import threading
import time

from asgiref.sync import ThreadSensitiveContext, async_to_sync, sync_to_async

from tests.helpers import lesson_code


def test_cancelling_the_await_returns_at_once_and_the_thread_finishes_anyway():
    finished = threading.Event()

    def slow() -> None:
        time.sleep(0.5)
        finished.set()

    async def cancel_it() -> tuple[float, bool]:
        task = asyncio.create_task(sync_to_async(slow, thread_sensitive=False)())
        await asyncio.sleep(0.05)
        started = time.monotonic()
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            return time.monotonic() - started, finished.is_set()
        raise AssertionError("the await was not cancelled")

    waited, finished_by_then = async_to_sync(cancel_it)()
    assert waited < 0.2 and not finished_by_then  # the await gave up at once
    assert finished.wait(2)  # and the function still ran to its end


def test_a_call_still_queued_for_the_request_thread_is_dropped():
    ran = []

    async def request() -> None:
        async with ThreadSensitiveContext():  # what Django's ASGI handler opens per request
            first = asyncio.create_task(sync_to_async(time.sleep)(0.3))
            queued = asyncio.create_task(sync_to_async(ran.append)("queued"))
            await asyncio.sleep(0.05)
            queued.cancel()
            await first

    async_to_sync(request)()
    assert ran == []


def test_contextvars_cross_the_hop_and_threading_local_does_not():
    handle = lesson_code("sync-to-async", "async def handle(")["handle"]
    assert async_to_sync(handle)("r-42") == "r-42 / nobody"
