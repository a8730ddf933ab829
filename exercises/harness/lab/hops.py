"""Thread hops of the learner's code, as spans: every `sync_to_async` call of a function (or a
middleware, or a sync view Django adapts) defined in the learner's module shows as a span of kind
`thread`, on the worker thread it ran on, labelled "sync_to_async → name". Django's own hops
(its signals, the async ORM, the cache) are left out: the trace shows what the learner wrote.
"""

import contextvars
import threading

from asgiref.sync import SyncToAsync

from playground.tracing import current_trace, describe_error

_hop: contextvars.ContextVar = contextvars.ContextVar("lab_hop", default=None)


def learner_name(func) -> str | None:
    """The name of the learner's function or class behind `func`, or None if it is not theirs."""
    for _ in range(10):  # unwrap functools.wraps chains: Django's wrappers, the harness's
        inner = getattr(func, "__wrapped__", None)
        if inner is None or inner is func:
            break
        func = inner
    target = (
        func
        if isinstance(func, type)
        or callable(getattr(func, "__code__", None))
        or hasattr(func, "__code__")
        else type(func)
    )
    if getattr(target, "__module__", "") != "solution":
        return None
    return getattr(target, "__qualname__", None) or getattr(target, "__name__", "?")


def trace_thread_hops() -> None:
    original_call = SyncToAsync.__call__
    original_handler = SyncToAsync.thread_handler

    async def call(self, *args, **kwargs):
        trace = current_trace.get()
        name = learner_name(self.func) if trace is not None else None
        if name is None:
            return await original_call(self, *args, **kwargs)
        span = trace.open(f"sync_to_async → {name}", "thread")
        span.detail = "thread_sensitive" if self._thread_sensitive else "thread_sensitive=False"
        token = _hop.set(span)  # copied into the worker thread's context with the rest
        try:
            return await original_call(self, *args, **kwargs)
        except BaseException as exc:
            span.fail(describe_error(exc))
            raise
        finally:
            _hop.reset(token)
            trace.close(span)

    def thread_handler(self, loop, exc_info, task_context, func, child, *args, **kwargs):
        def traced_child():
            span = _hop.get()
            if span is not None:
                span.thread = threading.current_thread().name
            return child()

        return original_handler(
            self, loop, exc_info, task_context, func, traced_child, *args, **kwargs
        )

    SyncToAsync.__call__ = call
    SyncToAsync.thread_handler = thread_handler
