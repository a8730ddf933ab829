"""One exercise run, end to end: the queue, the sandbox (in the runs' own process, on a Celery
worker, or here), the checks, and the answer the API gives.

    report = submit(exercise, code)   # QueueFull -> 429, SandboxUnavailable -> 503
    report.as_json()                  # {"status", "message", "tests", "trace", ...}

Admission and the run happen on the same (blocking) thread, so that no place in the queue can
be taken and then abandoned.

Where the sandboxes start: on Celery workers when CELERY_BROKER_URL is set; else in the runs'
own process when EXERCISES_RUNNER names its socket (exercises/runner_server.py, which ./run
starts); else in this process's own pool (tests, manage.py check_exercises).
"""

import contextlib
import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from .checks import BadResult, CheckResult, read_run, run_checks
from .parsing import Exercise
from .pool import QueueFull, Ticket, get_pool
from .sandbox import RESULT_LIMIT, Outcome, SandboxUnavailable, unavailable_reason

logger = logging.getLogger(__name__)

EMPTY_TRACE = {
    "total_ms": 0,
    "spans": [],
    "sql": [],
    "loop_lag_ms": 0,
    "loop_lag_samples": 0,
    "threads": {"alive_at_start": 0, "alive_at_end": 0, "used": []},
}
MESSAGES = {
    "syntax": "{message}",
    "import": "{message}",
    "routes": "{message}",
    "memory": "the run ran out of memory ({memory_mb} MB): {message}",
    "data": "the exercise is broken ({message}); it has been logged",
    "scenario": "the exercise's scenario failed ({message}); it has been logged",
}


@dataclass
class Report:
    status: str  # pass, fail, error, timeout
    message: str | None
    tests: list[CheckResult] = field(default_factory=list)
    trace: dict = field(default_factory=lambda: EMPTY_TRACE)
    output: str = ""
    output_cut: bool = False
    duration_ms: float = 0.0
    requests: list[dict] = field(default_factory=list)
    probe_worst_ms: float | None = None
    queue: dict = field(default_factory=dict)
    timings: dict = field(default_factory=dict)

    def as_json(self) -> dict:
        return {
            "status": self.status,
            "message": self.message,
            "tests": [test.as_json() for test in self.tests],
            "trace": self.trace,
            "output": self.output,
            "output_truncated": self.output_cut,
            "duration_ms": round(self.duration_ms),
            "requests": self.requests,
            "probe_worst_ms": self.probe_worst_ms,
            "queue": self.queue,
            "timings": self.timings,
        }


def celery_enabled() -> bool:
    return bool(settings.CELERY_BROKER_URL)


def runner_enabled() -> bool:
    return bool(settings.EXERCISES_RUNNER) and not celery_enabled()


# An outcome: the sandbox's result (RESULT_LIMIT bytes at most) and its output (less), each
# byte of which JSON may spell as six (\u007f).
LONGEST_ANSWER = 7 * RESULT_LIMIT


def ask_runner(request: dict, timeout: float) -> dict:
    """One request to the runs' own process and its answer; SandboxUnavailable when it does
    not answer (not started, or gone)."""
    path = settings.EXERCISES_RUNNER
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        connection.settimeout(timeout)
        try:
            connection.connect(path)
            connection.sendall(json.dumps(request).encode() + b"\n")
            with connection.makefile("rb") as answers:
                line = answers.readline(LONGEST_ANSWER)
        except OSError as exc:
            logger.warning("the exercise runner (its socket %s) is not answering: %s", path, exc)
            raise SandboxUnavailable("the exercise runner is not answering") from exc
    try:
        answer = json.loads(line)
    except (ValueError, RecursionError):
        answer = None
    if not isinstance(answer, dict) or "error" in answer:
        why = answer["error"] if isinstance(answer, dict) else "no answer it could read"
        raise SandboxUnavailable(f"the exercise runner could not answer: {why}")
    return answer


AVAILABILITY_SECONDS = 30  # how long one look at the machine's sandbox tools is trusted
_availability: tuple[float, str | None] | None = None


@receiver(setting_changed)
def _look_again(*, setting: str, **kwargs) -> None:
    """A changed EXERCISES_* setting (tests change them) is a reason to look again."""
    global _availability
    if setting.startswith("EXERCISES_"):
        _availability = None


