"""Demo requests run on an event loop of their own, in a thread of their own.

The server's loop parses every request and serves the pages; a demo request is handed to the
demo loop whole (Django's handler, the demo's upstream calls, its trace), and only its ASGI
messages cross back. A flood of fan-outs then keeps the demo loop busy, not the loop readers are
served on, and a demo that blocks its loop on purpose (`time.sleep` in an `async def` view)
stalls the other demo requests and the probe that measures them, as it would any request
sharing its loop, but not the lesson page around it.
"""

import asyncio
import concurrent.futures
import contextlib
import contextvars
import os
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from .tracing import loop_lag

THREAD_NAME = "demo-loop"  # what a waterfall calls the loop's thread


def on_demo_loop(view: Callable) -> Callable:
    """Mark a view to be run on the demo loop (the demo runs are, as `guarded` marks them)."""
    view.demo_loop = True
    return view


# The longest the demo loop waits for the pages in flight before it takes a turn anyway.
LONGEST_PAUSE_SECONDS = 0.05
# How much lower the demo loop's thread runs than the rest of the process: the threads and
# processes it starts (a request's own thread, the CPU demo's pool) inherit it. Pausing for
# pages reaches only this process's demos; this reaches every other process's too (with several
# workers, one worker's demo runs then don't hold a core that another worker's page needs).
# Linux keeps a nice value per thread (setpriority(2), BUGS). What stands in for users on other
# machines, a load run's generator, is started at the pages' priority (on_server_loop).
DEMO_NICE = 10

T = TypeVar("T")
# The loop a demo request came in on, seen from the demo loop while it serves that request.
_server_loop: contextvars.ContextVar[asyncio.AbstractEventLoop | None] = contextvars.ContextVar(
    "server_loop", default=None
)


class DemoLoop:
    """Starts its thread on first use; the thread is a daemon, so it never holds up exit.

    Pages go first here too: both loops' threads take turns at the GIL, so while a page is
    being served the demo loop pauses between its callbacks (a wait that lets go of the GIL),
    and the page runs as if no demo were running. The pause ends when the last page is out,
    or after LONGEST_PAUSE_SECONDS, so that a stream of pages cannot stop the demos."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()
        self._no_pages = threading.Event()
        self._no_pages.set()
        self._pause_asked = False

    def page_started(self) -> None:
        """A page is being served (called on the server's loop): pause the demo loop."""
        self._no_pages.clear()
        if self._loop is not None and not self._pause_asked:
            self._pause_asked = True
            self._loop.call_soon_threadsafe(self._give_way)

    def pages_done(self) -> None:
        """No page is being served any more: the demo loop goes on."""
        self._no_pages.set()

    def _give_way(self) -> None:
        self._pause_asked = False
        self._no_pages.wait(LONGEST_PAUSE_SECONDS)

    def loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                thread = threading.Thread(
                    target=_serve, args=(loop,), name=THREAD_NAME, daemon=True
                )
                thread.start()
                # The lag meter watches the loop the demos run on.
                asyncio.run_coroutine_threadsafe(_start_meter(), loop).result()
                self._loop = loop
        return self._loop

    async def run(self, app, scope, receive, send) -> None:
        """Run the ASGI `app` for one request on the demo loop; its receive and send calls run
        on the server's loop, where the connection is."""
        server_loop = asyncio.get_running_loop()
        # Each crossing wakes both loops, so there are as few as the messages allow: the
        # request's first message is read here, before the hand-off (ops.asgi.WholeBodies has
        # it already: the whole body), and a response's start is not waited for, only sent
        # ahead of the message after it.
        first: list[dict] = [await receive()]
        unconfirmed: concurrent.futures.Future | None = None

        def there(call) -> asyncio.Future:
            return asyncio.wrap_future(asyncio.run_coroutine_threadsafe(call, server_loop))

        async def receive_there() -> dict:
            if first:
                return first.pop()
            return await there(receive())

        async def send_there(message: dict) -> None:
            nonlocal unconfirmed
            before, unconfirmed = unconfirmed, None

            async def in_order() -> None:
                if before is not None:
                    await asyncio.wrap_future(before)
                await send(message)

            sending = asyncio.run_coroutine_threadsafe(in_order(), server_loop)
            if message["type"] == "http.response.start":
                unconfirmed = sending
            else:
                await asyncio.wrap_future(sending)

        async def serving() -> None:
            _server_loop.set(server_loop)
            await app(scope, receive_there, send_there)

        running = asyncio.run_coroutine_threadsafe(serving(), self.loop())
        try:
            # Cancelling this (the client went away) cancels the request on the demo loop too.
            await asyncio.wrap_future(running)
        except BaseException:
            if unconfirmed is not None:  # the app's own error is the one to raise
                with contextlib.suppress(Exception):
                    await asyncio.wrap_future(unconfirmed)
            raise
        if unconfirmed is not None:  # a start that no message followed: out, and it went well
            await asyncio.wrap_future(unconfirmed)


async def on_server_loop(call: Coroutine[Any, Any, T]) -> T:
    """Await `call`, run on the loop this demo request came in on: at the pages' priority, not
    the demo loop's. (Anywhere else, it just runs here.)"""
    server_loop = _server_loop.get()
    if server_loop is None or server_loop is asyncio.get_running_loop():
        return await call
    return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(call, server_loop))


def _serve(loop: asyncio.AbstractEventLoop) -> None:
    """The demo loop's thread: a lower priority (where the system has per-thread ones), then
    the loop, for good."""
    with contextlib.suppress(OSError, AttributeError):
        thread = threading.get_native_id()
        nice = os.getpriority(os.PRIO_PROCESS, thread)
        os.setpriority(os.PRIO_PROCESS, thread, min(19, nice + DEMO_NICE))
    loop.run_forever()


async def _start_meter() -> None:
    loop_lag.ensure_running()


demo_loop = DemoLoop()
