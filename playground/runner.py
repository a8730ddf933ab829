"""Turn a demo variant into a real Django view: parameters, limits, tracing, the JSON trace.

    @variant("fanout", "async")
    async def fanout_async(request, params, trace): ...

A variant written as `async def` becomes an async view and a plain `def` a sync view, so the
learner sees what Django itself does with each (an event loop, or a thread per request). The
wrapper adds the same things to both: 400 for a bad parameter, 429 when a limit says no, and a
trace with its Server-Timing header.
"""

import asyncio
import contextlib
import json
import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import wraps
from inspect import iscoroutinefunction

from asgiref.sync import sync_to_async
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from . import limits
from .limits import CacheUnavailable
from .registry import DEMOS, Demo, ParamError
from .tracing import Trace, current_trace, loop_lag

logger = logging.getLogger(__name__)

Params = dict[str, int | float]


@dataclass(frozen=True)
class Variant:
    demo: Demo
    name: str
    func: Callable  # the code the learner reads: (request, params, trace) -> dict | response
    view: Callable  # the Django view wrapping it
    blocks_loop: Callable[[Params], float] | None  # ms of deliberate loop blocking, if any
    streams: bool


VARIANTS: dict[tuple[str, str], Variant] = {}


def variant(
    demo_id: str,
    name: str,
    *,
    blocks_loop: Callable[[Params], float] | None = None,
    streams: bool = False,
) -> Callable:
    demo = DEMOS[demo_id]
    if name not in demo.variants:
        raise ValueError(f"{demo_id} has no variant {name!r}")

    def decorate(func: Callable) -> Callable:
        if iscoroutinefunction(func):

            @wraps(func)
            async def view(request: HttpRequest) -> HttpResponse:
                params = parse_params(request, demo)
                if isinstance(params, HttpResponse):
                    return params
                # A load run's own requests skip the limits: no thread hop needed to say so.
                refusal = (
                    None
                    if limits.is_internal(request)
                    else await sync_to_async(admit)(request, VARIANTS[demo_id, name], params)
                )
                if refusal:
                    return refusal_response(refusal)
                if loop_lag.ensure_running():
                    await asyncio.sleep(0)  # let the new heartbeat start its first beat
                with running() as trace:
                    try:
                        result = await func(request, params, trace)
                    except Exception as exc:
                        return demo_failed(demo, name, exc)
                    if streams:
                        return result
                    total_ms = trace.total_ms()
                if blocks_loop:
                    # The lag meter can only record a stall once the loop is free again:
                    # wait for its next beat so the stall we just caused is in the trace.
                    await loop_lag.next_sample()
                return trace_response(demo, name, params, trace, total_ms, result)

        else:

            @wraps(func)
            def view(request: HttpRequest) -> HttpResponse:
                params = parse_params(request, demo)
                if isinstance(params, HttpResponse):
                    return params
                refusal = admit(request, VARIANTS[demo_id, name], params)
                if refusal:
                    return refusal_response(refusal)
                with running() as trace:
                    try:
                        result = func(request, params, trace)
                    except Exception as exc:
                        return demo_failed(demo, name, exc)
                    if streams:
                        return result
                    total_ms = trace.total_ms()
                return trace_response(demo, name, params, trace, total_ms, result)

        view = require_GET(view)
        VARIANTS[demo_id, name] = Variant(demo, name, func, view, blocks_loop, streams)
        return func

    return decorate


def parse_params(request: HttpRequest, demo: Demo) -> Params | HttpResponse:
    query = request.GET
    repeated = next((key for key in query if len(query.getlist(key)) > 1), None)
    if repeated:
        return JsonResponse({"error": f"{repeated} is given more than once"}, status=400)
    try:
        return demo.parse({key: query[key] for key in query if key != "run"})
    except ParamError as exc:
        return JsonResponse({"error": str(exc)}, status=400)


def admit(request: HttpRequest, variant: Variant, params: Params) -> limits.Refusal | None:
    """The per-client rate limit, then the blocking budget.

    A load run's own requests pass straight through: the load run was admitted as one run,
    and its size and blocking cost were checked before it started.
    """
    if limits.is_internal(request):
        return None
    try:
        refusal = limits.check_rate(request)
    except CacheUnavailable as exc:
        return limits.cache_down(exc)
    if refusal:
        return refusal
    if variant.blocks_loop:
        return limits.blocking_budget.try_spend(variant.blocks_loop(params))
    return None


def refusal_response(refusal: limits.Refusal) -> JsonResponse:
    response = JsonResponse({"error": refusal.message}, status=refusal.status)
    if refusal.retry_after is not None:
        response["Retry-After"] = str(refusal.retry_after)
    return response


def demo_failed(demo: Demo, name: str, exc: Exception) -> JsonResponse:
    if isinstance(exc, DatabaseError | CacheUnavailable):
        # The demo is fine; what it depends on is not answering. One line, no traceback.
        what = "database" if isinstance(exc, DatabaseError) else "cache"
        logger.warning("demo %s/%s: the %s failed: %s", demo.id, name, what, exc)
        message = (
            f"The {what} is not answering ({type(exc).__name__}: {exc}), so the demo "
            "could not run. The rest of the site is still up; try again shortly."
        )
        return JsonResponse({"error": message}, status=503, headers={"Retry-After": "5"})
    logger.exception("demo %s/%s failed", demo.id, name)
    message = f"The demo failed on the server ({type(exc).__name__}: {exc}). It has been logged."
    return JsonResponse({"error": message}, status=500)


@contextlib.contextmanager
def running() -> Iterator[Trace]:
    trace = Trace()
    token = current_trace.set(trace)
    try:
        yield trace
    finally:
        current_trace.reset(token)


def trace_response(
    demo: Demo, name: str, params: Params, trace: Trace, total_ms: float, result: dict | None
) -> JsonResponse:
    worst_lag, lags = loop_lag.worst_since(trace.started)
    spans = [span.as_json() for span in trace.spans]
    body = {
        "demo": demo.id,
        "variant": name,
        "title": demo.variant_title(name),
        "params": params,
        "total_ms": round(total_ms, 2),
        "spans": spans,
        "sql": trace.sql,
        "loop_lag_ms": round(worst_lag, 2),
        "loop_lag_samples": len(lags),
        "threads": {
            "alive_at_start": trace.threads_at_start,
            "alive_at_end": threading.active_count(),
            "used": sorted({span["thread"] for span in spans if span["thread"]}),
        },
        **(result or {}),
    }
    response = JsonResponse(body, json_dumps_params={"default": str})
    response["Server-Timing"] = server_timing(total_ms, trace)
    response["Cache-Control"] = "no-store"
    return response


def server_timing(total_ms: float, trace: Trace) -> str:
    """The trace as a Server-Timing header (the first spans; browsers show it in dev tools)."""
    entries = [f"total;dur={total_ms:.1f}"]
    for index, span in enumerate(trace.spans[:20]):
        duration = (span.end_ms or span.start_ms) - span.start_ms
        label = json.dumps(f"{span.label} [{span.thread}]")
        entries.append(f"s{index};desc={label};dur={duration:.1f}")
    return ", ".join(entries)
