"""One request through Django, phase by phase: the ASGI handler, request_started, the middleware
onion in and out, URL resolution, the view, template rendering, sending, request_finished.

Each variant drives a second instance of Django's own ASGIHandler in-process, with a middleware
stack and URLconf of its own, so every phase is Django's real code and only the socket is
missing. Every phase is a span on the thread it ran on.
"""

import asyncio
import contextlib
import threading
import time
import types
from collections.abc import Iterator
from contextvars import ContextVar
from functools import cache

import django.core.handlers.base as handlers_base
from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings
from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.base import BaseHandler
from django.core.signals import request_finished, request_started
from django.dispatch import receiver
from django.template import engines
from django.template.response import SimpleTemplateResponse
from django.urls import path

from ..registry import Demo, Param
from ..tracing import current_trace

lifecycle = Demo(
    id="request-lifecycle",
    order=60,
    title="One request through Django, phase by phase",
    description="Django's ASGI handler serving one request: request_started, the middleware "
    "in and out, URL resolution, the view, rendering, sending and request_finished, each on "
    "the thread it ran on; with an async stack, a sync-only middleware, and a sync view.",
    params={"view_ms": Param(30, 0, 500, "how long the view waits (an upstream call)")},
    compare=False,
)

# The path through the stack of the request being traced: (phase, thread), in order.
steps: ContextVar[list[tuple[str, str]] | None] = ContextVar("lifecycle_steps", default=None)


def note(phase: str) -> None:
    """Record that the traced request reached `phase`, on this thread."""
    path_so_far = steps.get()
    if path_so_far is not None:
        path_so_far.append((phase, current_thread_name()))


def current_thread_name() -> str:
    return threading.current_thread().name


@contextlib.contextmanager
def phase(label: str, kind: str, *, going_in: str = "", coming_out: str = "") -> Iterator[None]:
    """A span around one phase of the traced request, noting where it went in and out."""
    trace = current_trace.get()
    if trace is None or steps.get() is None:  # a request of the site itself: not traced
        yield
        return
    note(going_in or label)
    with trace.span(label, kind):
        yield
    if coming_out:
        note(coming_out)


@receiver(request_started, dispatch_uid="lifecycle-request-started")
def request_started_ran(sender, **kwargs) -> None:
    # Django's own receivers (reset_queries, close_old_connections) are sync and ran just
    # before this one, in the same sync_to_async call of Signal.asend().
    with phase("request_started receivers", "signal"):
        pass


@receiver(request_finished, dispatch_uid="lifecycle-request-finished")
def request_finished_ran(sender, **kwargs) -> None:
    with phase("request_finished receivers (from response.close())", "signal"):
        pass


class TimedMiddleware:
    """Sync and async capable, as middleware you write should be: Django calls it in the
    mode of the handler below it, so in an async stack it runs on the event loop."""

    sync_capable = async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        self.name = type(self).__name__
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def __call__(self, request):
        if iscoroutinefunction(self):
            return self.__acall__(request)
        with phase(self.name, "middleware", going_in=f"→ {self.name}", coming_out=f"← {self.name}"):
            return self.get_response(request)

    async def __acall__(self, request):
        with phase(self.name, "middleware", going_in=f"→ {self.name}", coming_out=f"← {self.name}"):
            return await self.get_response(request)


class OuterMiddleware(TimedMiddleware):
    pass


class InnerMiddleware(TimedMiddleware):
    pass


