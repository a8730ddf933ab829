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
import time
from collections import deque
from collections.abc import Callable
from functools import lru_cache

from django.conf import settings
from django.urls import Resolver404, resolve

from ops.ratelimit import client_key

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


class ClientShare:
    """One client's share of the gate: runs in flight now, and the seconds its runs held a
    slot in the last window (a 30-second stream counts 30 seconds, not one run)."""

    def __init__(self) -> None:
        self.in_flight = 0
        self.held: deque[tuple[float, float]] = deque()  # (ended at, seconds held)

    def seconds_held(self, now: float, window: float) -> float:
        while self.held and self.held[0][0] < now - window:
            self.held.popleft()
        return sum(seconds for _, seconds in self.held)

    def idle(self) -> bool:
        return self.in_flight == 0 and not self.held


class DemoGate:
    """At most `limit` demo requests in flight; the rest wait in line, first come first served.

    The limit adapts to the event loop (additive increase, multiplicative decrease): when the
    loop-lag meter says the loop is falling behind, fewer demo runs are let in, so the pages
    sharing the loop keep their turn; when it keeps up, the limit climbs back to
    PLAYGROUND_MAX_CONCURRENT_RUNS.

    No client takes more than its share: PLAYGROUND_CLIENT_MAX_RUNS in flight at once, and
    PLAYGROUND_CLIENT_RUN_SECONDS of slot time per rate window. The client is the ASGI scope's
    (set from X-Forwarded-For by ops.asgi.TrustedProxies behind a trusted proxy).
    """

    def __init__(self, app) -> None:
        self.app = app
        self.ceiling = settings.PLAYGROUND_MAX_CONCURRENT_RUNS
        self.limit = float(self.ceiling)
        self.in_flight = 0
        self.waiting: deque[asyncio.Future] = deque()
        self.clients: dict[str, ClientShare] = {}
        self.calls = 0

    async def __call__(self, scope, receive, send) -> None:
        if not self._gated(scope):
            await self.app(scope, receive, send)
            return
        loop_lag.ensure_running()
        self.calls += 1
        if self.calls % 1000 == 0:
            self._sweep()
        client = client_key((scope.get("client") or ("unknown", 0))[0])
        share = self.clients.setdefault(client, ClientShare())
        refusal = self._over_share(share)
        if refusal:
            self._forget_if_idle(client)
            await _refuse(send, refusal)
            return
        share.in_flight += 1
        started = time.monotonic()
        try:
            if self.waiting or self.in_flight >= max(1, int(self.limit)):
                if not await self._wait_for_a_slot():
                    await _refuse(send, limits.busy())
                    return
            else:
                self.in_flight += 1
            try:
                await self.app(scope, receive, send)
            finally:
                self._release()
        finally:
            share.in_flight -= 1
            share.held.append((time.monotonic(), time.monotonic() - started))
            self._forget_if_idle(client)

    def _over_share(self, share: ClientShare) -> limits.DemoRefused | None:
        most = settings.PLAYGROUND_CLIENT_MAX_RUNS
        if share.in_flight >= most:
            return limits.DemoRefused(
                429,
                f"You already have {most} demo runs in progress; the rest of the server is kept "
                "for other learners. Try again when one finishes.",
                1,
            )
        window, allowed = settings.PLAYGROUND_RATE_WINDOW, settings.PLAYGROUND_CLIENT_RUN_SECONDS
        held = share.seconds_held(time.monotonic(), window)
        if held >= allowed:
            return limits.DemoRefused(
                429,
                f"Your demo runs held the server for {held:.0f} s in the last {window} s (the "
                f"most is {allowed} s, so that other learners get their turn). Try again in a "
                "little while.",
                max(1, int(window / 4)),
            )
        return None

    def _sweep(self) -> None:
        """Forget the clients whose last run left the window: the map stays as small as the
        set of clients active in the last window."""
        now, window = time.monotonic(), settings.PLAYGROUND_RATE_WINDOW
        for client, share in list(self.clients.items()):
            share.seconds_held(now, window)
            if share.idle():
                del self.clients[client]

    def _forget_if_idle(self, client: str) -> None:
        share = self.clients.get(client)
        if share is not None and share.idle():
            del self.clients[client]

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


async def _refuse(send, refusal: limits.DemoRefused) -> None:
    body = json.dumps({"error": refusal.message}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": refusal.status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"retry-after", str(refusal.retry_after or 1).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
