"""Real time: server-sent events from an async view, and a WebSocket echo through a sync and an
async Channels consumer, each over a real connection to this server.

Every event and every echo says which thread produced it and whether an event loop was running
there, so the waterfall shows where each one ran: the SSE generator and the async consumer on
an event loop, the sync consumer in a worker thread, one hop per message.
"""

import asyncio
import json
from collections import Counter

import aiohttp
from django.http import HttpRequest, JsonResponse, StreamingHttpResponse

from .. import limits
from ..clients import site_address
from ..consumers import AsyncEchoConsumer, SyncEchoConsumer, where
from ..gate import guarded
from ..registry import Demo, Param, ParamError

realtime = Demo(
    id="realtime",
    order=75,
    title="Real time: SSE or a WebSocket",
    description="Server-sent events from an async view, resumed with Last-Event-ID, beside a "
    "WebSocket echo through a sync and an async Channels consumer: the thread behind each "
    "message.",
    params={
        "messages": Param(10, 2, 50, "events sent, or messages echoed"),
        "interval_ms": Param(100, 0, 500, "time between them"),
    },
    compare=False,
)


# The SSE endpoint itself: a plain async view, outside the demo runner, so that the variant
# below reads it over a real connection as a browser's EventSource would.


async def sse_events(*, after: int, last: int, interval: float):
    yield "retry: 1000\n\n"  # how long EventSource waits before it reconnects
    for number in range(after + 1, last + 1):
        if number > after + 1:
            await asyncio.sleep(interval)
        yield f"id: {number}\ndata: {json.dumps({'n': number, **where()})}\n\n"


@guarded
async def events_view(request: HttpRequest) -> StreamingHttpResponse | JsonResponse:
    try:
        params = realtime.parse(request.GET.dict())
    except ParamError as error:
        return JsonResponse({"error": str(error)}, status=400)
    last_id = request.headers.get("Last-Event-ID", "")
    after = min(int(last_id), params["messages"]) if last_id.isdigit() else 0
    events = sse_events(after=after, last=params["messages"], interval=params["interval_ms"] / 1000)
    response = StreamingHttpResponse(events, content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response


def internal_headers(request: HttpRequest) -> dict[str, str]:
    # Admitted once, as this run: the requests it makes to this server are part of it. The
    # Origin is this page's own, which the WebSocket origin check accepts.
    headers = {
        limits.LOAD_HEADER: limits.load_token(),
        "Origin": f"{request.scheme}://{request.get_host()}",
    }
    if request.is_secure():
        # Behind the TLS proxy, as this request came: else SECURE_SSL_REDIRECT answers the
        # plain-HTTP request to this server's own socket with a redirect to HTTPS.
        headers["X-Forwarded-Proto"] = "https"
    return headers


class StreamRefused(Exception):
    """The event stream answered something other than 200."""


def opened(response: aiohttp.ClientResponse) -> aiohttp.ClientResponse:
    if response.status != 200:
        raise StreamRefused(f"GET /playground/realtime/events answered {response.status}")
    return response


def timeout() -> aiohttp.ClientTimeout:
    return aiohttp.ClientTimeout(total=40)


async def read_events(response: aiohttp.ClientResponse, stop_after: int | None = None):
    """The events of an SSE response as dicts (their `id` and data), up to `stop_after`."""
    event: dict = {}
    count = 0
    async for raw in response.content:
        line = raw.decode().rstrip("\n")
        if line.startswith("id: "):
            event["id"] = int(line[4:])
        elif line.startswith("data: "):
            event.update(json.loads(line[6:]))
        elif not line and "n" in event:
            yield event
            event, count = {}, count + 1
            if stop_after is not None and count == stop_after:
                return


def arrived(trace, event: dict) -> dict:
    """A mark on the waterfall when an event arrives, on the thread that produced it."""
    span = trace.open(f"event id {event['id']}", "stream")
    span.thread, span.detail = event["thread"], f"produced on an event loop: {event['on_loop']}"
    trace.close(span)
    return event


@realtime.variant(
    "sse", title="SSE: async generator, resumed with Last-Event-ID", shows=(sse_events,)
)
async def server_sent_events(request, params, trace):
    url = f"{site_address(request)}/playground/realtime/events"
    query = {"messages": params["messages"], "interval_ms": params["interval_ms"]}
    headers = internal_headers(request)
    received, resumed_after = [], None
    drop_after = params["messages"] // 2  # the connection drops half-way through
    async with aiohttp.ClientSession(timeout=timeout()) as session:
        with trace.span("GET /events  (then the connection drops)", "stream"):
            get = session.get(url, params=query, headers=headers, allow_redirects=False)
            async with get as response:
                async for event in read_events(opened(response), stop_after=drop_after):
                    received.append(arrived(trace, event))
        resumed_after = received[-1]["id"]
        resume = {**headers, "Last-Event-ID": str(resumed_after)}
        with trace.span(f"GET /events  Last-Event-ID: {resumed_after}", "stream"):
            get = session.get(url, params=query, headers=resume, allow_redirects=False)
            async with get as response:
                async for event in read_events(opened(response)):
                    received.append(arrived(trace, event))
    return {
        "event_ids": [event["id"] for event in received],
        "resumed_after_id": resumed_after,
        "produced_on": dict(Counter(event["thread"] for event in received)),
        "produced_off_the_loop": sum(not event["on_loop"] for event in received),
    }


async def echo(request, params, trace, consumer: str) -> dict:
    url = f"{site_address(request).replace('http', 'ws', 1)}/ws/echo/{consumer}/"
    replies = []
    async with (
        aiohttp.ClientSession(timeout=timeout()) as session,
        session.ws_connect(url, headers=internal_headers(request)) as socket,
    ):
        for number in range(1, params["messages"] + 1):
            if number > 1:
                await asyncio.sleep(params["interval_ms"] / 1000)
            with trace.span(f"message {number}", "thread") as span:
                await socket.send_str(f"hello {number}")
                reply = json.loads(await socket.receive_str())
                span.thread = reply["thread"]
                span.detail = f"receive() on an event loop: {reply['on_loop']}"
            replies.append(reply)
    hops = sum(not reply["on_loop"] for reply in replies)
    return {
        "messages_echoed": len(replies),
        "receive_ran_on": dict(Counter(reply["thread"] for reply in replies)),
        "receive_in_a_thread": hops,
    }


@realtime.variant(
    "websocket-sync", title="WebSocket: sync WebsocketConsumer", shows=(SyncEchoConsumer,)
)
async def websocket_sync(request, params, trace):
    return await echo(request, params, trace, "sync")


@realtime.variant(
    "websocket-async", title="WebSocket: AsyncWebsocketConsumer", shows=(AsyncEchoConsumer,)
)
async def websocket_async(request, params, trace):
    return await echo(request, params, trace, "async")
