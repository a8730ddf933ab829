"""What protects the server from the demos: a per-client rate limit, and budgets for demos
that block the event loop or burn CPU on purpose. A refusal is a `DemoRefused` exception,
answered in one place (`answers_refusals`). Who may run what, and when, is decided in
`admission.py`; the cap on runs in flight is the ASGI gate in `gate.py`, in front of Django.

The limits are settings (PLAYGROUND_* in config/settings.py, from the environment). The rate
limit lives in Django's cache, so it holds across worker processes once the cache is shared.
"""

import hashlib
import hmac
import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from functools import wraps
from inspect import iscoroutinefunction

from django.conf import settings
from django.http import HttpRequest, JsonResponse

from ops.ratelimit import CounterUnavailable, client_address, hit

LOAD_HEADER = "X-Playground-Load"
logger = logging.getLogger(__name__)


class DemoRefused(Exception):
    """A demo request the server will not run: its status, a sentence saying why, and when
    to try again."""

    def __init__(self, status: int, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.retry_after = retry_after

    def response(self) -> JsonResponse:
        response = JsonResponse({"error": self.message}, status=self.status)
        if self.retry_after is not None:
            response["Retry-After"] = str(self.retry_after)
        return response


def answers_refusals(view: Callable) -> Callable:
    """Turn a `DemoRefused` raised anywhere in `view` into its JSON answer."""
    if iscoroutinefunction(view):

        @wraps(view)
        async def answering(request, *args, **kwargs):
            try:
                return await view(request, *args, **kwargs)
            except DemoRefused as refusal:
                return refusal.response()

    else:

        @wraps(view)
        def answering(request, *args, **kwargs):
            try:
                return view(request, *args, **kwargs)
            except DemoRefused as refusal:
                return refusal.response()

    return answering


def load_token() -> str:
    """Marks the requests a load run makes, so that the run counts once, not N times."""
    return hmac.new(
        settings.SECRET_KEY.encode(), b"playground-load-run", hashlib.sha256
    ).hexdigest()


def is_internal(request: HttpRequest) -> bool:
    supplied = request.headers.get(LOAD_HEADER, "")
    return bool(supplied) and hmac.compare_digest(supplied, load_token())


def client_id(request: HttpRequest) -> str:
    return client_address(request)


def check_rate(
    request: HttpRequest,
    *,
    scope: str = "playground",
    limit: int | None = None,
    window: int | None = None,
    what: str = "demo runs",
) -> None:
    """Fixed-window count of runs per client; raise DemoRefused past the limit. Demo runs
    unless a caller names its own scope (exercise runs count apart, with their own limit)."""
    limit = settings.PLAYGROUND_RATE_LIMIT if limit is None else limit
    window = settings.PLAYGROUND_RATE_WINDOW if window is None else window
    try:
        counted = hit(f"{scope}:rate:{client_id(request)}", window)
    except CounterUnavailable as exc:
        raise cache_down(exc) from exc
    if counted.count > limit:
        raise DemoRefused(
            429,
            f"Too many {what}: at most {limit} every {window} s. "
            f"Try again in {counted.retry_after} s.",
            counted.retry_after,
        )


def cache_down(exc: Exception) -> DemoRefused:
    logger.warning("rate limit: the cache did not answer: %r", exc)
    return DemoRefused(
        503,
        "The cache is not answering, so demos cannot run right now. The lessons are still "
        "here; try again shortly.",
        5,
    )


class Budget:
    """Milliseconds of some costly thing that demos may spend per window, per process.

    Two of them: demos that block the event loop on purpose (without a budget, a script could
    keep `time.sleep` in an async view running back to back and stall every page on this
    process, which is exactly what the demo warns about), and demos that burn CPU in threads
    or processes, which hold the GIL or the cores that serve the pages.
    """

    def __init__(self, *, budget_setting: str, window_setting: str, refusal: str) -> None:
        self.budget_setting = budget_setting
        self.window_setting = window_setting
        self.refusal = refusal  # with {budget} and {window} in seconds, and {retry}
        self._spent: deque[tuple[float, float]] = deque()  # (monotonic, ms)
        self._lock = threading.Lock()
        self._slowdown = 1.0  # how much longer than declared runs have lately taken here

    @property
    def budget_ms(self) -> float:
        return getattr(settings, self.budget_setting)

    @property
    def window(self) -> float:
        return getattr(settings, self.window_setting)

    @property
    def slowdown(self) -> float:
        """Declared costs are measured on an idle machine; on this one, lately, runs took this
        many times as long (at least 1). Admission multiplies what it charges by it."""
        return self._slowdown

    def charge_overrun(self, declared_ms: float, took_ms: float) -> None:
        """After a run: what it took beyond what was charged is spent too (not refused: it has
        happened), so the budget holds in the time learners actually waited."""
        if declared_ms <= 0:
            return
        with self._lock:
            ratio = took_ms / declared_ms
            self._slowdown = max(1.0, 0.5 * self._slowdown + 0.5 * ratio)
            if took_ms > declared_ms:
                self._spent.append((time.monotonic(), took_ms - declared_ms))

    def forget(self) -> None:
        """Start afresh: nothing spent, no slowdown (for tests)."""
        with self._lock:
            self._spent.clear()
            self._slowdown = 1.0

    def spend(self, cost_ms: float) -> None:
        """Take `cost_ms` from this window's budget, or raise DemoRefused."""
        budget, window = self.budget_ms, self.window
        now = time.monotonic()
        with self._lock:
            while self._spent and self._spent[0][0] < now - window:
                self._spent.popleft()
            spent = sum(ms for _, ms in self._spent)
            if spent + cost_ms > budget:
                oldest = self._spent[0][0] if self._spent else now
                retry = max(1, math.ceil(oldest + window - now))
                message = self.refusal.format(budget=budget / 1000, window=window, retry=retry)
                raise DemoRefused(429, message, retry)
            self._spent.append((now, cost_ms))


blocking_budget = Budget(
    budget_setting="PLAYGROUND_BLOCKING_BUDGET_MS",
    window_setting="PLAYGROUND_BLOCKING_WINDOW",
    refusal="This demo blocks the server's event loop on purpose, so it may only do so for "
    "{budget:g} s in every {window:g} s. Try again in {retry} s.",
)
cpu_budget = Budget(
    budget_setting="PLAYGROUND_CPU_BUDGET_MS",
    window_setting="PLAYGROUND_BLOCKING_WINDOW",
    refusal="CPU-bound demos share this server's CPU with every reader, so together they may "
    "burn {budget:g} s of CPU in every {window:g} s. Try again in {retry} s.",
)


def busy() -> DemoRefused:
    return DemoRefused(
        429, "The server is running as many demos as it allows at once. Try again in a moment.", 1
    )
