"""What learner code can and cannot do inside the real sandbox.

Each attack runs as the learner's module in a sandbox of its own. It ends with `error` or
`timeout` and a clear message, changes nothing outside, and leaves no process of the sandbox's
uid behind. Attacks that need to report what they saw print it as JSON, then raise.
"""

import hashlib
import json
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.conf import settings

from exercises.sandbox import HARNESS_DIR, MemoryCgroup, sandbox_venv

BASE_DIR = Path(settings.BASE_DIR)


def findings(run) -> dict:
    """The JSON the attack printed on its last line."""
    return json.loads(run.outcome.output.strip().splitlines()[-1])


def fill(template: str, **values) -> str:
    """The attack's code, with each NAME in it replaced by the value's Python literal."""
    for name, value in values.items():
        template = template.replace(name, repr(value))
    return template


def ended_with(run, status: str, message: str) -> None:
    assert run.report.status == status, (run.report.status, run.report.message, run.outcome.output)
    assert message in (run.report.message or ""), run.report.message
    assert run.left_behind == [], f"processes of uid {run.uid} survived: {run.left_behind}"


READ_ATTACK = """
import json, os
seen = {}
for path in PATHS:
    try:
        with open(path, "rb") as f:
            seen[path] = "read %d bytes" % len(f.read())
    except OSError as exc:
        seen[path] = type(exc).__name__
seen["env"] = dict(os.environ)
seen["checkout"] = os.path.exists(BASE)
seen["lab"] = sorted(os.listdir("/lab"))
seen["playground"] = sorted(os.listdir("/lab/playground"))
seen["exercises"] = sorted(os.listdir("/lab/exercises"))
seen["root"] = sorted(os.listdir("/"))
seen["proc"] = sorted(p for p in os.listdir("/proc") if p.isdigit())
print(json.dumps(seen))
raise RuntimeError("done looking")
"""


def test_the_server_files_secrets_and_environment_are_out_of_reach(run_attack, monkeypatch):
    monkeypatch.setenv("DJANGO_SECRET_KEY", "server-secret-" + "s" * 30)
    monkeypatch.setenv("SECRET_KEY", "another-server-secret")
    monkeypatch.setenv("DATABASE_URL", "postgres://lab:password@db/lab")
    database = Path(settings.DATABASES["default"]["NAME"])
    paths = [
        str(BASE_DIR / "db.sqlite3"),
        str(database),
        str(BASE_DIR / "config" / "settings.py"),
        str(BASE_DIR / ".env"),
        str(BASE_DIR / ".git" / "HEAD"),
        str(BASE_DIR / ".venv" / "pyvenv.cfg"),
        "/etc/shadow",
        "/etc/passwd",
        "/root/.bashrc",
        "/proc/1/environ",
    ]
    run = run_attack(fill(READ_ATTACK, PATHS=paths, BASE=str(BASE_DIR)))
    ended_with(run, "error", "done looking (while your code loaded)")
    seen = findings(run)
    for path in paths[:-1]:
        assert seen[path] in ("FileNotFoundError", "PermissionError"), (path, seen[path])
    assert not {"SECRET_KEY", "DJANGO_SECRET_KEY", "DATABASE_URL"} & set(seen["env"])
    assert "server-secret" not in json.dumps(seen)
    # The checkout is not there at all. What the harness needs is, under /lab: no settings, no
    # database, no .env, no .git, not the exercises' solutions or checks either.
    assert seen["checkout"] is False
    assert seen["lab"] == ["exercises", "playground", "venv"]
    assert seen["exercises"] == ["harness"]
    assert seen["root"] == [
        "bin",
        "dev",
        "etc",
        "lab",
        "lib",
        "lib64",
        "proc",
        "sbin",
        "tmp",
        "usr",
    ]
    assert seen["playground"] == ["__init__.py", "registry.py", "tracing.py", "upstream.py"]
    assert seen["proc"] == ["1", "2"]  # its own processes only: bubblewrap's init and itself


WRITE_ATTACK = """
import json, os
seen = {}
for path in PATHS:
    try:
        with open(path, "a") as f:
            f.write("owned")
        seen[path] = "written"
    except OSError as exc:
        seen[path] = type(exc).__name__
print(json.dumps(seen))
raise RuntimeError("done writing")
"""


