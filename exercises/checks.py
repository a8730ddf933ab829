"""The checks API: what an exercise's hidden checks read, and how they say what went wrong.

A check is a function in the exercise's `python checks` block, run in the web process (never in
the sandbox) over the recorded run:

    def check_calls_overlap(run):
        \"\"\"The three upstream calls overlap\"\"\"
        calls = run.request("dashboard").spans_of("http")
        if run.request("dashboard").elapsed_ms > 450:
            fail(f"your 3 upstream calls took {...} ms one after another; at most 450 ms")

`fail(message)` fails the check with that message (say it in figures); a plain `assert` fails it
too. `MissingData` (raised by the API when the run lacks what the check asks for, e.g. a
request label the scenario never used) and any other exception make the check an `error`: the
check itself could not run. Every figure comes from the sandbox, so it is validated here first
(shape, types, sizes): learner code may have written anything on the way out.
"""

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NoReturn

from playground.tracing import SpanJSON, SqlJSON, ThreadsJSON, TraceJSON

# The one trace shape every waterfall draws (playground/tracing.py).
TRACE_KEYS = set(TraceJSON.__required_keys__)
THREAD_KEYS = set(ThreadsJSON.__required_keys__)
SPAN_KEYS = set(SpanJSON.__required_keys__)
SQL_KEYS = set(SqlJSON.__required_keys__)
MAX_REQUESTS = 200
MAX_SPANS = 400
MAX_TEXT = 4096
MAX_NOTES_BYTES = 64 * 1024
MAX_TABLE_ROWS = 100


class CheckFailed(AssertionError):
    """The learner's code does not do what the check asks: status fail."""


class MissingData(Exception):
    """The run lacks what a check needs: status error."""


class BadResult(Exception):
    """What came back from the sandbox is not a result the checks can read."""


def fail(message: str) -> NoReturn:
    raise CheckFailed(message)


# --- The recorded run, as checks see it.


@dataclass(frozen=True)
class Span:
    label: str
    kind: str  # http (an upstream call), request (a scenario request), db, ...
    start_ms: float
    end_ms: float
    thread: str
    ok: bool
    detail: str

    @property
    def duration_ms(self) -> float:
        return self.end_ms - self.start_ms


@dataclass(frozen=True)
class Query:
    sql: str
    ms: float
    start_ms: float
    thread: str


@dataclass(frozen=True)
class Request:
    """One request the scenario made to the learner's server."""

    label: str
    method: str
    path: str
    status: int | None  # None: no answer (see `error`)
    body: str  # at most 4 KB (`body_cut` says when it was longer)
    body_cut: bool
    elapsed_ms: float  # as the client saw it
    started_ms: float  # since the scenario started
    error: str | None  # the request failed: "no answer after 3000 ms", a lost connection
    first_byte_ms: float | None  # when the body's first bytes reached the client (None: none)
    disconnected: bool  # the client left mid-body (the scenario's `disconnect_after_ms`)
    server_error: str | None  # what the learner's view raised: "KeyError on line 7: 'amount'"
    headers: dict  # the response's headers, names lowercased (the first 30)
    spans: tuple[Span, ...]  # server-side, on the request's own clock
    sql: tuple[Query, ...]
    trace: dict | None  # this request's trace in the demo trace's shape

    @property
    def answered(self) -> bool:
        return self.status is not None

    def spans_of(self, kind: str) -> list[Span]:
        return [span for span in self.spans if span.kind == kind]

    def json(self) -> Any:
        """The body as JSON; a body that is not JSON fails the check, saying so."""
        if self.status is None:
            fail(f"{self.label} got no answer ({self.error})")
        try:
            return json.loads(self.body)
        except ValueError:
            shown = self.body[:80] + ("..." if len(self.body) > 80 else "")
            fail(f"{self.label} answered {self.status} with a body that is not JSON: {shown!r}")

    def describe(self) -> str:
        """ "answered 500 (KeyError on line 7: 'amount')", "got no answer after 3000 ms"."""
        if self.status is None:
            return f"got no answer ({self.error})"
        return f"answered {self.status}" + (f" ({self.server_error})" if self.server_error else "")


