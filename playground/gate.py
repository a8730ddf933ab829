"""An ASGI gate in front of Django for demo requests: a few in flight, a short queue, then 429.

A demo request that Django accepts costs a worker thread and a thread hop per middleware hook,
so a flood that reached Django would slow every page on the process, however quickly each
request were refused there. The gate turns the excess away first, with no thread involved.
Runs admitted wait in line for up to PLAYGROUND_QUEUE_SECONDS, so a burst is served a little
later rather than refused.
"""

import asyncio
import hmac
import json
from collections import deque
from collections.abc import Callable
from functools import lru_cache

from django.conf import settings
from django.urls import Resolver404, resolve

from . import limits
from .tracing import loop_lag

MIN_LIMIT = 2.0


def guarded(view: Callable) -> Callable:
    """Mark a view as a demo run: the gate in front of Django admits requests to it."""
    view.demo_gate = True
    return view


@lru_cache(maxsize=4096)
def is_guarded_path(path: str) -> bool:
    """Does the URLconf route `path` to a view marked with `guarded`?"""
    try:
        match = resolve(path)
    except Resolver404:
        return False
    return getattr(match.func, "demo_gate", False)


class DemoGate:
    """At most `limit` demo requests in flight; the rest wait in line, first come first served.

    The limit adapts to the event loop (additive increase, multiplicative decrease): when the
    loop-lag meter says the loop is falling behind, fewer demo runs are let in, so the pages
    sharing the loop keep their turn; when it keeps up, the limit climbs back to
    PLAYGROUND_MAX_CONCURRENT_RUNS.
    """

    def __init__(self, app) -> None:
        self.app = app
        self.ceiling = settings.PLAYGROUND_MAX_CONCURRENT_RUNS
        self.limit = float(self.ceiling)
        self.in_flight = 0
        self.waiting: deque[asyncio.Future] = deque()

    async def __call__(self, scope, receive, send) -> None:
        if not self._gated(scope):
            await self.app(scope, receive, send)
            return
        loop_lag.ensure_running()
        if self.waiting or self.in_flight >= max(1, int(self.limit)):
            if not await self._wait_for_a_slot():
                await _too_busy(send)
                return
        else:
            self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self._release()

    async def _wait_for_a_slot(self) -> bool:
        wait = settings.PLAYGROUND_QUEUE_SECONDS
        if wait <= 0:
            return False
        turn = asyncio.get_running_loop().create_future()
        self.waiting.append(turn)
        # asyncio.wait, not wait_for: a timeout must not race with being handed the slot.
        done, _ = await asyncio.wait({turn}, timeout=wait)
        if not done:
            turn.cancel()  # _release skips it
            return False
        return True

    def _release(self) -> None:
        if loop_lag.recent_ms() > settings.PLAYGROUND_MAX_LOOP_LAG_MS:
            self.limit = max(MIN_LIMIT, self.limit * 0.9)
        else:
            self.limit = min(self.ceiling, self.limit + 0.5)
        self.in_flight -= 1
        while self.waiting and self.in_flight < max(1, int(self.limit)):
            turn = self.waiting.popleft()
            if not turn.done():
                self.in_flight += 1
                turn.set_result(None)

    def _gated(self, scope) -> bool:
        if scope["type"] != "http" or not is_guarded_path(scope["path"]):
            return False
        # A load run's own requests were admitted as one run, with the load run itself.
        token = dict(scope.get("headers", [])).get(limits.LOAD_HEADER.lower().encode(), b"")
        return not (token and hmac.compare_digest(token.decode("latin-1"), limits.load_token()))


async def _too_busy(send) -> None:
    body = json.dumps({"error": limits.busy().message}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 429,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"retry-after", b"1"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
