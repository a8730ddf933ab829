"""The two servers inside the sandbox: the learner's Django over ASGI and the upstreams.

The learner's server runs on the main thread's event loop, exactly as one Uvicorn worker runs
a site: async views share that loop, sync views get a thread per request. Every request but the
probe is traced with the site's own tracing module. The simulated upstreams run on a loop of
their own in another thread, so a learner who blocks their loop stalls their own users, not the
services they call.
"""

import asyncio
import contextlib
import contextvars
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import uvicorn

from playground import upstream
from playground.tracing import Trace, current_trace, loop_lag

from . import upstreams
from .urls import PROBE_PATH

APP_PORT = 8000
REQUEST_HEADER = b"x-lab-request"
HARNESS_THREAD_PREFIX = "lab-"


def learner_threads() -> int:
    """Threads of the learner's server: its loop's thread and the threads it or Django started
    for it, not the harness's own (named lab-...)."""
    return sum(not t.name.startswith(HARNESS_THREAD_PREFIX) for t in threading.enumerate())


def listening_socket(port: int) -> socket.socket:
    """Bound and listening before the server starts, so clients may connect at once."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


@dataclass
class RequestTrace:
    trace: Trace
    threads_at_start: int = 0
    threads_at_end: int = 0
    error: str | None = None  # what the learner's view raised, if it raised
    memory_error: bool = False
    ended: float | None = None  # perf_counter when the response was complete


@dataclass
class Traces:
    """Every traced request by the id the scenario gave it; filled on the learner's loop."""

    by_id: dict[str, RequestTrace] = field(default_factory=dict)
    done: threading.Condition = field(default_factory=threading.Condition)

    def finish(self, request_id: str, record: RequestTrace) -> None:
        with self.done:
            self.by_id[request_id] = record
            self.done.notify_all()

    def wait_for(self, ids: set[str], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        with self.done:
            while not ids <= self.by_id.keys():
                left = deadline - time.monotonic()
                if left <= 0:
                    return
                self.done.wait(left)


current_record: contextvars.ContextVar[RequestTrace | None] = contextvars.ContextVar(
    "lab_request_record", default=None
)


class TracedApp:
    """Django's ASGI handler with a trace per request (contextvars reach the ORM's threads)."""

    def __init__(self, app, traces: Traces) -> None:
        self.app = app
        self.traces = traces

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["path"] == "/" + PROBE_PATH:
            await self.app(scope, receive, send)
            return
        request_id = dict(scope.get("headers", [])).get(REQUEST_HEADER, b"").decode()
        record = RequestTrace(Trace(), threads_at_start=learner_threads())
        trace_token = current_trace.set(record.trace)
        record_token = current_record.set(record)
        try:
            await self.app(scope, receive, send)
        finally:
            current_trace.reset(trace_token)
            current_record.reset(record_token)
            record.ended = time.perf_counter()
            record.threads_at_end = learner_threads()
            # A stall shows on the lag meter only at its next beat once the loop is free.
            with contextlib.suppress(TimeoutError):
                await loop_lag.next_sample()
            if request_id:
                self.traces.finish(request_id, record)


class Upstreams:
    """playground/upstream.py behind a switchboard the scenario sets: latency and faults per
    service. Whatever query string the caller sends is replaced by the scenario's."""

    def __init__(self) -> None:
        self.params: dict[str, dict[str, float]] = {
            name: {"latency_ms": 300, "jitter_ms": 0, "fail_rate": 0} for name in upstreams.SERVICES
        }
        self.hanging: set[str] = set()
        self.calls = 0

    def configure(
        self,
        names: tuple[str, ...] = upstreams.SERVICES,
        *,
        latency_ms: float | None = None,
        jitter_ms: float | None = None,
        fail_rate: float | None = None,
        hang: bool | None = None,
    ) -> None:
        for name in names:
            upstreams.url(name)  # a clear error for an unknown service
            params = self.params[name]
            for key, value in (
                ("latency_ms", latency_ms),
                ("jitter_ms", jitter_ms),
                ("fail_rate", fail_rate),
            ):
                if value is not None:
                    params[key] = value
            if hang is not None:
                (self.hanging.add if hang else self.hanging.discard)(name)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return
        self.calls += 1
        name = scope["path"].removeprefix(upstream.PREFIX)
        if name in self.hanging:
            await asyncio.sleep(3600)  # the caller's timeout ends it, or nothing does
        params = self.params.get(name, {})
        query = "&".join(f"{key}={value}" for key, value in params.items())
        await upstream.application({**scope, "query_string": query.encode()}, receive, send)


def uvicorn_server(app: Callable) -> uvicorn.Server:
    config = uvicorn.Config(
        app,
        lifespan="off",
        log_level="warning",
        access_log=False,
        http="h11",
        ws="none",
        loop="asyncio",
        timeout_graceful_shutdown=0,
    )
    return uvicorn.Server(config)


def serve_in_thread(app: Callable, sock: socket.socket, name: str) -> threading.Thread:
    server = uvicorn_server(app)
    thread = threading.Thread(
        target=lambda: asyncio.run(server.serve(sockets=[sock])), name=name, daemon=True
    )
    thread.start()
    return thread