@dataclass(frozen=True)
class Run:
    requests: tuple[Request, ...]
    trace: dict  # the whole run in the demo trace's shape, every request on one clock
    peak_threads: int
    probe_worst_ms: float | None  # slowest probe answer during h.probe_during(), if it ran
    probe_pings: int
    state: dict  # {"Account": [{"id": 1, ...}], ..., "outbox": [{"subject", "to", "body"}]}
    notes: dict  # whatever the scenario recorded with h.note()
    output: str  # what the learner's code printed (at most 64 KB)
    timings: dict = field(default_factory=dict)

    @property
    def spans(self) -> list[Span]:
        return [_span(span, "") for span in self.trace["spans"]]

    @property
    def sql(self) -> list[Query]:
        return [_query(query, "") for query in self.trace["sql"]]

    @property
    def threads(self) -> dict:
        return {**self.trace["threads"], "peak": self.peak_threads}

    @property
    def loop_lag_ms(self) -> float:
        return self.trace["loop_lag_ms"]

    @property
    def elapsed_ms(self) -> float:
        return self.trace["total_ms"]

    def request(self, label: str) -> Request:
        """The first request with this label (the scenario's `label=`, else "GET /path")."""
        for request in self.requests:
            if request.label == label:
                return request
        raise MissingData(f"the scenario made no request labelled {label!r}")

    def requests_labelled(self, label: str) -> list[Request]:
        return [request for request in self.requests if request.label == label]

    def table(self, name: str) -> list[dict]:
        rows = self.state.get(name)
        if not isinstance(rows, list):
            raise MissingData(f"the run's final state has no table {name!r}")
        return rows


# --- Reading what the sandbox sent, trusting nothing.


def read_run(result: dict, *, output: str) -> Run:
    """The harness's result as a Run; BadResult if any part of it is not as the harness
    writes it."""
    requests = _list(result.get("requests"), "requests", MAX_REQUESTS)
    probe = _dict(result.get("probe"), "probe")
    notes = _dict(result.get("notes", {}), "notes")
    if len(json.dumps(notes)) > MAX_NOTES_BYTES:
        raise BadResult("notes are larger than 64 KB")
    return Run(
        requests=tuple(_request(item, f"requests[{i}]") for i, item in enumerate(requests)),
        trace=read_trace(result.get("trace"), "trace"),
        peak_threads=_int(result.get("peak_threads"), "peak_threads"),
        probe_worst_ms=_number_or_none(probe.get("worst_ms"), "probe.worst_ms"),
        probe_pings=_int(probe.get("pings"), "probe.pings"),
        state=_state(result.get("state")),
        notes=notes,
        output=output,
        timings={
            key: _number(value, f"timings.{key}")
            for key, value in _dict(result.get("timings", {}), "timings").items()
        },
    )


def read_trace(value: Any, where: str) -> dict:
    trace = _dict(value, where)
    if set(trace) != TRACE_KEYS:
        raise BadResult(f"{where} must have exactly the keys {sorted(TRACE_KEYS)}")
    threads = _dict(trace["threads"], f"{where}.threads")
    if set(threads) != THREAD_KEYS:
        raise BadResult(f"{where}.threads must have exactly the keys {sorted(THREAD_KEYS)}")
    spans = _list(trace["spans"], f"{where}.spans", MAX_SPANS)
    sql = _list(trace["sql"], f"{where}.sql", MAX_SPANS)
    return {
        "total_ms": _number(trace["total_ms"], f"{where}.total_ms"),
        "spans": [_span_json(span, f"{where}.spans[{i}]") for i, span in enumerate(spans)],
        "sql": [_query_json(query, f"{where}.sql[{i}]") for i, query in enumerate(sql)],
        "loop_lag_ms": _number(trace["loop_lag_ms"], f"{where}.loop_lag_ms"),
        "loop_lag_samples": _int(trace["loop_lag_samples"], f"{where}.loop_lag_samples"),
        "threads": {
            "alive_at_start": _int(threads["alive_at_start"], f"{where}.threads.alive_at_start"),
            "alive_at_end": _int(threads["alive_at_end"], f"{where}.threads.alive_at_end"),
            "used": [
                _text(name, f"{where}.threads.used[{i}]", 200)
                for i, name in enumerate(_list(threads["used"], f"{where}.threads.used", 400))
            ],
        },
    }


