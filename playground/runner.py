"""Turn a demo variant into a real Django view: parameters, admission, tracing, the JSON trace.

    @fanout.variant("async", title="async view + asyncio.gather")
    async def fanout_async(request, params, trace): ...

A variant written as `async def` becomes an async view and a plain `def` a sync view, so the
learner sees what Django itself does with each (an event loop, or a thread per request). The
wrapper adds the same things to both: 400 for a bad parameter, 429 when a limit says no, and a
trace with its Server-Timing header. The variant's own result is nested under "result", so it
can never overwrite what the trace measured.
"""

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable, Iterator

from asgiref.sync import sync_to_async
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.views.decorators.http import require_GET

from ops.disclosure import failure_text

from . import admission
from .gate import guarded
from .limits import DemoRefused, answers_refusals, blocking_budget, is_internal
from .registry import Demo, Expected, ParamError, Params, Variant
from .tracing import Trace, TraceJSON, current_trace, loop_lag

logger = logging.getLogger(__name__)


class DemoRunJSON(TraceJSON):
    demo: str
    variant: str
    title: str
    params: Params
    expected: Expected | None
    result: dict


_views: dict[tuple[str, str], Callable] = {}


def view_for(variant: Variant) -> Callable:
    """The Django view that runs `variant` (made once)."""
    key = (variant.demo.id, variant.name)
    if key not in _views:
        _views[key] = guarded(require_GET(answers_refusals(_build_view(variant))))
    return _views[key]


def url_name(variant: Variant) -> str:
    return f"run_{variant.demo.id}_{variant.name}".replace("-", "_")


def _build_view(variant: Variant) -> Callable:
    if variant.is_async:

        async def view(request: HttpRequest) -> HttpResponse:
            params = parse_query(request.GET, variant.demo)
            if is_internal(request):  # a load run's request, admitted with its run
                admission.admit(request, variant, params)  # no cache to ask: no thread hop
            else:
                await sync_to_async(admission.admit)(request, variant, params)
            if loop_lag.ensure_running():
                await asyncio.sleep(0)  # let the new heartbeat start its first beat
            started = time.perf_counter()
            with running() as trace:
                try:
                    result = await variant.func(request, params, trace)
                except DemoRefused:
                    raise
                except Exception as exc:
                    return demo_failed(request, variant, exc)
                finally:
                    if variant.blocks_loop:
                        took_ms = (time.perf_counter() - started) * 1000
                        blocking_budget.charge_overrun(variant.blocks_loop(params), took_ms)
            if variant.streams:
                return result
            if variant.blocks_loop:
                # The lag meter can only record a stall once the loop is free again:
                # wait for its next beat so the stall we just caused is in the trace.
                await loop_lag.next_sample()
            return trace_response(variant, params, trace, result)

    else:

        def view(request: HttpRequest) -> HttpResponse:
            params = parse_query(request.GET, variant.demo)
            admission.admit(request, variant, params)
            with running() as trace:
                try:
                    result = variant.func(request, params, trace)
                except DemoRefused:
                    raise
                except Exception as exc:
                    return demo_failed(request, variant, exc)
            if variant.streams:
                return result
            return trace_response(variant, params, trace, result)

    view.__name__ = view.__qualname__ = f"run_{variant.func.__name__}"
    view.__doc__ = variant.func.__doc__
    return view


def parse_query(query: QueryDict, demo: Demo, *, ignore: tuple[str, ...] = ("run",)) -> Params:
    """The demo's parameters from a query string, or DemoRefused(400) naming the bad one."""
    repeated = next((key for key in query if len(query.getlist(key)) > 1), None)
    if repeated:
        raise DemoRefused(400, f"{repeated} is given more than once")
    try:
        return demo.parse({key: query[key] for key in query if key not in ignore})
    except ParamError as exc:
        raise DemoRefused(400, str(exc)) from None


def demo_failed(request: HttpRequest, variant: Variant, exc: Exception) -> JsonResponse:
    demo, name = variant.demo, variant.name
    detail = failure_text(request, exc)
    if isinstance(exc, DatabaseError):
        # The demo is fine; the database it depends on is not answering. One line, no traceback.
        logger.warning("demo %s/%s: the database failed: %s", demo.id, name, exc)
        message = (
            f"The database is not answering ({detail}), so the demo could not run. The rest "
            "of the site is still up; try again shortly."
        )
        return JsonResponse({"error": message}, status=503, headers={"Retry-After": "5"})
    logger.exception("demo %s/%s failed", demo.id, name)
    message = f"The demo failed on the server ({detail}). It has been logged."
    return JsonResponse({"error": message}, status=500)


@contextlib.contextmanager
def running() -> Iterator[Trace]:
    trace = Trace()
    token = current_trace.set(trace)
    try:
        yield trace
    finally:
        trace.finish()
        current_trace.reset(token)


def trace_response(
    variant: Variant, params: Params, trace: Trace, result: dict | None
) -> JsonResponse:
    body: DemoRunJSON = {
        "demo": variant.demo.id,
        "variant": variant.name,
        "title": variant.title,
        "params": params,
        "expected": variant.expected(params),
        **trace.as_json(),
        "result": result or {},
    }
    response = JsonResponse(body, json_dumps_params={"default": str})
    response["Server-Timing"] = server_timing(trace)
    response["Cache-Control"] = "no-store"
    return response


def server_timing(trace: Trace) -> str:
    """The trace as a Server-Timing header (the first spans; browsers show it in dev tools)."""
    entries = [f"total;dur={trace.total_ms():.1f}"]
    for index, span in enumerate(trace.spans[:20]):
        duration = (span.end_ms or span.start_ms) - span.start_ms
        label = json.dumps(f"{span.label} [{span.thread}]")
        entries.append(f"s{index};desc={label};dur={duration:.1f}")
    return ", ".join(entries)
