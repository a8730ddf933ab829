"""CPU-bound work: inline on the event loop, in a thread, or in another process."""

import asyncio
import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

from asgiref.sync import sync_to_async
from django.conf import settings

from .. import tasks
from ..cpu_work import burn, burn_and_say_where, derive_and_say_where
from ..registry import Demo, Param

cpu_bound = Demo(
    id="cpu-bound",
    order=60,
    title="CPU-bound work",
    description="The same CPU work inline in an async view, in two threads (pure Python, "
    "and C code that releases the GIL), and in a process pool, while a probe measures the "
    "event loop.",
    params={"work_ms": Param(250, 20, 1000, "roughly how much CPU time the work takes")},
    versus=("process", "inline"),
    one_request_ms=lambda params: params["work_ms"],
    key_figure="probe",  # the work costs the same everywhere: the point is who else waits
)

_pool: ProcessPoolExecutor | None = None
_pool_lock = threading.Lock()


def process_pool() -> tuple[ProcessPoolExecutor, bool]:
    """One pool per server process, made on first use ("spawn": never fork a threaded server).

    Returns the pool and whether it was just created (its first run pays for starting it).
    """
    global _pool
    with _pool_lock:
        if _pool is None:
            context = multiprocessing.get_context("spawn")
            _pool = ProcessPoolExecutor(max_workers=2, mp_context=context)
            return _pool, True
        return _pool, False


# The threaded variants' own pool: two threads, so a flood of CPU demos can hold the GIL in
# at most two threads, never in the dozens the loop's default executor would start.
CPU_THREADS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="cpu-demo")


def work_cost(params) -> float:
    return params["work_ms"]


async def in_two_threads(trace, work, work_ms: float, label: str) -> None:
    """Split `work_ms` of `work` in two halves, run side by side on CPU_THREADS. If the
    request is abandoned (the client left), the threads are told to stop."""
    stop = threading.Event()
    call = sync_to_async(work, thread_sensitive=False, executor=CPU_THREADS)

    async def half(number: int) -> None:
        with trace.span(f"{label} (half {number})", "cpu") as span:
            span.thread = await call(work_ms / 2, stop)

    try:
        await asyncio.gather(half(1), half(2))
    except asyncio.CancelledError:
        stop.set()
        raise


@cpu_bound.variant("inline", title="inline in the async view (wrong)", blocks_loop=work_cost)
async def cpu_inline(request, params, trace):
    # Wrong: the loop can't switch tasks in the middle of Python bytecode, so
    # every other request on this process waits for the whole computation.
    with trace.span("burn() on the event loop", "cpu"):
        burn(params["work_ms"])


@cpu_bound.variant("thread", title="pure Python in 2 threads (holds the GIL)", burns_cpu=work_cost)
async def cpu_in_thread(request, params, trace):
    # Two threads, but pure Python holds the GIL: they take turns, so the two
    # halves take as long as the whole, and the loop waits for its turn too.
    await in_two_threads(trace, burn_and_say_where, params["work_ms"], "burn()")


@cpu_bound.variant(
    "gil-releasing", title="hashlib in 2 threads (releases the GIL)", burns_cpu=work_cost
)
async def cpu_releasing_the_gil(request, params, trace):
    # hashlib.pbkdf2_hmac hashes in C with the GIL released: the two halves
    # run on two cores at once, and the event loop keeps its turn.
    await in_two_threads(trace, derive_and_say_where, params["work_ms"], "pbkdf2_hmac()")


async def in_process_pool(trace, work_ms: float, label: str):
    loop = asyncio.get_running_loop()
    pool, new = process_pool()
    with trace.span(label, "cpu") as span:
        span.thread = await loop.run_in_executor(pool, burn_and_say_where, work_ms)
        if new:
            span.detail = "includes starting the worker processes (first run only)"
    return span


@cpu_bound.variant("process", title="ProcessPoolExecutor", burns_cpu=work_cost)
async def cpu_in_process(request, params, trace):
    # Another process has its own interpreter and GIL: the loop and the other
    # requests on this process carry on at full speed.
    await in_process_pool(trace, params["work_ms"], "burn() in a worker process")


@cpu_bound.variant(
    "celery", title="a Celery task (process pool without a broker)", burns_cpu=work_cost
)
async def cpu_on_celery(request, params, trace):
    # A task queue moves the work off this machine's web processes altogether.
    if not settings.CELERY_BROKER_URL:
        span = await in_process_pool(trace, params["work_ms"], "burn() in a worker process")
        span.detail = "CELERY_BROKER_URL is not set, so the work went to the process pool"
        return {"offload": "process pool"}
    with trace.span("burn.delay() on a Celery worker", "cpu") as span:
        # Sending the task talks to the broker (the first time, connects to it), and
        # AsyncResult.get() blocks: both on a thread, not on the event loop, and on the same
        # one (with the rpc:// result backend the answer comes back to the sender's thread).
        span.thread = await sync_to_async(burn_on_a_worker, thread_sensitive=False)(
            params["work_ms"]
        )
    return {"offload": "celery"}


def burn_on_a_worker(work_ms: float) -> str:
    """Send the task and wait for its answer: the name of the thread it ran on."""
    return tasks.burn.delay(work_ms).get(timeout=30)