def unavailable() -> str | None:
    """Why exercises cannot run from this process, or None. With Celery the workers start the
    sandboxes, so this process needs none of its own. Pages ask this on every view, so the
    answer (a few file checks) is kept for AVAILABILITY_SECONDS."""
    global _availability
    if celery_enabled():
        return None
    now = time.monotonic()
    if _availability is None or now - _availability[0] > AVAILABILITY_SECONDS:
        _availability = (now, _runner_unavailable() if runner_enabled() else unavailable_reason())
    return _availability[1]


def _runner_unavailable() -> str | None:
    """The runs' own process is where sandboxes start: why none can, as it says, or why it
    does not answer."""
    try:
        return ask_runner({"op": "unavailable"}, timeout=2)["unavailable"]
    except SandboxUnavailable as exc:
        return str(exc)


# --- Admission. With Celery the web process still bounds how many runs it waits for.


class _InFlight:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.count = 0

    def admit(self) -> Ticket:
        limit = settings.EXERCISES_POOL_SIZE + settings.EXERCISES_MAX_QUEUE
        with self._lock:
            if self.count >= limit:
                raise QueueFull(f"{self.count} exercise runs are under way, as many as this "
                                "server takes. Try again shortly.", 5)  # fmt: skip
            self.count += 1
            return Ticket(position=0)

    def release(self) -> None:
        with self._lock:
            self.count -= 1


_celery_in_flight = _InFlight()


