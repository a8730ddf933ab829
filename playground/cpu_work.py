"""CPU-bound work for the demos. Imports nothing from Django: a process pool imports this
module in fresh worker processes."""

import hashlib
import os
import threading
import time


def burn(cpu_ms: float, stop: threading.Event | None = None) -> int:
    """Keep one core busy with pure Python for about `cpu_ms` of this thread's own CPU time
    (it holds the GIL all along), or until `stop` is set."""
    deadline = time.thread_time() + cpu_ms / 1000
    total = 0
    while time.thread_time() < deadline and not (stop and stop.is_set()):
        total += sum(i * i for i in range(2_000))
    return total


def derive_keys(cpu_ms: float, stop: threading.Event | None = None) -> int:
    """The same CPU time spent in hashlib's C code, which releases the GIL while it hashes:
    other threads, the event loop's included, run meanwhile."""
    deadline = time.thread_time() + cpu_ms / 1000
    rounds = 0
    while time.thread_time() < deadline and not (stop and stop.is_set()):
        hashlib.pbkdf2_hmac("sha256", b"password", b"salt-16-bytes...", 20_000)
        rounds += 1
    return rounds


def burn_and_say_where(cpu_ms: float, stop: threading.Event | None = None) -> str:
    """burn(), then name the process and thread that did the work."""
    burn(cpu_ms, stop)
    return where()


def derive_and_say_where(cpu_ms: float, stop: threading.Event | None = None) -> str:
    derive_keys(cpu_ms, stop)
    return where()


def where() -> str:
    return f"pid {os.getpid()} / {threading.current_thread().name}"