def _request(value: Any, where: str) -> Request:
    data = _dict(value, where)
    trace = None if data.get("trace") is None else read_trace(data["trace"], f"{where}.trace")
    status = data.get("status")
    if status is not None and not (isinstance(status, int) and 100 <= status <= 599):
        raise BadResult(f"{where}.status must be an HTTP status or null")
    return Request(
        label=_text(data.get("label"), f"{where}.label", 200),
        method=_text(data.get("method"), f"{where}.method", 10),
        path=_text(data.get("path"), f"{where}.path", 500),
        status=status,
        body=_text(data.get("body"), f"{where}.body", MAX_TEXT),
        body_cut=_bool(data.get("body_cut"), f"{where}.body_cut"),
        elapsed_ms=_number(data.get("elapsed_ms"), f"{where}.elapsed_ms"),
        started_ms=_number(data.get("started_ms"), f"{where}.started_ms"),
        error=_text_or_none(data.get("error"), f"{where}.error"),
        first_byte_ms=None
        if data.get("first_byte_ms") is None
        else _number(data["first_byte_ms"], f"{where}.first_byte_ms"),
        disconnected=_bool(data.get("disconnected", False), f"{where}.disconnected"),
        server_error=_text_or_none(data.get("server_error"), f"{where}.server_error"),
        headers=_headers(data.get("headers", {}), f"{where}.headers"),
        spans=tuple(_span(span, "") for span in trace["spans"]) if trace else (),
        sql=tuple(_query(query, "") for query in trace["sql"]) if trace else (),
        trace=trace,
    )


def _headers(value: Any, where: str) -> dict:
    headers = _dict(value, where)
    if len(headers) > 30:
        raise BadResult(f"{where} has more than 30 headers")
    return {
        _text(name, f"{where} name", 200): _text(text, f"{where}.{name}", 500)
        for name, text in headers.items()
    }


def _span_json(value: Any, where: str) -> dict:
    span = _dict(value, where)
    if not SPAN_KEYS <= set(span) <= SPAN_KEYS | {"sql"}:
        raise BadResult(f"{where} must have the keys {sorted(SPAN_KEYS)} (and maybe sql)")
    clean = {
        "label": _text(span["label"], f"{where}.label", 300),
        "kind": _text(span["kind"], f"{where}.kind", 20),
        "start_ms": _number(span["start_ms"], f"{where}.start_ms"),
        "end_ms": _number(span["end_ms"], f"{where}.end_ms"),
        "thread": _text(span["thread"], f"{where}.thread", 200),
        "ok": _bool(span["ok"], f"{where}.ok"),
        "detail": _text(span["detail"], f"{where}.detail", 1000),
    }
    if "sql" in span:
        queries = _list(span["sql"], f"{where}.sql", MAX_SPANS)
        clean["sql"] = [_query_json(q, f"{where}.sql[{i}]") for i, q in enumerate(queries)]
    return clean


def _query_json(value: Any, where: str) -> dict:
    query = _dict(value, where)
    if set(query) != SQL_KEYS:
        raise BadResult(f"{where} must have exactly the keys {sorted(SQL_KEYS)}")
    return {
        "sql": _text(query["sql"], f"{where}.sql", 1000),
        "ms": _number(query["ms"], f"{where}.ms"),
        "start_ms": _number(query["start_ms"], f"{where}.start_ms"),
        "thread": _text(query["thread"], f"{where}.thread", 200),
    }