def test_the_project_and_the_venvs_cannot_be_written(run_attack):
    tracing = BASE_DIR / "playground" / "tracing.py"
    before = hashlib.sha256(tracing.read_bytes()).hexdigest()
    targets = [
        "/lab/playground/tracing.py",
        "/lab/exercises/harness/lab/owned.py",
        "/lab/venv/bin/owned",
        str(BASE_DIR / "owned.txt"),
        "/usr/owned",
        "/owned",
        "/dev/shm/owned",
        "/tmp/scratch.txt",  # the sandbox's own private /tmp: allowed, and thrown away
    ]
    run = run_attack(fill(WRITE_ATTACK, PATHS=targets))
    ended_with(run, "error", "done writing")
    seen = findings(run)
    assert seen.pop("/tmp/scratch.txt") == "written"
    assert set(seen.values()) <= {"OSError", "PermissionError", "FileNotFoundError"}, seen
    assert hashlib.sha256(tracing.read_bytes()).hexdigest() == before
    for outside in (
        HARNESS_DIR / "lab" / "owned.py",
        sandbox_venv() / "bin" / "owned",
        BASE_DIR / "owned.txt",
        Path("/usr/owned"),
    ):
        assert not outside.exists(), outside
    assert not Path("/tmp/scratch.txt").exists()


NETWORK_ATTACK = """
import json, socket
devices = open("/proc/net/dev").readlines()[2:]
seen = {"interfaces": [line.split(":")[0].strip() for line in devices]}
routes = open("/proc/net/route").read().splitlines()[1:]
targets = [("127.0.0.1", 5432), ("127.0.0.1", 6379), ("127.0.0.1", PORT)]
if not routes:  # no route out: a connect to this documentation address fails before sending
    targets.append(("192.0.2.1", 80))
for host, port in targets:
    s = socket.socket()
    s.settimeout(2)
    try:
        s.connect((host, port))
        seen[f"{host}:{port}"] = "connected"
    except OSError as exc:
        seen[f"{host}:{port}"] = exc.strerror or type(exc).__name__
    finally:
        s.close()
try:
    socket.getaddrinfo("pypi.org", 443)
    seen["dns"] = "resolved"
except OSError as exc:
    seen["dns"] = type(exc).__name__
print(json.dumps(seen))
raise RuntimeError("done connecting")
"""


def test_nothing_outside_the_sandbox_can_be_reached(run_attack):
    # A listener standing in for the site's own port: it must see no connection.
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    port = listener.getsockname()[1]
    accepted: list = []
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            try:
                accepted.append(listener.accept())
            except TimeoutError:
                continue

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        run = run_attack(fill(NETWORK_ATTACK, PORT=port))
    finally:
        stop.set()
        watcher.join()
        listener.close()
    ended_with(run, "error", "done connecting")
    seen = findings(run)
    assert seen.pop("interfaces") == ["lo"]
    assert seen.pop("dns") == "gaierror"
    assert seen == {
        "127.0.0.1:5432": "Connection refused",
        "127.0.0.1:6379": "Connection refused",
        f"127.0.0.1:{port}": "Connection refused",
        "192.0.2.1:80": "Network is unreachable",
    }
    assert accepted == []


def test_a_fork_bomb_stops_at_the_process_limit(run_attack):
    run = run_attack("import os\nwhile True:\n    os.fork()\n")
    ended_with(run, "error", "BlockingIOError on line 3")
    assert "a run may have at most 64 processes and threads" in run.report.message


def test_allocating_4_gb_runs_out_of_memory(run_attack):
    run = run_attack("block = bytearray(4 * 1024**3)\n")
    ended_with(run, "error", "the run ran out of memory (512 MB)")


