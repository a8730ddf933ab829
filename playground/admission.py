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
from django.core.cache import caches
from django.http import HttpRequest

from . import limits
from .limits import DemoRefused
from .loadgen import REQUEST_SECONDS
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
                caches["limits"].delete(LOCK_KEY)
            self.holds_load_lock = False


@dataclass(frozen=True)
class LoadLimit:
    """The most users a load run of one variant may fire at given parameters, and why."""

    most_users: int
    reason: str  # a sentence for the learner


def _costs(variant: Variant, params: Params) -> list[tuple[limits.Budget, float, str]]:
    return [
        (budget, cost(params) * budget.slowdown, what)
        for budget, cost, what in (
            (limits.blocking_budget, variant.blocks_loop, "block the server's event loop for"),
            (limits.cpu_budget, variant.burns_cpu, "burn the server's CPU for"),
        )
        if cost is not None
    ]


def load_limit(variant: Variant, params: Params) -> LoadLimit:
    """How many users a load run of `variant` at `params` may fire: what its form offers."""
    most = settings.PLAYGROUND_LOAD_MAX_CONCURRENCY
    limit = LoadLimit(most, f"this server fires at most {most} users in one load run.")
    for budget, one, what in _costs(variant, params):
        most = max(1, int(budget.budget_ms // one))
        if most < limit.most_users:
            limit = LoadLimit(
                most,
                f"each request would {what} {one / 1000:g} s and a load run may spend "
                f"{budget.budget_ms / 1000:g} s, so at these settings the most is {most} users.",
            )
    return limit


def admit(
    request: HttpRequest, variant: Variant, params: Params, *, users: int | None = None
) -> Admission:
    """Admit one run of `variant` (a load run of `users` requests if given) or raise
    DemoRefused saying why not. Sync: it talks to the cache."""
    if limits.is_internal(request):
        return Admission()
    costs = _costs(variant, params)
    if users is not None:
        _refuse_what_outlives_the_run(variant, params)
        for budget, one, what in costs:
            if one * users > budget.budget_ms:
                most = max(1, int(budget.budget_ms // one))
                raise DemoRefused(
                    400,
                    f"{users} users of this variant would {what} {one * users / 1000:g} s in "
                    f"all; at these settings the most is {most} users "
                    f"({budget.budget_ms / 1000:g} s).",
                )
    limits.check_rate(request)
    admission = Admission()
    if users is not None:
        admission.holds_load_lock = _take_load_lock()
    try:
        for budget, one, _ in costs:
            budget.spend(one * (users or 1))
    except DemoRefused:
        admission.release()
        raise
    return admission


def _refuse_what_outlives_the_run(variant: Variant, params: Params) -> None:
    """A load run holds its lock while it waits for its requests, at most REQUEST_SECONDS;
    a request expected to take longer alone would go on running on the server after the
    run has answered and let the next one in, so "one load run at a time" would not hold."""
    expected = variant.expected(params)
    if expected is not None and expected["alone_ms"] > REQUEST_SECONDS * 1000:
        raise DemoRefused(
            400,
            f"one request of this variant takes about {expected['alone_ms'] / 1000:g} s alone at "
            f"these settings, longer than a load run waits for it ({REQUEST_SECONDS} s): "
            "lower the settings to run it with many users.",
        )


def _take_load_lock() -> bool:
    # The lock lives in the cache, so with Redis it holds across worker processes; it
    # expires on its own should a worker die mid-run.
    try:
        taken = caches["limits"].add(LOCK_KEY, os.getpid(), timeout=LOCK_SECONDS)
    except Exception as exc:  # the cache client's own connection errors
        raise limits.cache_down(exc) from exc
    if not taken:
        raise DemoRefused(
            429, "A load run is already in progress on this server. Try again in a few seconds.", 5
        )
    return True
