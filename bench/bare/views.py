"""The fan-out demo's two views with nothing around them: three calls to the simulated
upstreams (PLAYGROUND_UPSTREAM_URL), all at once or one after another."""

import asyncio
import json
import os
import time
import urllib.request

import aiohttp
from django.http import HttpRequest, JsonResponse
from django.urls import path

SERVICES = ("orders", "billing", "stock")  # the fan-out demo's first three
_sessions: dict[asyncio.AbstractEventLoop, aiohttp.ClientSession] = {}


def upstream_urls(request: HttpRequest) -> list[str]:
    base = os.environ["PLAYGROUND_UPSTREAM_URL"]
    latency = int(request.GET.get("latency_ms", "300"))
    calls = int(request.GET.get("calls", "3"))
    return [
        f"{base}/playground/upstream/{SERVICES[i % len(SERVICES)]}?latency_ms={latency}"
        for i in range(calls)
    ]


async def fetch(url: str) -> dict:
    loop = asyncio.get_running_loop()
    if loop not in _sessions:
        _sessions[loop] = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=1000, limit_per_host=0)
        )
    async with _sessions[loop].get(url) as response:
        return await response.json()


async def fanout_async(request: HttpRequest) -> JsonResponse:
    started = time.perf_counter()
    await asyncio.gather(*(fetch(url) for url in upstream_urls(request)))
    return JsonResponse({"total_ms": (time.perf_counter() - started) * 1000})


def fanout_sync(request: HttpRequest) -> JsonResponse:
    started = time.perf_counter()
    for url in upstream_urls(request):
        with urllib.request.urlopen(url, timeout=30) as response:
            json.loads(response.read())
    return JsonResponse({"total_ms": (time.perf_counter() - started) * 1000})


urlpatterns = [path("fanout/async", fanout_async), path("fanout/sync", fanout_sync)]
