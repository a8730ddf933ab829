"""Load runs: N concurrent requests at one demo variant, fired by the server over loopback.

Browsers open about six connections per host, so "what happens with 100 users?" can only be
asked from the server side.
"""

import asyncio
import contextlib
import os
import statistics
import time
from urllib.parse import urlencode

import aiohttp
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, JsonResponse

from . import limits
from .clients import Upstreams
from .registry import Param, ParamError
from .runner import Params, Variant, parse_params, refusal_response
from .tracing import ThreadCounter, describe_error

LOCK_KEY = "playground:load-run"
LOCK_SECONDS = 120  # longer than any load run (its requests time out after 60 s)


def concurrency_param() -> Param:
    return Param(10, 1, settings.PLAYGROUND_LOAD_MAX_CONCURRENCY, "concurrent requests")


async def run_load(request: HttpRequest, variant: Variant) -> JsonResponse:
    if variant.streams:
        return JsonResponse({"error": "load runs are not offered for streaming demos"}, status=400)
    query = request.GET.copy()
    raw = query.pop("concurrency", ["10"])
    try:
        concurrency = int(concurrency_param().coerce("concurrency", raw[-1]))
    except ParamError as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    request.GET = query
    params = parse_params(request, variant.demo)
    if isinstance(params, JsonResponse):
        return params
    if variant.blocks_loop:
        cost = variant.blocks_loop(params) * concurrency
        allowed = settings.PLAYGROUND_BLOCKING_BUDGET_MS
        if cost > allowed:
            most = max(1, int(allowed // variant.blocks_loop(params)))
            return JsonResponse(
                {
                    "error": f"{concurrency} users of this variant would block the server's "
                    f"event loop for {cost / 1000:g} s in all; at these settings the most is "
                    f"{most} users ({allowed / 1000:g} s)."
                },
                status=400,
            )
    try:
        refusal = await asyncio.to_thread(limits.check_rate, request)
        # The lock lives in the cache, so with Redis it holds across worker processes; it
        # expires on its own should a worker die mid-run.
        locked = refusal is None and await cache.aadd(LOCK_KEY, os.getpid(), timeout=LOCK_SECONDS)
    except limits.CacheUnavailable as exc:
        return refusal_response(limits.cache_down(exc))
    except Exception as exc:  # the cache client's own connection errors
        return refusal_response(limits.cache_down(limits.CacheUnavailable(str(exc))))
    if refusal:
        return refusal_response(refusal)
    if not locked:
        return refusal_response(
            limits.Refusal(
                429,
                "A load run is already in progress on this server. Try again in a few seconds.",
                5,
            )
        )
    try:
        if variant.blocks_loop:
            refusal = limits.blocking_budget.try_spend(variant.blocks_loop(params) * concurrency)
            if refusal:
                return refusal_response(refusal)
        return JsonResponse(await _fire(request, variant, params, concurrency))
    finally:
        with contextlib.suppress(Exception):  # it expires by itself if the cache is gone
            await cache.adelete(LOCK_KEY)


async def _fire(request: HttpRequest, variant: Variant, params: Params, concurrency: int) -> dict:
    base = Upstreams.for_request(request).base
    url = f"{base}/playground/api/{variant.demo.id}/{variant.name}?{urlencode(params)}"
    headers = {limits.LOAD_HEADER: limits.load_token()}
    started = time.perf_counter()
    with ThreadCounter() as threads:
        # The load generator gets an event loop of its own, on another thread: on the
        # server's loop it would queue behind the very requests it is timing.
        results = await asyncio.to_thread(asyncio.run, _gather(url, headers, concurrency))
    wall_ms = (time.perf_counter() - started) * 1000

    latencies = sorted(ms for ms, _ in results)
    statuses: dict[str, int] = {}
    for _, outcome in results:
        statuses[str(outcome)] = statuses.get(str(outcome), 0) + 1
    return {
        "demo": variant.demo.id,
        "variant": variant.name,
        "params": params,
        "concurrency": concurrency,
        "wall_ms": round(wall_ms, 1),
        "p50_ms": round(_percentile(latencies, 50), 1),
        "p95_ms": round(_percentile(latencies, 95), 1),
        "max_ms": round(latencies[-1], 1),
        "mean_ms": round(statistics.fmean(latencies), 1),
        "errors": sum(1 for _, outcome in results if outcome != 200),
        "statuses": statuses,
        "peak_threads": threads.peak,
        "latencies_ms": [round(ms, 1) for ms in latencies],
    }


async def _gather(url: str, headers: dict, concurrency: int) -> list[tuple[float, int | str]]:
    timeout = aiohttp.ClientTimeout(total=60)

    async def one(session: aiohttp.ClientSession) -> tuple[float, int | str]:
        start = time.perf_counter()
        try:
            async with session.get(url, headers=headers) as response:
                await response.read()
                outcome: int | str = response.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            outcome = describe_error(exc)
        return (time.perf_counter() - start) * 1000, outcome

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        return await asyncio.gather(*(one(session) for _ in range(concurrency)))


def _percentile(sorted_values: list[float], percent: float) -> float:
    index = max(0, min(len(sorted_values) - 1, round(percent / 100 * len(sorted_values)) - 1))
    return sorted_values[index]
