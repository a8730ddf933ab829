"""What a demo run measures: spans on one clock, the SQL it ran, event-loop lag, threads.

A Trace is started when a demo view starts; every time in it is milliseconds since then. The
current trace and span travel in context variables, which asgiref copies into the threads that
`sync_to_async` uses, so a query run by the async ORM on a worker thread still lands in the
span that awaited it.
"""

import asyncio
import bisect
import contextlib
import contextvars
import itertools
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import NotRequired, TypedDict

current_trace: contextvars.ContextVar["Trace | None"] = contextvars.ContextVar(
    "current_trace", default=None
)
current_span: contextvars.ContextVar["Span | None"] = contextvars.ContextVar(
    "current_span", default=None
)


class SqlJSON(TypedDict):
    sql: str
    ms: float
    start_ms: float
    thread: str


class SpanJSON(TypedDict):
    label: str
    kind: str
    start_ms: float
    end_ms: float
    thread: str
    ok: bool
    detail: str
    sql: NotRequired[list[SqlJSON]]


class ThreadsJSON(TypedDict):
    alive_at_start: int
    alive_at_end: int
    used: list[str]


class TraceJSON(TypedDict):
    """What a traced run measured: the one shape every waterfall draws."""

    total_ms: float
    spans: list[SpanJSON]
    sql: list[SqlJSON]
    loop_lag_ms: float  # the worst event-loop lag seen while it ran
    loop_lag_samples: int
    threads: ThreadsJSON


@dataclass
class Span:
    label: str
    kind: str  # http, db, cpu, sleep, thread, stream, middleware
    start_ms: float
    end_ms: float | None = None
    thread: str = ""
    ok: bool = True
    detail: str = ""
    sql: list[SqlJSON] = field(default_factory=list)

    def fail(self, detail: str) -> None:
        self.ok = False
        self.detail = detail

    def as_json(self) -> SpanJSON:
        data: SpanJSON = {
            "label": self.label,
            "kind": self.kind,
            "start_ms": round(self.start_ms, 2),
            "end_ms": round(self.end_ms if self.end_ms is not None else self.start_ms, 2),
            "thread": self.thread,
            "ok": self.ok,
            "detail": self.detail,
        }
        if self.sql:
            data["sql"] = self.sql
        return data


class Trace:
    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.ended_ms: float | None = None
        self.spans: list[Span] = []
        self.sql: list[SqlJSON] = []
        self.threads_at_start = threading.active_count()
        self._lock = threading.Lock()

    def now_ms(self) -> float:
        return (time.perf_counter() - self.started) * 1000

    def open(self, label: str, kind: str) -> Span:
        span = Span(label=label, kind=kind, start_ms=self.now_ms(), thread=_thread_name())
        with self._lock:
            self.spans.append(span)
        return span

    def close(self, span: Span) -> None:
        span.end_ms = self.now_ms()

    @contextlib.contextmanager
    def span(self, label: str, kind: str) -> Iterator[Span]:
        """Time a block of work; an exception marks the span failed and propagates."""
        span = self.open(label, kind)
        token = current_span.set(span)
        try:
            yield span
        except BaseException as exc:
            span.fail(describe_error(exc))
            raise
        finally:
            current_span.reset(token)
            self.close(span)

    def record_sql(self, sql: str, duration_ms: float, start_ms: float, thread: str) -> None:
        entry: SqlJSON = {
            "sql": sql,
            "ms": round(duration_ms, 3),
            "start_ms": round(start_ms, 2),
            "thread": thread,
        }
        with self._lock:
            self.sql.append(entry)
        span = current_span.get()
        if span is not None:
            span.sql.append(entry)
            span.thread = thread  # where the work ran, not where it was awaited

    def finish(self) -> None:
        """The run is over: its total time stops here (spans may still be read later)."""
        if self.ended_ms is None:
            self.ended_ms = self.now_ms()

    def total_ms(self) -> float:
        return self.ended_ms if self.ended_ms is not None else self.now_ms()

    def as_json(self, meter: "LoopLagMeter | None" = None) -> TraceJSON:
        worst_lag, lags = (meter or loop_lag).worst_since(self.started)
        spans = [span.as_json() for span in self.spans]
        return {
            "total_ms": round(self.total_ms(), 2),
            "spans": spans,
            "sql": list(self.sql),
            "loop_lag_ms": round(worst_lag, 2),
            "loop_lag_samples": len(lags),
            "threads": {
                "alive_at_start": self.threads_at_start,
                "alive_at_end": threading.active_count(),
                "used": sorted({span["thread"] for span in spans if span["thread"]}),
            },
        }