def test_many_processes_together_cannot_take_more_than_the_limit(run_attack):
    """Each process may map 512 MB; together they are held to 512 MB too (the memory cgroup)."""
    probe = MemoryCgroup.create("interview-lab-probe", 1024 * 1024 * 1024)
    if probe is None:
        pytest.skip("no cgroup v1 memory controller here: each process is limited, not the sum")
    probe.remove()
    code = (
        "import os, time\n"
        "children = []\n"
        "for _ in range(6):\n"
        "    pid = os.fork()\n"
        "    if pid == 0:\n"
        "        block = bytearray(300 * 1024**2)\n"
        "        block[::4096] = b'x' * len(block[::4096])\n"
        "        time.sleep(2)\n"
        "        os._exit(0)\n"
        "    children.append(pid)\n"
        "print([os.waitpid(pid, 0)[1] for pid in children])\n"
    )
    run = run_attack(code)
    ended_with(run, "error", "the run ran out of memory (512 MB)")


@pytest.mark.slow
def test_a_loop_that_never_ends_and_a_sleep_that_never_ends_are_stopped(run_attack):
    """Both at once, each in a sandbox of its own: 5 s of CPU ends one, 10 s of wall the other."""
    with ThreadPoolExecutor(2) as runs:
        looping = runs.submit(run_attack, "while True:\n    pass\n")
        sleeping = runs.submit(run_attack, "import time\ntime.sleep(3600)\n")
    # On a busy machine 10 s of wall time can pass before the loop got its 5 s of CPU.
    loop = looping.result()
    if loop.report.status == "timeout":
        ended_with(loop, "timeout", "the run took longer than 10 s and was stopped")
    else:
        ended_with(loop, "error", "the run used more than 5 s of CPU")
    ended_with(sleeping.result(), "timeout", "the run took longer than 10 s and was stopped")


def test_printing_100_mb_is_stopped_and_the_output_is_cut(run_attack):
    run = run_attack("print('x' * 100_000_000)\n")
    ended_with(run, "error", "the run printed more than 1 MB and was stopped")
    assert len(run.report.output) == 64 * 1024 and run.report.output_cut


SIGNAL_ATTACK = """
import ctypes, json, os, signal
libc = ctypes.CDLL(None, use_errno=True)
seen = {"parent": os.getppid()}
PTRACE_ATTACH = 16
attached = libc.ptrace(PTRACE_ATTACH, os.getppid(), 0, 0) == 0
seen["ptrace"] = "attached" if attached else os.strerror(ctypes.get_errno())
try:
    os.kill(os.getppid(), signal.SIGKILL)
    seen["kill parent"] = "sent"
except OSError as exc:
    seen["kill parent"] = type(exc).__name__
try:
    os.kill(os.getpid() - 100, signal.SIGKILL)
    seen["kill other"] = "sent"
except OSError as exc:
    seen["kill other"] = type(exc).__name__
print(json.dumps(seen))
raise RuntimeError("still standing")
"""


def test_the_parent_can_be_neither_traced_nor_killed(run_attack):
    run = run_attack(SIGNAL_ATTACK)
    ended_with(run, "error", "still standing")
    seen = findings(run)
    assert seen["parent"] == 1  # bubblewrap's init: the server is not even visible
    assert seen["ptrace"] == "Operation not permitted"  # the seccomp filter
    assert seen["kill parent"] == "sent"  # and ignored: init takes no signal from inside
    assert seen["kill other"] == "ProcessLookupError"  # no other process is visible


def test_killing_everything_it_can_see_ends_only_the_run(run_attack):
    code = (
        "import os, signal, time\n"
        "if os.fork() == 0:\n"
        "    os.kill(-1, signal.SIGKILL)  # every process it may signal: the harness\n"
        "time.sleep(5)\n"
    )
    run = run_attack(code)
    ended_with(run, "error", "the run was killed (SIGKILL)")


def test_crashing_the_interpreter_is_an_error(run_attack):
    run = run_attack("import ctypes\nctypes.string_at(0)\n")
    ended_with(run, "error", "the Python interpreter crashed (segmentation fault)")


DAEMON_ATTACK = """
import os, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        time.sleep(120)  # a daemon that would outlive the run
    os._exit(0)
time.sleep(0.2)
raise RuntimeError("left a daemon behind")
"""


def test_a_double_forked_daemon_does_not_outlive_the_run(run_attack):
    run = run_attack(DAEMON_ATTACK)
    ended_with(run, "error", "left a daemon behind")  # and ended_with found no process left
