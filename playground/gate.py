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

from django.conf import settings

from . import limits

PREFIX = "/playground/api/"
UNGATED = {"/playground/api/probe", "/playground/api/demos"}


class DemoGate:
    def __init__(self, app) -> None:
        self.app = app
        self.limit = settings.PLAYGROUND_MAX_CONCURRENT_RUNS
        self._slots: asyncio.Semaphore | None = None

    def slots(self) -> asyncio.Semaphore:
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.limit)
        return self._slots

    async def __call__(self, scope, receive, send) -> None:
        if not self._gated(scope):
            await self.app(scope, receive, send)
            return
        slots = self.slots()
        if slots.locked():  # every slot taken: wait in line, for a while
            wait = settings.PLAYGROUND_QUEUE_SECONDS
            try:
                if wait <= 0:
                    raise TimeoutError
                await asyncio.wait_for(slots.acquire(), wait)
            except TimeoutError:
                await _too_busy(send)
                return
        else:
            await slots.acquire()
        try:
            await self.app(scope, receive, send)
        finally:
            slots.release()

    def _gated(self, scope) -> bool:
        if scope["type"] != "http" or not scope["path"].startswith(PREFIX):
            return False
        if scope["path"] in UNGATED or scope["path"].endswith("/source"):
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