class LegacyMiddleware:
    """Sync only, as much older third-party middleware is: in an async stack Django runs it
    in a thread (sync_to_async) and the layers below it back on the loop (async_to_sync)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        label = "LegacyMiddleware (sync only)"
        with phase(label, "middleware", going_in=f"→ {label}", coming_out=f"← {label}"):
            return self.get_response(request)


ORDER_PAGE = engines["django"].from_string("<p>Order {{ pk }}: {{ status }}</p>")


class TracedTemplateResponse(SimpleTemplateResponse):
    """A template response: Django renders it after the view returns, outside the view."""

    def render(self):
        with phase("render the template (after the view)", "template"):
            return super().render()


async def show_order(request, pk: int):
    with phase("view: show_order() (async)", "view"):
        await asyncio.sleep(int(request.GET["wait_ms"]) / 1000)  # an upstream call
        return TracedTemplateResponse(ORDER_PAGE, {"pk": pk, "status": "shipped"})


def show_order_sync(request, pk: int):
    with phase("view: show_order_sync() (sync)", "view"):
        time.sleep(int(request.GET["wait_ms"]) / 1000)  # the same call, blocking
        return TracedTemplateResponse(ORDER_PAGE, {"pk": pk, "status": "shipped"})


urlpatterns = [
    path("orders/<int:pk>/", show_order),
    path("orders/<int:pk>/sync/", show_order_sync),
]


class StackSettings:
    """Django's settings with another MIDDLEWARE: what BaseHandler.load_middleware() reads."""

    def __init__(self, middleware: list[str]):
        self.MIDDLEWARE = middleware

    def __getattr__(self, name: str):
        return getattr(settings, name)


class TracedHandler(ASGIHandler):
    """Django's ASGI handler, with its own middleware stack and URLconf, and URL resolution
    timed. Everything else is ASGIHandler's and BaseHandler's own code."""

    def __init__(self, middleware: list[str]):
        self.stack = middleware
        super().__init__()

    def load_middleware(self, is_async: bool = False) -> None:
        # BaseHandler.load_middleware() reads MIDDLEWARE from its module's global `settings`.
        # Swapping django.core.handlers.base.settings would show this stack to any handler
        # built meanwhile on another thread; instead run Django's own function with globals
        # of its own, in which `settings` has this handler's MIDDLEWARE.
        own_globals = {**vars(handlers_base), "settings": StackSettings(self.stack)}
        load = types.FunctionType(BaseHandler.load_middleware.__code__, own_globals)
        load(self, is_async)

    def resolve_request(self, request):
        request.urlconf = __name__  # this module's urlpatterns
        with phase("resolve_request(): match the URL", "urls"):
            return super().resolve_request(request)


@cache
def handler_for(*middleware: str) -> TracedHandler:
    return TracedHandler([f"{__name__}.{name}" for name in middleware])


async def serve_one(request_path: str, handler: TracedHandler, wait_ms: int, trace) -> dict:
    """Send one GET through `handler` as an ASGI server would; return where it went."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": request_path,
        "raw_path": request_path.encode(),
        "query_string": f"wait_ms={wait_ms}".encode(),
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 80),
    }
    body_sent = False
    sent: list[dict] = []

    async def receive() -> dict:
        nonlocal body_sent
        if not body_sent:
            body_sent = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.Event().wait()  # the client never disconnects; Django cancels this
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        with phase(f"send {message['type']}", "http"):
            sent.append(message)

    path_taken: list[tuple[str, str]] = []
    token = steps.set(path_taken)
    try:
        with trace.span("ASGIHandler(scope, receive, send)", "http"):
            await handler(scope, receive, send)
    finally:
        steps.reset(token)
    threads = [thread for _, thread in path_taken]
    hops = sum(1 for before, after in zip(threads, threads[1:], strict=False) if before != after)
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return {
        "path": [f"{name}  [{thread}]" for name, thread in path_taken],
        "thread_switches": hops,
        "status": sent[0]["status"] if sent else None,
        "body": body.decode(),
    }


@lifecycle.variant("async-stack", title="async middleware, async view")
async def async_stack(request, params, trace):
    handler = handler_for("OuterMiddleware", "InnerMiddleware")
    return await serve_one("/orders/42/", handler, params["view_ms"], trace)


@lifecycle.variant("sync-middleware", title="a sync-only middleware in the stack")
async def sync_middleware_in_stack(request, params, trace):
    handler = handler_for("OuterMiddleware", "LegacyMiddleware", "InnerMiddleware")
    return await serve_one("/orders/42/", handler, params["view_ms"], trace)


@lifecycle.variant("sync-view", title="async middleware, sync view")
async def sync_view(request, params, trace):
    handler = handler_for("OuterMiddleware", "InnerMiddleware")
    return await serve_one("/orders/42/sync/", handler, params["view_ms"], trace)
