"""Exercise runs in a process of their own, as the simulated upstreams are:

    python -m exercises.runner_server --socket PATH [--remove-folder] [--parent PID]

`./run` starts one and points the site at it with EXERCISES_RUNNER, so that web processes never
start, wait on or end a sandbox: their event loops serve pages while runs go on beside them,
and every web worker shares this one pool (EXERCISES_POOL_SIZE runs at once, its queue, its
warm sandboxes). The web process still checks each outcome and records progress
(exercises/running.py). With `--parent`, it stops when that process does. It serves from a
child process of its own and starts another if that one stops of itself (a crash, the kernel's
out-of-memory killer): the runs in flight then fail, and the next ones are served.

One JSON line each way per connection, on a Unix socket only this user can open:

    {"op": "run", "job": {...}, "key": "..."}  -> {"outcome": {...}, "queue": {"position",
                                                  "waited_ms"}}, {"unavailable": reason} or
                                                  {"busy": message, "retry_after": seconds}
    {"op": "status", "key": "..."}             -> the pool's status and that run's position
    {"op": "unavailable"}                       -> {"unavailable": reason or null}
    {"op": "warm"}                              -> {} (warm sandboxes start beside the answer)
"""

import argparse
import contextlib
import json
import logging
import os
import signal
import socketserver
import subprocess
import sys
import threading
import time
from pathlib import Path

from ops.child_process import start

logger = logging.getLogger(__name__)

LONGEST_REQUEST = 1024 * 1024  # a job is the learner's code (20 KB at most) and the exercise's


def answer(request: dict) -> dict:
    from .pool import QueueFull, get_pool
    from .sandbox import SandboxUnavailable, unavailable_reason

    op = request.get("op")
    pool = get_pool()
    if op == "run":
        try:
            ticket = pool.admit(str(request.get("key", "")))
            outcome = pool.run(ticket, request["job"])
        except SandboxUnavailable as exc:
            return {"unavailable": str(exc)}
        except QueueFull as exc:
            return {"busy": exc.message, "retry_after": exc.retry_after}
        queue = {"position": ticket.position, "waited_ms": ticket.waited_ms}
        return {"outcome": outcome.as_json(), "queue": queue}
    if op == "status":
        return {**pool.status(), "position": pool.position(str(request.get("key", "")))}
    if op == "unavailable":
        return {"unavailable": unavailable_reason()}
    if op == "warm":
        threading.Thread(target=pool.warm, name="sandbox-warm", daemon=True).start()
        return {}
    return {"error": f"unknown op {op!r}"}


class _Handler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        line = self.rfile.readline(LONGEST_REQUEST)
        try:
            reply = answer(json.loads(line))
        except (ValueError, KeyError, TypeError, RecursionError) as exc:
            reply = {"error": f"a request this runner cannot read: {exc}"}
        except Exception:
            logger.exception("the exercise runner failed to answer")
            reply = {"error": "the exercise runner failed; it has been logged"}
        try:
            self.wfile.write(json.dumps(reply).encode() + b"\n")
        except OSError as exc:  # the web process gave up waiting (its timeout), or went away
            logger.info("an exercise runner answer was not taken: %s", exc)


class RunnerServer(socketserver.ThreadingUnixStreamServer):
    daemon_threads = True
    # Every run waiting in line holds a connection: room for all of them from every worker at
    # once (socketserver's default is 5; past it, a connection is refused).
    request_queue_size = 1024


RESTART_PAUSE_SECONDS = 1.0  # between a runner that stopped of itself and the next


def supervise(path: Path, *, remove_folder: bool = False) -> int:
    """Serve on `path` from a child process, started again whenever it stops of itself; the
    exit status. Stopped (SIGTERM, SIGINT), it stops the child and returns 0. A child that
    stops before it could serve (a path it cannot bind, say) cannot start: then this stops
    too, with the child's status, rather than try again every second."""
    stopping = False
    child: subprocess.Popen | None = None

    def stop(*_) -> None:
        nonlocal stopping
        stopping = True  # a flag only: a lock taken here could be the one the loop holds
        if child is not None and child.poll() is None:
            child.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    status = 0
    try:
        while not stopping:
            ready, told = os.pipe()  # the child writes a byte to `told` once it serves
            command = [sys.executable, "-m", "exercises.runner_server", "--socket", str(path)]
            command += ["--serving", str(told), "--parent", str(os.getpid())]
            child = subprocess.Popen(command, pass_fds=(told,))
            os.close(told)
            if stopping:  # asked to stop while it was starting
                child.terminate()
            code = child.wait()
            with os.fdopen(ready, "rb") as pipe:
                served = pipe.read() != b""
            if stopping:
                break
            how = f"signal {-code}" if code < 0 else f"exit status {code}"
            if not served:
                logger.error("the exercise runner stopped as it started (%s)", how)
                status = code if code > 0 else 1
                break
            logger.error("the exercise runner stopped (%s); starting another", how)
            time.sleep(RESTART_PAUSE_SECONDS)
    finally:
        if remove_folder:  # the folder ./run made for it
            with contextlib.suppress(OSError):
                path.unlink(missing_ok=True)
                path.parent.rmdir()
    return status


def serve(path: Path, ready_fd: int | None = None) -> None:
    """Serve on `path`; once it can, write a byte to `ready_fd` (the supervisor's pipe)."""
    path.unlink(missing_ok=True)
    old_mask = os.umask(0o177)  # the socket is this user's alone (srw-------)
    try:
        server = RunnerServer(str(path), _Handler)
    finally:
        os.umask(old_mask)
    ours = path.stat().st_ino
    if ready_fd is not None:
        os.write(ready_fd, b"1")
        os.close(ready_fd)
    from .pool import get_pool

    # Stopped (by ./run, or with its parent), it ends its warm sandboxes on the way out
    # (exercises/pool.py registers that at exit); sandboxes mid-run end with this process.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    threading.Thread(target=get_pool().warm, name="sandbox-warm", daemon=True).start()
    try:
        with server:
            server.serve_forever()
    finally:
        # Only our own socket: a runner started since on the same path keeps its own.
        with contextlib.suppress(OSError):
            if path.stat().st_ino == ours:
                path.unlink()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--socket", type=Path, required=True)
    parser.add_argument(
        "--remove-folder", action="store_true", help="remove the socket's folder on the way out"
    )
    # The supervisor's child, with the pipe it says it serves on.
    parser.add_argument("--serving", type=int, metavar="FD", help=argparse.SUPPRESS)
    args = start(parser)
    if args is None:
        return
    if args.serving is not None:
        serve(args.socket, ready_fd=args.serving)
    else:
        sys.exit(supervise(args.socket, remove_folder=args.remove_folder))


if __name__ == "__main__":
    main()
