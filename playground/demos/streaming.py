"""Streaming responses: an async generator streams; a sync one is buffered under ASGI.

Each event is one JSON line. What the server saw (finished, or cancelled by a disconnect) is
kept for a few minutes under the run id the browser chose, so the page can show it.
"""

import asyncio
import json
import re
import time

from django.core.cache import cache
from django.http import FileResponse, JsonResponse, StreamingHttpResponse

from ..registry import Demo, Param

streaming = Demo(
    id="streaming",
    order=70,
    title="Streaming and cancellation",
    description="A StreamingHttpResponse over an async generator vs a sync one under "
    "ASGI, and what the view sees when the client goes away.",
    params={
        "events": Param(5, 1, 30, "how many events"),
        "interval_ms": Param(300, 20, 1000, "time between events"),
    },
)

RUN_ID = re.compile(r"^[A-Za-z0-9-]{8,40}$")
RECORD_SECONDS = 600


def record_key(run: str) -> str:
    return f"playground:stream:{run}"


def run_id(request) -> str | None:
    run = request.GET.get("run", "")
    return run if RUN_ID.fullmatch(run) else None


def line(**data) -> bytes:
    return (json.dumps(data) + "\n").encode()


def stream_response(content, run: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(content, content_type="application/x-ndjson")
    response["Cache-Control"] = "no-store"
    response["X-Accel-Buffering"] = "no"  # ask proxies not to buffer either
    response["X-Run-Id"] = run
    return response


def bad_run() -> JsonResponse:
    return JsonResponse({"error": "run must be 8 to 40 letters, digits or hyphens"}, status=400)


@streaming.variant("async", title="async generator (streams)", streams=True)
async def stream_async(request, params, trace):
    run = run_id(request)
    if run is None:
        return bad_run()

    async def events():
        start, sent, status = time.perf_counter(), 0, "failed"
        await cache.aset(record_key(run), {"status": "streaming", "events_sent": 0}, RECORD_SECONDS)
        try:
            for index in range(params["events"]):
                if index:
                    await asyncio.sleep(params["interval_ms"] / 1000)
                elapsed = (time.perf_counter() - start) * 1000
                yield line(event=index + 1, produced_ms=round(elapsed, 1))
                sent += 1
            yield line(done=True, total_ms=round((time.perf_counter() - start) * 1000, 1))
            status = "completed"
        except asyncio.CancelledError:
            # Django 5.0+: the client went away, so the view is cancelled.
            status = "cancelled"
            raise
        finally:
            record = {
                "status": status,
                "events_sent": sent,
                "at_ms": round((time.perf_counter() - start) * 1000, 1),
            }
            await asyncio.shield(cache.aset(record_key(run), record, RECORD_SECONDS))

    return stream_response(events(), run)


@streaming.variant("sync", title="sync generator (buffered under ASGI)", streams=True)
def stream_sync(request, params, trace):
    run = run_id(request)
    if run is None:
        return bad_run()

    def events():
        start, sent = time.perf_counter(), 0
        cache.set(record_key(run), {"status": "streaming", "events_sent": 0}, RECORD_SECONDS)
        for index in range(params["events"]):
            if index:
                time.sleep(params["interval_ms"] / 1000)
            elapsed = (time.perf_counter() - start) * 1000
            yield line(event=index + 1, produced_ms=round(elapsed, 1))
            sent += 1
        yield line(done=True, total_ms=round((time.perf_counter() - start) * 1000, 1))
        # Under ASGI Django drains this whole generator before sending a byte, so
        # it runs to the end even if the client has already gone.
        record = {
            "status": "completed",
            "events_sent": sent,
            "at_ms": round((time.perf_counter() - start) * 1000, 1),
        }
        cache.set(record_key(run), record, RECORD_SECONDS)

    return stream_response(events(), run)


class SlowFile:
    """A file on slow storage (a network share, an object store): each read takes
    `interval_ms` and returns the next line. The last read records how the stream ended."""

    def __init__(self, run: str, events: int, interval_ms: int) -> None:
        self.run, self.events, self.interval = run, events, interval_ms / 1000
        self.sent, self.start = 0, time.perf_counter()

    def read(self, size: int = -1) -> bytes:
        if self.sent == self.events:
            at = round((time.perf_counter() - self.start) * 1000, 1)
            record = {"status": "completed", "events_sent": self.sent, "at_ms": at}
            cache.set(record_key(self.run), record, RECORD_SECONDS)
            return b""
        if self.sent:
            time.sleep(self.interval)
        self.sent += 1
        elapsed = round((time.perf_counter() - self.start) * 1000, 1)
        return line(event=self.sent, produced_ms=elapsed)


@streaming.variant("file-response", title="FileResponse (read whole under ASGI)", streams=True)
def stream_file(request, params, trace):
    run = run_id(request)
    if run is None:
        return bad_run()
    cache.set(record_key(run), {"status": "streaming", "events_sent": 0}, RECORD_SECONDS)
    # FileResponse iterates the file synchronously. Under ASGI, Django 5.2 collects a sync
    # iterator whole before it sends the first byte of the body, so every line arrives at the
    # end, however slowly the file produced them.
    response = FileResponse(
        SlowFile(run, params["events"], params["interval_ms"]), content_type="application/x-ndjson"
    )
    response["Cache-Control"] = "no-store"
    response["X-Run-Id"] = run
    return response
