"""An ASGI gate in front of Django for demo requests: a few in flight, a short queue, then 429;
page requests first.

A demo request that Django accepts costs a worker thread and a thread hop per middleware hook,
so a flood that reached Django would slow every page on the process, however quickly each
request were refused there. The gate turns the excess away first, with no thread involved.
Runs admitted wait in line for up to PLAYGROUND_QUEUE_SECONDS, so a burst is served a little
later rather than refused.
"""

import asyncio
import contextlib
import hmac
import json
import time
from collections import deque
from collections.abc import Callable
from functools import lru_cache

from django.conf import settings
from django.urls import Resolver404, resolve

from ops.asgi import security_headers
from ops.ratelimit import client_key

from . import limits
from .demo_loop import demo_loop
from .tracing import loop_lag

MIN_LIMIT = 2.0


def guarded(view: Callable) -> Callable:
    """Mark a view as a demo run: the gate in front of Django admits requests to it."""
    view.demo_gate = True
    return view


def _marks(path: str) -> set[str]:
    """Which of the marks `demo_gate` and `demo_loop` the view `path` routes to carries."""
    try:
        view = resolve(path).func
    except Resolver404:
        return set()
    return {mark for mark in ("demo_gate", "demo_loop") if getattr(view, mark, False)}


@lru_cache(maxsize=4096)
def is_guarded_path(path: str) -> bool:
    """Does the URLconf route `path` to a view marked with `guarded`?"""
    return "demo_gate" in _marks(path)


@lru_cache(maxsize=4096)
def runs_on_demo_loop(path: str) -> bool:
    """Demo runs, and the views marked `on_demo_loop`, run on the demo loop."""
    return bool(_marks(path))


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
    Admitted runs are served on the demo loop (playground/demo_loop.py), not the server's.

    The limit adapts to the demo loop (additive increase, multiplicative decrease): when the
    loop-lag meter says it is falling behind, fewer demo runs are let in; when it keeps up, the
    limit climbs back to PLAYGROUND_MAX_CONCURRENT_RUNS. Pages go first: while a page is being
    served, no new run starts beyond MIN_LIMIT in flight, so readers share the process with a
    couple of runs, not a flood of them; the waiting runs start as soon as the page is out.

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
        self.pages = 0  # requests in flight that are not demo runs

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
        elif not self._gated(scope):
            if runs_on_demo_loop(scope["path"]):  # a load run's own requests, the probe
                await demo_loop.run(self.app, scope, receive, send)
            else:
                await self._page(scope, receive, send)
        else:
            await self._demo_run(scope, receive, send)

    async def _page(self, scope, receive, send) -> None:
        """Pages go first: while one is being read, no more demo runs start than MIN_LIMIT.
        (A POST, such as an exercise run that takes seconds, does not hold the demos back.)"""
        if scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        self.pages += 1
        demo_loop.page_started()
        try:
            await self.app(scope, receive, send)
        finally:
            self.pages -= 1
            if not self.pages:
                demo_loop.pages_done()
            self._hand_out()

    def _slots(self) -> int:
        return max(1, int(min(self.limit, MIN_LIMIT) if self.pages else self.limit))

    async def _demo_run(self, scope, receive, send) -> None:
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
            if self.waiting or self.in_flight >= self._slots():
                if not await self._wait_for_a_slot():
                    await _refuse(send, limits.busy())
                    return
                # The panel says how long the run waited for its turn.
                send = _saying_wait(send, (time.monotonic() - started) * 1000)
            else:
                self.in_flight += 1
            try:
                await demo_loop.run(self.app, scope, receive, send)
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
        try:
            # asyncio.wait, not wait_for: a timeout must not race with being handed the slot.
            done, _ = await asyncio.wait({turn}, timeout=wait)
        except asyncio.CancelledError:  # the request was cancelled while it waited
            self._give_up(turn)
            raise
        if not done:
            self._give_up(turn)
            return False
        return True

    def _give_up(self, turn: asyncio.Future) -> None:
        """A run leaves the line: out of it, and a slot it was just handed goes back."""
        if turn.done() and not turn.cancelled():
            self._release()
        else:
            turn.cancel()
            with contextlib.suppress(ValueError):
                self.waiting.remove(turn)
            self._hand_out()  # the runs behind it need not wait for a release

    def _release(self) -> None:
        if loop_lag.recent_ms() > settings.PLAYGROUND_MAX_LOOP_LAG_MS:
            self.limit = max(MIN_LIMIT, self.limit * 0.9)
        else:
            self.limit = min(self.ceiling, self.limit + 0.5)
        self.in_flight -= 1
        self._hand_out()

    def _hand_out(self) -> None:
        """Give free slots to the runs waiting, first come first served."""
        while self.waiting and self.in_flight < self._slots():
            turn = self.waiting.popleft()
            if not turn.done():
                self.in_flight += 1
                turn.set_result(None)

    def _gated(self, scope) -> bool:
        if not is_guarded_path(scope["path"]):
            return False
        # A load run's own requests were admitted as one run, with the load run itself.
        token = dict(scope.get("headers", [])).get(limits.LOAD_HEADER.lower().encode(), b"")
        return not (token and hmac.compare_digest(token.decode("latin-1"), limits.load_token()))


QUEUED_HEADER = b"x-demo-queued-ms"


def _saying_wait(send, waited_ms: float):
    """`send`, with the time the run waited in line added to its response's headers."""

    async def sending(message: dict) -> None:
        if message["type"] == "http.response.start":
            headers = [*message.get("headers", []), (QUEUED_HEADER, b"%d" % round(waited_ms))]
            message = {**message, "headers": headers}
        await send(message)

    return sending


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
                *security_headers(),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