class _ClientShares:
    """No client holds more than EXERCISES_CLIENT_MAX_RUNS runs, running or waiting: one
    learner cannot keep the pool and its queue full for everyone else."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._held: dict[str, int] = {}

    @contextlib.contextmanager
    def hold(self, client: str) -> Iterator[None]:
        most = settings.EXERCISES_CLIENT_MAX_RUNS
        with self._lock:
            if self._held.get(client, 0) >= most:
                raise QueueFull(
                    f"You already have {most} exercise runs running or waiting; the rest of the "
                    "queue is kept for other learners. Try again when one has finished.",
                    2,
                )
            self._held[client] = self._held.get(client, 0) + 1
        try:
            yield
        finally:
            with self._lock:
                self._held[client] -= 1
                if not self._held[client]:
                    del self._held[client]


client_shares = _ClientShares()


def queue_status(key: str = "") -> dict:
    """Where runs go and how busy it is; with `key`, how many runs are ahead of that run
    (`position`, None once it runs; always None with Celery, whose queue is the broker's)."""
    if celery_enabled():
        return {"runs_on": "celery", "in_flight": _celery_in_flight.count, "position": None}
    if runner_enabled():
        try:
            status = ask_runner({"op": "status", "key": key}, timeout=2)
        except SandboxUnavailable:
            status = {"position": None}
        return {"runs_on": "runner", **status}
    pool = get_pool()
    return {"runs_on": "this server", **pool.status(), "position": pool.position(key)}


def warm() -> None:
    if runner_enabled():
        with contextlib.suppress(SandboxUnavailable):
            ask_runner({"op": "warm"}, timeout=2)
    elif not celery_enabled():
        get_pool().warm()


# --- The run.


def submit(exercise: Exercise, code: str, key: str = "") -> Report:
    """Wait for a turn, run `code` in a sandbox, check it. Blocks: call it from a thread."""
    start = time.monotonic()
    job = exercise.job(code)
    if celery_enabled():
        ticket = _celery_in_flight.admit()
        try:
            outcome = _run_on_celery(job)
        finally:
            _celery_in_flight.release()
    elif runner_enabled():
        ticket, outcome = _run_on_runner(job, key)
    else:
        pool = get_pool()
        ticket = pool.admit(key)
        outcome = pool.run(ticket, job)
    report = judge(exercise, outcome)
    report.duration_ms = (time.monotonic() - start) * 1000
    report.queue = {"position": ticket.position, "waited_ms": round(ticket.waited_ms)}
    learner_ms = report.timings.get("load_ms", 0) + report.timings.get("scenario_ms", 0)
    report.timings["sandbox_ms"] = round(report.duration_ms - ticket.waited_ms - learner_ms, 1)
    return report


def _run_on_celery(job: dict) -> Outcome:
    from .tasks import run_in_sandbox

    async_result = run_in_sandbox.apply_async(args=[job], queue=settings.EXERCISES_CELERY_QUEUE)
    data = async_result.get(timeout=_longest_run())
    _raise_refusal(data)
    return Outcome.from_json(data)


def _longest_run() -> int:
    """How long a run may take elsewhere, its wait in line included."""
    return settings.EXERCISES_WALL_SECONDS + settings.EXERCISES_QUEUE_SECONDS + 10


def _raise_refusal(data: dict) -> None:
    """An answer from where the sandboxes start that says none could, or none may yet."""
    if "unavailable" in data:
        raise SandboxUnavailable(data["unavailable"])
    if "busy" in data:
        raise QueueFull(data["busy"], int(data.get("retry_after", 5)))


def _run_on_runner(job: dict, key: str) -> tuple[Ticket, Outcome]:
    data = ask_runner({"op": "run", "job": job, "key": key}, timeout=_longest_run())
    _raise_refusal(data)
    ticket = Ticket(position=int(data["queue"]["position"]), key=key)
    ticket.waited_ms = float(data["queue"]["waited_ms"])
    return ticket, Outcome.from_json(data["outcome"])


def run_locally(job: dict) -> dict:
    """A Celery worker's side of a run: its own pool, the raw outcome back as JSON."""
    pool = get_pool()
    try:
        ticket = pool.admit()
        return pool.run(ticket, job).as_json()
    except SandboxUnavailable as exc:
        return {"unavailable": str(exc)}
    except QueueFull as exc:
        return {"busy": exc.message}


def judge(exercise: Exercise, outcome: Outcome) -> Report:
    """The sandbox's outcome, read and checked: the report the learner gets."""
    base = {"output": outcome.output, "output_cut": outcome.output_cut}
    if outcome.status == "error" and outcome.out_of_memory:
        message = f"the run ran out of memory ({settings.EXERCISES_MEMORY_MB} MB)"
        return Report("error", message, **base)
    if outcome.status != "ran" or outcome.result is None:
        return Report(outcome.status, outcome.message, **base)
    result = outcome.result
    error = result.get("error")
    if isinstance(error, dict):
        kind, message = str(error.get("kind")), str(error.get("message"))[:2000]
        if kind in ("data", "scenario"):
            # The sandbox's own words, so unverified: learner code can write them. Quoted,
            # so that no line of it reads as a log line of ours.
            logger.warning(
                "exercise %s: the sandbox reports a %s error: %r", exercise.slug, kind, message
            )
        template = MESSAGES.get(kind, "{message}")
        text = template.format(message=message, memory_mb=settings.EXERCISES_MEMORY_MB)
        return Report("error", text, **base)
    try:
        recorded = read_run(result, output=outcome.output)
    except BadResult as exc:
        return Report("error", f"the sandbox's answer could not be read: {exc}", **base)
    figures = {
        "trace": recorded.trace,
        "requests": [
            {
                "label": r.label,
                "method": r.method,
                "path": r.path,
                "status": r.status,
                "elapsed_ms": round(r.elapsed_ms, 1),
                "error": r.error,
                "server_error": r.server_error,
            }
            for r in recorded.requests
        ],
        "probe_worst_ms": recorded.probe_worst_ms,
        "timings": dict(recorded.timings),
        **base,
    }
    if result.get("memory_error") is True or outcome.out_of_memory:
        message = f"the run ran out of memory ({settings.EXERCISES_MEMORY_MB} MB)"
        return Report("error", message, **figures)
    if result.get("timed_out") is True:
        message = f"the run took longer than {settings.EXERCISES_WALL_SECONDS} s and was stopped"
        return Report("timeout", message, **figures)
    tests = run_checks(exercise.checks, recorded)
    statuses = {test.status for test in tests}
    if "fail" in statuses:
        failed = sum(test.status == "fail" for test in tests)
        status, message = "fail", f"{failed} of {len(tests)} checks failed"
    elif "error" in statuses:
        status, message = "error", "a check could not run"
    else:
        status, message = "pass", None
    return Report(status, message, tests=tests, **figures)
