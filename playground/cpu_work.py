"""CPU-bound work for the demos. Imports nothing from Django: a process pool imports this
module in fresh worker processes."""

import os
import threading
import time


def burn(cpu_ms: float) -> int:
    """Keep one core busy for about `cpu_ms` of this thread's own CPU time."""
    deadline = time.thread_time() + cpu_ms / 1000
    total = 0
    while time.thread_time() < deadline:
        total += sum(i * i for i in range(2_000))
    return total


def burn_and_say_where(cpu_ms: float) -> str:
    """burn(), then name the process and thread that did the work."""
    burn(cpu_ms)
    return f"pid {os.getpid()} / {threading.current_thread().name}"