def describe_error(exc: BaseException) -> str:
    if isinstance(exc, asyncio.CancelledError):
        return "cancelled"
    if isinstance(exc, TimeoutError | asyncio.TimeoutError):
        return "timed out"
    message = str(exc)
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def _thread_name() -> str:
    return threading.current_thread().name


def sql_capture(execute, sql, params, many, context):
    """A database execute wrapper, installed on every connection: records into the trace."""
    trace = current_trace.get()
    if trace is None:
        return execute(sql, params, many, context)
    start_ms = trace.now_ms()
    start = time.perf_counter()
    try:
        return execute(sql, params, many, context)
    finally:
        duration = (time.perf_counter() - start) * 1000
        trace.record_sql(sql, duration, start_ms, _thread_name())


def install_sql_capture(sender, connection, **kwargs) -> None:
    if sql_capture not in connection.execute_wrappers:
        connection.execute_wrappers.append(sql_capture)


# --- Event-loop lag: a heartbeat task that measures how late its own wake-ups are.


class LoopLagMeter:
    """Samples event-loop lag every few milliseconds on the loop it is started on."""

    interval = 0.005

    def __init__(self) -> None:
        self.samples: deque[tuple[float, float]] = deque(maxlen=4000)  # (perf_counter, lag ms)
        self._tasks: dict[asyncio.AbstractEventLoop, asyncio.Task] = {}
        self._waiters: list[asyncio.Future] = []

    def ensure_running(self) -> bool:
        """Start the heartbeat on this loop if it isn't beating; True if it was just started."""
        loop = asyncio.get_running_loop()
        task = self._tasks.get(loop)
        if task is None or task.done():
            self._tasks[loop] = loop.create_task(self._beat())
            return True
        return False

    async def _beat(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            expected = loop.time() + self.interval
            await asyncio.sleep(self.interval)
            lag_ms = max(0.0, (loop.time() - expected) * 1000)
            self.samples.append((time.perf_counter(), lag_ms))
            waiters, self._waiters = self._waiters, []
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(lag_ms)

    async def next_sample(self) -> None:
        """Wait for the meter's next reading: it records any stall that just ended."""
        self.ensure_running()
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        await asyncio.wait_for(waiter, timeout=1)

    def recent_ms(self, window: float = 0.05) -> float:
        """The worst lag of the last `window` seconds (0 if the meter has no reading yet)."""
        since = time.perf_counter() - window
        # A copy: the meter's thread may be adding a sample (the demo loop is a thread's).
        recent = itertools.takewhile(
            lambda sample: sample[0] >= since, reversed(list(self.samples))
        )
        return max((lag for _, lag in recent), default=0.0)

    def worst_since(self, since: float) -> tuple[float, list[float]]:
        """Worst lag in ms seen since `since` (a perf_counter), and every sample's lag."""
        # A copy (the meter's thread may be adding a sample), searched from where `since`
        # falls: every demo response asks, and the meter keeps 4000 samples.
        samples = list(self.samples)
        lags = [lag for _, lag in samples[bisect.bisect_left(samples, (since,)) :]]
        return (max(lags) if lags else 0.0), lags


loop_lag = LoopLagMeter()


class ThreadCounter:
    """Peak number of live threads while a block runs (sampled every 20 ms: a load run's
    requests hold their threads for hundreds)."""

    def __init__(self) -> None:
        self.peak = threading.active_count()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, name="thread-counter", daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, threading.active_count() - 1)

    def __enter__(self) -> "ThreadCounter":
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join()
