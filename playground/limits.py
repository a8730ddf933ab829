"""What protects the server from the demos: a per-client rate limit, a budget for demos that
block the event loop on purpose. (One load run at a time is a cache lock in load.py; the cap
on runs in flight is the ASGI gate in gate.py, in front of Django.)

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
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

LOAD_HEADER = "X-Playground-Load"
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Refusal:
    status: int
    message: str
    retry_after: int | None = None


def load_token() -> str:
    """Marks the requests a load run makes, so that the run counts once, not N times."""
    return hmac.new(
        settings.SECRET_KEY.encode(), b"playground-load-run", hashlib.sha256
    ).hexdigest()


def is_internal(request: HttpRequest) -> bool:
    supplied = request.headers.get(LOAD_HEADER, "")
    return bool(supplied) and hmac.compare_digest(supplied, load_token())


def client_id(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR") or "unknown"


class CacheUnavailable(Exception):
    """The cache (Redis) did not answer."""


def check_rate(
    request: HttpRequest,
    *,
    scope: str = "playground",
    limit: int | None = None,
    window: int | None = None,
    what: str = "demo runs",
) -> Refusal | None:
    """Fixed-window count of runs per client: demo runs unless a caller names its own scope
    (exercise runs count apart from demo runs, with their own limit and window)."""
    limit = settings.PLAYGROUND_RATE_LIMIT if limit is None else limit
    window = settings.PLAYGROUND_RATE_WINDOW if window is None else window
    now = time.time()
    bucket = int(now // window)
    key = f"{scope}:rate:{client_id(request)}:{bucket}"
    try:
        cache.add(key, 0, timeout=window + 1)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=window + 1)
            count = 1
    except Exception as exc:  # e.g. redis.ConnectionError: the limiter cannot count
        raise CacheUnavailable(str(exc)) from exc
    if count > limit:
        retry = max(1, math.ceil((bucket + 1) * window - now))
        return Refusal(
            429,
            f"Too many {what}: at most {limit} every {window} s. Try again in {retry} s.",
            retry,
        )
    return None


def cache_down(exc: CacheUnavailable) -> Refusal:
    logger.warning("rate limit: the cache did not answer: %s", exc)
    return Refusal(
        503,
        f"The cache is not answering ({exc}), so demos cannot run right now. The lessons are "
        "still here; try again shortly.",
        5,
    )


class BlockingBudget:
    """Demos that block the event loop on purpose may use only a share of each window.

    Without this, a script could keep `time.sleep` in an async view running back to back and
    stall every page on this process, which is exactly what the demo warns about.
    """

    def __init__(self) -> None:
        self._spent: deque[tuple[float, float]] = deque()  # (monotonic, ms)
        self._lock = threading.Lock()

    def try_spend(self, cost_ms: float) -> Refusal | None:
        budget, window = settings.PLAYGROUND_BLOCKING_BUDGET_MS, settings.PLAYGROUND_BLOCKING_WINDOW
        now = time.monotonic()
        with self._lock:
            while self._spent and self._spent[0][0] < now - window:
                self._spent.popleft()
            spent = sum(ms for _, ms in self._spent)
            if spent + cost_ms > budget:
                oldest = self._spent[0][0] if self._spent else now
                retry = max(1, math.ceil(oldest + window - now))
                return Refusal(
                    429,
                    "This demo blocks the server's event loop on purpose, so it may only do so "
                    f"for {budget / 1000:g} s in every {window} s. Try again in {retry} s.",
                    retry,
                )
            self._spent.append((now, cost_ms))
        return None


blocking_budget = BlockingBudget()


def busy() -> Refusal:
    return Refusal(
        429, "The server is running as many demos as it allows at once. Try again in a moment.", 1
    )