def _span(data: dict, where: str) -> Span:
    return Span(**{key: data[key] for key in SPAN_KEYS})


def _query(data: dict, where: str) -> Query:
    return Query(**data)


def _state(value: Any) -> dict:
    state = _dict(value, "state")
    if len(state) > 20:
        raise BadResult("state has more than 20 tables")
    clean: dict = {}
    for name, rows in state.items():
        if name == "error":
            clean[name] = _text(rows, "state.error", 1000)
            continue
        rows = _list(rows, f"state.{name}", MAX_TABLE_ROWS)
        clean[name] = []
        for i, row in enumerate(rows):
            row = _dict(row, f"state.{name}[{i}]")
            if len(row) > 50:
                raise BadResult(f"state.{name}[{i}] has more than 50 columns")
            for key, cell in row.items():
                if isinstance(cell, list):  # e.g. a mail's recipients
                    for item in cell[:100]:
                        _text(item, f"state.{name}[{i}].{key}", 1000)
                elif cell is not None and not isinstance(cell, int | float | str | bool):
                    raise BadResult(f"state.{name}[{i}].{key} must be a plain value")
                elif isinstance(cell, str) and len(cell) > 1000:
                    raise BadResult(f"state.{name}[{i}].{key} is longer than 1000 characters")
            clean[name].append(row)
    return clean


def _dict(value: Any, where: str) -> dict:
    if not isinstance(value, dict) or not all(isinstance(key, str) for key in value):
        raise BadResult(f"{where} must be an object")
    return value


def _list(value: Any, where: str, limit: int) -> list:
    if not isinstance(value, list):
        raise BadResult(f"{where} must be a list")
    if len(value) > limit:
        raise BadResult(f"{where} has more than {limit} items")
    return value


def _text(value: Any, where: str, limit: int) -> str:
    if not isinstance(value, str):
        raise BadResult(f"{where} must be text")
    if len(value) > limit:
        raise BadResult(f"{where} is longer than {limit} characters")
    return value


def _text_or_none(value: Any, where: str) -> str | None:
    return None if value is None else _text(value, where, 1000)


def _bool(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise BadResult(f"{where} must be true or false")
    return value


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise BadResult(f"{where} must be a number")
    return float(value)


def _number_or_none(value: Any, where: str) -> float | None:
    return None if value is None else _number(value, where)


def _int(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10**6:
        raise BadResult(f"{where} must be a whole number")
    return value


# --- Running the checks.


@dataclass(frozen=True)
class Check:
    name: str
    function: Callable[[Run], Any]
    line: int  # in the exercise file, for check_exercises


@dataclass(frozen=True)
class CheckResult:
    name: str
    status: str  # pass, fail or error (Exercism's words)
    message: str | None

    def as_json(self) -> dict:
        return {"name": self.name, "status": self.status, "message": self.message}


def check_name(function: Callable) -> str:
    """The first line of the docstring, or `check_calls_overlap` -> "calls overlap"."""
    doc = (function.__doc__ or "").strip()
    if doc:
        return doc.splitlines()[0].strip().rstrip(".")
    return function.__name__.removeprefix("check_").replace("_", " ")


def run_checks(checks: list[Check], run: Run) -> list[CheckResult]:
    results = []
    for check in checks:
        try:
            check.function(run)
        except CheckFailed as exc:
            results.append(CheckResult(check.name, "fail", str(exc) or "the check failed"))
        except AssertionError as exc:
            results.append(CheckResult(check.name, "fail", str(exc) or "an assertion failed"))
        except MissingData as exc:
            results.append(CheckResult(check.name, "error", str(exc)))
        except Exception as exc:
            message = f"the check itself failed: {type(exc).__name__}: {exc}"
            results.append(CheckResult(check.name, "error", message))
        else:
            results.append(CheckResult(check.name, "pass", None))
    return results


def namespace() -> dict:
    """What a checks block sees without importing anything."""
    return {"fail": fail, "MissingData": MissingData, "__name__": "exercise_checks"}
