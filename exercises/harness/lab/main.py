"""One sandbox run, from the inside.

1. Warm up (before any learner code exists): set up Django, create the exercise tables, import
   what learner code usually imports, bind both servers' sockets, and say `ready` on the result
   pipe. A warm sandbox then waits for its one run on stdin.
2. The run (one JSON object on stdin): tighten the CPU limit to the run's own budget, load the
   exercise's data, load the learner's code and route its views, start the servers, and drive
   the exercise's scenario against them from another thread.
3. Write ONE JSON line on the result pipe and end the process at once (`os._exit`): whatever the
   learner's code left running ends with the sandbox.

What the learner's code prints goes to stdout/stderr, which the parent collects as the output.
"""

import asyncio
import contextlib
import importlib
import json
import math
import os
import resource
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from .server import HARNESS_THREAD_PREFIX, learner_threads

MAX_SPANS = 100  # per request; the combined trace keeps at most MAX_TOTAL
MAX_TOTAL = 400
SQL_CHARS = 500
STATE_ROWS = 100


def main(argv: list[str]) -> None:
    result_fd = int(argv[argv.index("--result-fd") + 1])
    warm_start = time.perf_counter()
    sys.stdout.reconfigure(line_buffering=True)
    os.environ["DJANGO_SETTINGS_MODULE"] = "lab.settings"
    import django

    django.setup()
    from django.core.asgi import get_asgi_application
    from django.db import connection

    from . import server, state
    from .hops import trace_thread_hops
    from .learner import LearnerError, install_middleware, load, route

    state.create_tables()
    connection.close()
    trace_thread_hops()
    _preload()
    from django.db.backends.signals import connection_created

    from playground.tracing import install_sql_capture

    connection_created.connect(install_sql_capture)
    traces = server.Traces()
    app = server.TracedApp(get_asgi_application(), traces)
    app_socket = server.listening_socket(server.APP_PORT)
    upstream_socket = server.listening_socket(server.upstreams.PORT)
    warm_ms = (time.perf_counter() - warm_start) * 1000
    _write(result_fd, {"ready": True, "warm_ms": round(warm_ms, 1)})

    job = json.loads(sys.stdin.buffer.read() or b"{}")
    job_start = time.perf_counter()
    _limit_cpu(job["cpu_seconds"])
    deadline = job_start + job["wall_seconds"] - 0.8  # time left to write the result
    try:
        state.load(job.get("data") or {})
    except Exception as exc:
        _finish(result_fd, {"error": {"kind": "data", "message": f"the exercise's data: {exc}"}})
    try:
        module = load(job["code"])
        route(module, job["routes"])
        middleware = install_middleware(module, job.get("middleware") or [], app.app)
    except LearnerError as exc:
        _finish(result_fd, {"error": {"kind": exc.kind, "message": exc.message, "line": exc.line}})
    load_ms = (time.perf_counter() - job_start) * 1000

    upstream_app = server.Upstreams()
    server.serve_in_thread(upstream_app, upstream_socket, HARNESS_THREAD_PREFIX + "upstreams")
    threading.Thread(
        target=_drive,
        args=(job["scenario"], upstream_app, traces, result_fd, deadline, load_ms, job_start),
        kwargs={"notes": {"middleware": middleware} if middleware else {}},
        name=HARNESS_THREAD_PREFIX + "scenario",
        daemon=True,
    ).start()
    # The learner's server: this thread's loop, as in one ASGI worker process.
    asyncio.run(_serve(server.uvicorn_server(app), app_socket))


async def _serve(uvicorn_server, sock) -> None:
    from playground.tracing import loop_lag

    loop_lag.ensure_running()
    await uvicorn_server.serve(sockets=[sock])


def _drive(
    scenario_source: str,
    upstream_app,
    traces,
    result_fd: int,
    deadline: float,
    load_ms: float,
    job_start: float,
    notes: dict,
):
    """The scenario thread: run the scenario, then write the result and end the process."""
    from . import state
    from .scenario import Harness

    loop = asyncio.new_event_loop()
    loop.set_default_executor(ThreadPoolExecutor(4, thread_name_prefix=HARNESS_THREAD_PREFIX))
    harness = Harness(upstream_app, state.read)
    harness.notes.update(notes)  # what the harness learnt of the code before the scenario
    error = None
    timed_out = False
    peak = {"threads": learner_threads()}

    async def go() -> None:
        nonlocal error, timed_out
        namespace: dict[str, Any] = {}
        exec(compile(scenario_source, "scenario.py", "exec"), namespace)
        sampler = asyncio.create_task(_sample_threads(peak))
        async with harness:
            try:
                await asyncio.wait_for(
                    namespace["scenario"](harness), deadline - time.perf_counter()
                )
            except TimeoutError:
                timed_out = True
            except Exception as exc:
                error = {"kind": "scenario", "message": f"{type(exc).__name__}: {exc}"}
        sampler.cancel()

    threads_at_start = learner_threads()
    try:
        loop.run_until_complete(go())
    except BaseException as exc:  # the harness must answer, whatever happened
        error = {"kind": "scenario", "message": f"{type(exc).__name__}: {exc}"}
    scenario_ms = harness.now_ms()
    answered = {r.id for r in harness.requests if r.status is not None}
    traces.wait_for(answered, timeout=max(0.0, min(0.5, deadline + 0.5 - time.perf_counter())))
    try:
        final_state = state.read()
    except Exception as exc:
        final_state = {"error": f"{type(exc).__name__}: {exc}"}
    result = _result(harness, traces, threads_at_start, peak["threads"])
    result.update(
        state=final_state,
        timed_out=timed_out,
        timings={
            "load_ms": round(load_ms, 1),
            "scenario_ms": round(scenario_ms, 1),
            "scenario_started_ms": round((harness.started - job_start) * 1000, 1),
            "job_ms": round((time.perf_counter() - job_start) * 1000, 1),
        },
    )
    if error:
        result["error"] = error
    _finish(result_fd, result)


