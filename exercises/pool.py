"""Bounded runs: a few sandboxes at once per process, a queue with a visible position, warm spares.

Starting a sandbox (bubblewrap, Python, Django, the tables) costs about a third of a second of
CPU, so the pool keeps one warm sandbox per slot: started ahead, waiting for its code on a pipe.
A run takes a warm sandbox, which is used once and thrown away, and a replacement starts warming
at once, while the run goes on.

    ticket = pool.admit()          # at once: a place in the queue, or QueueFull (429)
    outcome = pool.run(ticket, job)  # waits its turn, runs, gives the slot back
"""

import atexit
import contextlib
import logging
import math
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings

from .sandbox import MemoryCgroup, Outcome, Sandbox, SandboxUnavailable

logger = logging.getLogger(__name__)


class QueueFull(Exception):
    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


@dataclass
class Ticket:
    position: int  # runs ahead of this one when it was admitted (0: it runs at once)
    key: str = ""  # chosen by the page, to ask for this run's place while it waits
    admitted: float = field(default_factory=time.monotonic)
    waited_ms: float = 0.0


class SandboxPool:
    def __init__(
        self,
        *,
        size: int,
        max_queue: int,
        queue_seconds: float,
        start: Callable[[], Sandbox] = Sandbox.start,
    ) -> None:
        self.size = max(1, size)
        self.max_queue = max_queue
        self.queue_seconds = queue_seconds
        self._start = start
        self._cond = threading.Condition()
        self._filling = threading.Lock()  # one fill at a time: each starts what is missing
        self._running = 0
        self._waiting: deque[Ticket] = deque()
        self._warm: deque[Sandbox] = deque()
        self._average_s = 2.0  # how long a run takes, for Retry-After
        self.replacing: threading.Thread | None = None  # the thread starting the latest spare

    # --- Admission.

    def admit(self, key: str = "") -> Ticket:
        """A place in line, or QueueFull when the line is as long as it may be."""
        with self._cond:
            ahead = self._running + len(self._waiting) - self.size + 1
            if ahead > 0 and len(self._waiting) >= self.max_queue:
                raise QueueFull(
                    f"{self._running} exercise runs are running and {len(self._waiting)} are "
                    "waiting, as many as this server takes. Try again shortly.",
                    self._retry_after(),
                )
            ticket = Ticket(position=max(0, ahead), key=key)
            self._waiting.append(ticket)
            return ticket

    def run(self, ticket: Ticket, job: dict) -> Outcome:
        self._wait_for_turn(ticket)
        try:
            sandbox = self._take()
            start = time.monotonic()
            outcome = sandbox.run(job)
            self._average_s = 0.8 * self._average_s + 0.2 * (time.monotonic() - start)
            return outcome
        finally:
            with self._cond:
                self._running -= 1
                self._cond.notify_all()

    def _wait_for_turn(self, ticket: Ticket) -> None:
        deadline = ticket.admitted + self.queue_seconds
        with self._cond:
            while self._waiting[0] is not ticket or self._running >= self.size:
                left = deadline - time.monotonic()
                if left <= 0:
                    self._waiting.remove(ticket)
                    self._cond.notify_all()
                    raise QueueFull(
                        f"this run waited {self.queue_seconds:g} s in the queue without a turn. "
                        "Try again shortly.",
                        self._retry_after(),
                    )
                self._cond.wait(left)
            self._waiting.popleft()
            self._running += 1
            self._cond.notify_all()
        ticket.waited_ms = (time.monotonic() - ticket.admitted) * 1000

    def _retry_after(self) -> int:
        runs_ahead = self._running + len(self._waiting)
        return max(1, math.ceil(runs_ahead / self.size * self._average_s))

    # --- Warm sandboxes.

    def warm(self) -> None:
        """Start warm sandboxes until there is one per slot (a no-op where none can start, or
        while another fill is under way: it will have started them)."""
        if not self._filling.acquire(blocking=False):
            return
        try:
            with contextlib.suppress(SandboxUnavailable):
                self._fill_now()
        finally:
            self._filling.release()

    def _fill(self) -> None:
        with self._filling:
            self._fill_now()

    def _fill_now(self) -> None:
        with self._cond:
            for sandbox in [s for s in self._warm if not s.alive()]:
                self._warm.remove(sandbox)
                sandbox.close()
            missing = self.size - len(self._warm)
        for _ in range(missing):
            sandbox = self._start()
            with self._cond:
                self._warm.append(sandbox)

    def _take(self) -> Sandbox:
        """A warm sandbox if there is one (the oldest, most likely ready), else a new one; a
        replacement starts warming either way."""
        sandbox = None
        with self._cond:
            while self._warm and sandbox is None:
                candidate = self._warm.popleft()
                if candidate.alive():
                    sandbox = candidate
                else:
                    candidate.close()
        if sandbox is None:
            sandbox = self._start()
        # The replacement starts beside the run, not before it (its processes are started by
        # the spawner thread in exercises/sandbox.py, so this short-lived thread may end).
        self.replacing = threading.Thread(target=self._replace, name="sandbox-warm", daemon=True)
        self.replacing.start()
        return sandbox

    def _replace(self) -> None:
        try:
            self._fill()
        except SandboxUnavailable:
            logger.warning("could not start a warm replacement sandbox", exc_info=True)

    def close(self) -> None:
        with self._cond:
            warm, self._warm = list(self._warm), deque()
        for sandbox in warm:
            sandbox.close()

    def position(self, key: str) -> int | None:
        """How many runs are ahead of the waiting run with this key (they run or wait before
        it), or None when no run with that key waits (it runs, or is done)."""
        if not key:
            return None
        with self._cond:
            for index, ticket in enumerate(self._waiting):
                if ticket.key == key:
                    return index + max(0, self._running - self.size + 1)
        return None

    def status(self) -> dict:
        with self._cond:
            return {
                "slots": self.size,
                "running": self._running,
                "queued": len(self._waiting),
                "queue_max": self.max_queue,
                "warm": sum(s.alive() for s in self._warm),
            }


_pool: SandboxPool | None = None
_pool_pid = 0
_pool_lock = threading.Lock()


def get_pool() -> SandboxPool:
    """This process's pool (a forked worker gets its own)."""
    global _pool, _pool_pid
    with _pool_lock:
        if _pool is None or _pool_pid != os.getpid():
            MemoryCgroup.sweep()  # what an earlier server of ours, killed, left behind
            _pool = SandboxPool(
                size=settings.EXERCISES_POOL_SIZE,
                max_queue=settings.EXERCISES_MAX_QUEUE,
                queue_seconds=settings.EXERCISES_QUEUE_SECONDS,
            )
            _pool_pid = os.getpid()
            # The warm sandboxes end with the server, and give back their cgroups.
            atexit.register(_pool.close)
        return _pool
