"""Load runs: N concurrent requests at one demo variant, fired by the server over loopback.

Browsers open about six connections per host, so "what happens with 100 users?" can only be
asked from the server side.
"""

import asyncio
import json
import os
import statistics
import sys
import time
from urllib.parse import urlencode

from asgiref.sync import sync_to_async
from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.urls import reverse

from . import admission, limits
from .clients import site_address
from .demo_loop import on_server_loop
from .limits import DemoRefused
from .registry import Param, ParamError, Params, Variant
from .runner import parse_query, url_name
from .tracing import ThreadCounter


def concurrency_param() -> Param:
    return Param(10, 1, settings.PLAYGROUND_LOAD_MAX_CONCURRENCY, "concurrent requests")


async def run_load(request: HttpRequest, variant: Variant) -> JsonResponse:
    """Admit the load run as one run, fire it, and report what the N requests saw."""
    if variant.streams:
        raise DemoRefused(400, "load runs are not offered for streaming demos")
    params = parse_query(request.GET, variant.demo, ignore=("run", "concurrency"))
    try:
        concurrency = int(
            concurrency_param().coerce("concurrency", request.GET.get("concurrency", "10"))
        )
    except ParamError as exc:
        raise DemoRefused(400, str(exc)) from None
    admitted = await sync_to_async(admission.admit)(request, variant, params, users=concurrency)
    try:
        return JsonResponse(await _fire(request, variant, params, concurrency))
    finally:
        await sync_to_async(admitted.release)()


def load_limit(request: HttpRequest, variant: Variant) -> JsonResponse:
    """The most users a load run of `variant` may fire with the query's parameters, and why."""
    if variant.streams:
        raise DemoRefused(400, "load runs are not offered for streaming demos")
    params = parse_query(request.GET, variant.demo)
    limit = admission.load_limit(variant, params)
    return JsonResponse({"most_users": limit.most_users, "reason": limit.reason})


async def _fire(request: HttpRequest, variant: Variant, params: Params, concurrency: int) -> dict:
    path = reverse(f"playground:{url_name(variant)}")
    url = f"{site_address(request)}{path}?{urlencode(params)}"
    started = time.perf_counter()
    with ThreadCounter() as threads:
        # The load generator is a process of its own: in this one it would share the GIL
        # (and, on this loop, the turns) with the very requests it is timing. It stands in for
        # users on other machines, so the server's loop starts it, at the pages' priority.
        results = await on_server_loop(_generate(url, concurrency))
    wall_ms = (time.perf_counter() - started) * 1000

    latencies = sorted(ms for ms, _ in results)
    statuses: dict[str, int] = {}
    for _, outcome in results:
        statuses[str(outcome)] = statuses.get(str(outcome), 0) + 1
    return {
        "demo": variant.demo.id,
        "variant": variant.name,
        "params": params,
        "expected": variant.expected(params),
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


async def _generate(url: str, concurrency: int) -> list[tuple[float, int | str]]:
    generator = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "playground.loadgen",
        url,
        str(concurrency),
        cwd=settings.BASE_DIR,
        env={"PATH": os.environ.get("PATH", ""), "PLAYGROUND_LOAD_TOKEN": limits.load_token()},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(generator.communicate(), timeout=90)
    except BaseException:
        generator.kill()
        await generator.wait()
        raise
    if generator.returncode != 0:
        raise RuntimeError(f"the load generator failed: {err.decode(errors='replace')[-500:]}")
    return [(ms, outcome) for ms, outcome in json.loads(out)]


def _percentile(sorted_values: list[float], percent: float) -> float:
    index = max(0, min(len(sorted_values) - 1, round(percent / 100 * len(sorted_values)) - 1))
    return sorted_values[index]