async def _sample_threads(peak: dict) -> None:
    while True:
        peak["threads"] = max(peak["threads"], learner_threads())
        await asyncio.sleep(0.005)


def _result(harness, traces, threads_at_start: int, peak_threads: int) -> dict:
    from playground.tracing import loop_lag

    requests, spans, sql, used = [], [], [], set()
    memory_error = False
    for response in harness.requests:
        record = traces.by_id.get(response.id)
        entry = {
            "id": response.id,
            "label": response.label,
            "method": response.method,
            "path": response.path,
            "status": response.status,
            "body": response.body,
            "body_cut": response.body_cut,
            "headers": response.headers,
            "elapsed_ms": round(response.elapsed_ms, 2),
            "started_ms": round(response.started_ms, 2),
            "error": response.error,
            "first_byte_ms": None
            if response.first_byte_ms is None
            else round(response.first_byte_ms, 2),
            "disconnected": response.disconnected,
            "server_error": None,
            "trace": None,
        }
        span = {
            "label": f"{response.label} → {response.status or response.error}",
            "kind": "request",
            "start_ms": round(response.started_ms, 2),
            "end_ms": round(response.started_ms + response.elapsed_ms, 2),
            "thread": "client",
            "ok": response.error is None and (response.status or 500) < 500,
            "detail": response.error or "",
        }
        spans.append(span)
        if record is not None:
            offset = (record.trace.started - harness.started) * 1000
            entry["server_error"] = record.error
            memory_error = memory_error or record.memory_error
            entry["trace"] = _request_trace(record)
            if record.error:
                span["detail"] = record.error
            for inner in entry["trace"]["spans"]:
                spans.append(_shift(inner, offset))
            shifted = [
                {**query, "start_ms": round(query["start_ms"] + offset, 2)}
                for query in entry["trace"]["sql"]
            ]
            sql.extend(shifted)
            if shifted:  # the waterfall lists a request's queries under its bar
                span["sql"] = shifted
            used.update(entry["trace"]["threads"]["used"])
        requests.append(entry)
    worst, lags = loop_lag.worst_since(harness.started)
    return {
        "requests": requests,
        "trace": {
            "total_ms": round(harness.now_ms(), 2),
            "spans": spans[:MAX_TOTAL],
            "sql": sql[:MAX_TOTAL],
            "loop_lag_ms": round(worst, 2),
            "loop_lag_samples": len(lags),
            "threads": {
                "alive_at_start": threads_at_start,
                "alive_at_end": learner_threads(),
                "used": sorted(used),
            },
        },
        "peak_threads": peak_threads,
        "probe": {"worst_ms": harness.probe_worst_ms, "pings": harness.probe_pings},
        "notes": harness.notes,
        "memory_error": memory_error,
    }


def _request_trace(record) -> dict:
    """One request's trace in the demo trace's shape."""
    from playground.tracing import loop_lag

    trace = record.trace
    ended = record.ended or time.perf_counter()
    spans = [span.as_json() for span in trace.spans[:MAX_SPANS]]
    sql = [{**query, "sql": query["sql"][:SQL_CHARS]} for query in list(trace.sql)[:MAX_SPANS]]
    for span in spans:
        if "sql" in span:
            span["sql"] = [{**q, "sql": q["sql"][:SQL_CHARS]} for q in span["sql"][:MAX_SPANS]]
    lags = [lag for at, lag in list(loop_lag.samples) if trace.started <= at <= ended + 0.05]
    return {
        "total_ms": round((ended - trace.started) * 1000, 2),
        "spans": spans,
        "sql": sql,
        "loop_lag_ms": round(max(lags, default=0.0), 2),
        "loop_lag_samples": len(lags),
        "threads": {
            "alive_at_start": record.threads_at_start,
            "alive_at_end": record.threads_at_end,
            "used": sorted(
                {s["thread"] for s in spans if s["thread"]} | {q["thread"] for q in sql}
            ),
        },
    }


def _shift(span: dict, offset: float) -> dict:
    shifted = {
        **span,
        "start_ms": round(span["start_ms"] + offset, 2),
        "end_ms": round(span["end_ms"] + offset, 2),
    }
    if "sql" in span:
        shifted["sql"] = [
            {**query, "start_ms": round(query["start_ms"] + offset, 2)} for query in span["sql"]
        ]
    return shifted


def _limit_cpu(seconds: float) -> None:
    """From now on the process may use `seconds` more CPU (the warm-up's is not the run's).
    Lowering both limits is allowed to anyone; raising the hard one back is not."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    soft = math.ceil(usage.ru_utime + usage.ru_stime + seconds)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, soft + 1))


# What learner code usually imports: loaded at warm-up, so that a run does not pay for it.
PRELOAD = (
    "aiohttp",
    "asgiref.sync",
    "django.contrib.auth.hashers",
    "django.core.mail",
    "django.db.models",
    "django.http",
    "django.urls",
    "django.views.decorators.http",
    "lab.upstreams",
)


def _preload() -> None:
    for name in PRELOAD:
        importlib.import_module(name)


def _write(fd: int, data: dict) -> None:
    payload = json.dumps(data, default=str).encode() + b"\n"
    view = memoryview(payload)
    while view:
        view = view[os.write(fd, view) :]


def _finish(fd: int, result: dict) -> None:
    try:
        _write(fd, {"result": result})
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(0)
