"""Whether a demo run may start now: one path for a single run and for a load run.

A single run passes the client's rate limit and, if it blocks the event loop on purpose, the
blocking budget. A load run ("what happens with N users?") is admitted once, as one run: the
same rate limit, a blocking cost of N single runs, and one load run at a time per server.
The N requests it then fires carry the load token and are not admitted again.
"""

import contextlib
import os
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from . import limits
from .limits import DemoRefused
from .registry import Params, Variant

LOCK_KEY = "playground:load-run"
LOCK_SECONDS = 120  # longer than any load run (its requests time out after 60 s)


@dataclass
class Admission:
    """What an admitted run holds until it ends."""

    holds_load_lock: bool = False

    def release(self) -> None:
        if self.holds_load_lock:
            with contextlib.suppress(Exception):  # it expires by itself if the cache is gone
                cache.delete(LOCK_KEY)
            self.holds_load_lock = False


def admit(
    request: HttpRequest, variant: Variant, params: Params, *, users: int | None = None
) -> Admission:
    """Admit one run of `variant` (a load run of `users` requests if given) or raise
    DemoRefused saying why not. Sync: it talks to the cache."""
    if limits.is_internal(request):
        return Admission()
    cost_ms = variant.blocks_loop(params) * (users or 1) if variant.blocks_loop else 0.0
    if users is not None and cost_ms > settings.PLAYGROUND_BLOCKING_BUDGET_MS:
        allowed = settings.PLAYGROUND_BLOCKING_BUDGET_MS
        most = max(1, int(allowed // variant.blocks_loop(params)))
        raise DemoRefused(
            400,
            f"{users} users of this variant would block the server's event loop for "
            f"{cost_ms / 1000:g} s in all; at these settings the most is {most} users "
            f"({allowed / 1000:g} s).",
        )
    limits.check_rate(request)
    admission = Admission()
    if users is not None:
        admission.holds_load_lock = _take_load_lock()
    try:
        if cost_ms:
            limits.blocking_budget.spend(cost_ms)
    except DemoRefused:
        admission.release()
        raise
    return admission


def _take_load_lock() -> bool:
    # The lock lives in the cache, so with Redis it holds across worker processes; it
    # expires on its own should a worker die mid-run.
    try:
        taken = cache.add(LOCK_KEY, os.getpid(), timeout=LOCK_SECONDS)
    except Exception as exc:  # the cache client's own connection errors
        raise limits.cache_down(exc) from exc
    if not taken:
        raise DemoRefused(
            429, "A load run is already in progress on this server. Try again in a few seconds.", 5
        )
    return True
