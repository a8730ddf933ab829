"""Fan-out: several slow upstream calls, one after another or all at once."""

import asyncio
import logging

from asgiref.sync import async_to_sync

from ..clients import UpstreamError, Upstreams, fetch_json, fetch_json_blocking, service_for
from ..registry import UPSTREAM_PARAMS, Demo, Param


def one_call_ms(params) -> float:
    """One upstream call, on average: all the calls at once take about this long."""
    return params["latency_ms"] + params["jitter_ms"] / 2


def calls_in_a_row_ms(params) -> float:
    return params["calls"] * one_call_ms(params)


fanout = Demo(
    id="fanout",
    order=10,
    title="Fan-out to upstream APIs",
    description="Call several slow upstream APIs: one after another, or all at once.",
    params={"calls": Param(3, 1, 50, "how many upstream calls"), **UPSTREAM_PARAMS},
    versus=("async", "sync"),
    one_request_ms=one_call_ms,
)


async_to_sync_demo = Demo(
    id="async-to-sync",
    order=40,
    title="async_to_sync from a sync view",
    description="A sync view runs the async fan-out through async_to_sync.",
    params={"calls": Param(3, 1, 50, "how many upstream calls"), **UPSTREAM_PARAMS},
    versus=("async-to-sync", "sync"),
    one_request_ms=one_call_ms,
)

logger = logging.getLogger(__name__)


def upstream_urls(request, params) -> list[str]:
    upstreams = Upstreams.for_request(request)
    return [
        upstreams.url(
            service_for(i),
            latency_ms=params["latency_ms"],
            jitter_ms=params["jitter_ms"],
            fail_rate=params["fail_rate"],
        )
        for i in range(params["calls"])
    ]


async def call(trace, url: str, label: str) -> dict:
    with trace.span(label, "http"):
        return await fetch_json(url)


def outcome(results) -> dict:
    failed = [r for r in results if isinstance(r, BaseException)]
    summary = {"ok": len(results) - len(failed), "failed": len(failed)}
    if failed:
        summary["error"] = f"{len(failed)} of {len(results)} upstream calls failed: {failed[0]}"
        logger.warning("fan-out: %s", summary["error"])
    return summary


@fanout.variant("async", title="async view + asyncio.gather")
async def fanout_async(request, params, trace):
    urls = upstream_urls(request, params)
    # All calls start now; the view waits about as long as the slowest one.
    # return_exceptions=True: a failed call becomes a result instead of
    # abandoning the others.
    results = await asyncio.gather(
        *(call(trace, url, f"GET {service_for(i)}") for i, url in enumerate(urls)),
        return_exceptions=True,
    )
    return outcome(results)


@fanout.variant("sync", title="sync view, one call after another", alone_ms=calls_in_a_row_ms)
def fanout_sync(request, params, trace):
    # A blocking client: each call waits for the previous one to finish.
    results = []
    for i, url in enumerate(upstream_urls(request, params)):
        try:
            with trace.span(f"GET {service_for(i)}", "http"):
                results.append(fetch_json_blocking(url))
        except UpstreamError as exc:
            results.append(exc)
    return outcome(results)


@fanout.variant("taskgroup", title="async view + asyncio.TaskGroup")
async def fanout_taskgroup(request, params, trace):
    urls = upstream_urls(request, params)
    failures = []
    try:
        # Python 3.11: the first failure cancels every call still running,
        # then all failures are raised together as an ExceptionGroup.
        async with asyncio.TaskGroup() as group:
            for i, url in enumerate(urls):
                group.create_task(call(trace, url, f"GET {service_for(i)}"))
    except* UpstreamError as group_error:
        failures = group_error.exceptions
    if failures:
        message = f"TaskGroup cancelled the other calls after: {failures[0]}"
        logger.warning("fan-out: %s", message)
        return {"error": message}
    return {"ok": len(urls), "failed": 0}


@async_to_sync_demo.variant("async-to-sync", title="sync view + async_to_sync(gather)")
def gather_from_sync_view(request, params, trace):
    # A sync view (running in a worker thread) borrows the event loop for one
    # asyncio.gather, then gets the results back as ordinary values.
    urls = upstream_urls(request, params)

    async def gather_all():
        return await asyncio.gather(
            *(call(trace, url, f"GET {service_for(i)}") for i, url in enumerate(urls)),
            return_exceptions=True,
        )

    with trace.span("async_to_sync(gather_all)", "thread"):
        results = async_to_sync(gather_all)()
    return outcome(results)


async_to_sync_demo.variant(
    "sync", title="sync view, one call after another", alone_ms=calls_in_a_row_ms
)(fanout_sync)
