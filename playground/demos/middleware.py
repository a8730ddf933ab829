"""Middleware in an async stack: native async middleware vs MiddlewareMixin hooks.

Both stacks are built from real middleware classes and driven exactly as Django's handler
drives them: each layer wraps the next one's get_response.
"""

import time
from contextvars import ContextVar

from django.http import HttpResponse
from django.utils.deprecation import MiddlewareMixin

from ..registry import Demo, Param
from ..tracing import current_trace

middleware_demo = Demo(
    id="middleware",
    order=80,
    title="What middleware costs in an async stack",
    description="Run a request through a stack of middleware around an async view: "
    "native async middleware, or MiddlewareMixin hooks that each hop to a thread.",
    params={
        "layers": Param(4, 1, 10, "how many middleware in the stack"),
        "requests": Param(100, 1, 500, "how many requests to push through it"),
    },
    versus=("native", "mixin"),
)

# Spans for the first request through the stack only; the rest are timed in bulk.
trace_layers: ContextVar[bool] = ContextVar("trace_layers", default=False)


class NativeAsyncMiddleware:
    # Async-only: Django awaits it directly, no thread involved.
    sync_capable = False
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response

    async def __call__(self, request):
        with traced(f"{type(self).__name__} layer {self.layer}"):
            return await self.get_response(request)


class HookMiddleware(MiddlewareMixin):
    # Old-style hooks: in an async stack MiddlewareMixin.__acall__ runs each
    # one through sync_to_async(thread_sensitive=True), a thread hop per hook.
    def process_request(self, request):
        with traced(f"process_request layer {self.layer}"):
            return None

    def process_response(self, request, response):
        with traced(f"process_response layer {self.layer}"):
            return response


class traced:
    """A span around one layer's work, while `trace_layers` is on."""

    def __init__(self, label: str):
        self.label, self.cm = label, None

    def __enter__(self):
        trace = current_trace.get()
        if trace is not None and trace_layers.get():
            self.cm = trace.span(self.label, "middleware")
            self.cm.__enter__()

    def __exit__(self, *exc_info):
        if self.cm is not None:
            self.cm.__exit__(*exc_info)


async def view(request):
    return HttpResponse("ok")


def build_stack(middleware_class, layers: int):
    handler = view
    for layer in range(layers, 0, -1):
        handler = middleware_class(handler)
        handler.layer = layer
    return handler


async def push_requests(stack, request, params, trace) -> dict:
    token = trace_layers.set(True)
    with trace.span("request 1 through the stack", "middleware"):
        await stack(request)
    trace_layers.reset(token)
    more = params["requests"] - 1
    start = time.perf_counter()
    if more:
        with trace.span(f"{more} more requests", "middleware"):
            for _ in range(more):
                await stack(request)
    per_request = (time.perf_counter() - start) / more * 1_000_000 if more else 0
    return {"per_request_us": round(per_request, 1), "layers": params["layers"]}


@middleware_demo.variant("native", title="async def middleware (no thread hops)")
async def through_native_stack(request, params, trace):
    stack = build_stack(NativeAsyncMiddleware, params["layers"])
    return await push_requests(stack, request, params, trace)


@middleware_demo.variant("mixin", title="MiddlewareMixin hooks (sync_to_async per hook)")
async def through_mixin_stack(request, params, trace):
    stack = build_stack(HookMiddleware, params["layers"])
    return await push_requests(stack, request, params, trace)
