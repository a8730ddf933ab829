"""One sandbox process: bubblewrap, an unprivileged uid of its own, limits, and the harness inside.

    sandbox = Sandbox.start()          # warms up: Python and Django loaded, tables created
    sandbox.wait_ready()
    outcome = sandbox.run(job)         # used once, then gone with every process it started

What the sandbox is, from the outside in:
- `prlimit` sets the limits bubblewrap does not (CPU, address space, processes, file size, open
  files, no core dumps), then `setpriv` drops to a uid of this sandbox's own (61000 and up, one
  per live sandbox, so that one sandbox's processes never count against another's limit; root's
  processes are exempt from RLIMIT_NPROC, so the uid must not be 0), with no_new_privs.
- bubblewrap unshares every namespace (its own network: loopback only), binds read-only the
  system's /usr, the sandbox's virtual environment and the few project files the harness needs
  (never the database, settings, .env or .git), gives it a private 64 MB /tmp, fresh /proc and
  /dev, a read-only root, a clean environment, a seccomp filter (exercises/seccomp.py), and kills
  it when the server that started it dies.
- Where the machine has a cgroup v1 memory controller, the whole sandbox (every process, and the
  files in its /tmp) is also held to the memory limit.
The wall-time and output limits are enforced from here; at the end the whole process group is
killed, and so is anything still running under the sandbox's uid.
"""

import contextlib
import fcntl
import functools
import json
import logging
import os
import queue
import selectors
import shlex
import shutil
import signal
import stat
import subprocess
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings

from . import seccomp

logger = logging.getLogger(__name__)

HARNESS_DIR = Path(__file__).resolve().parent / "harness"
INSIDE = Path("/lab")  # where the sandbox sees its virtual environment and the harness
STAGE = Path("/run/interview-lab-sandbox")  # their mount points on this machine (root's)
# The project files the harness imports, besides its own folder.
PLAYGROUND_FILES = ("__init__.py", "tracing.py", "upstream.py", "registry.py")
SANDBOX_UID_INSIDE = 65534  # "nobody", as the learner's code sees itself
READY_TIMEOUT = 20.0
WARM_NICE = 19
RUN_NICE = 0  # among the sandbox's own processes; against the site's, see cpu_cgroup_procs()
# The sandboxes' CPU group's weight against the site's 1024 (cgroup v1 cpu.shares).
SANDBOX_CPU_SHARES = 128
RESULT_LIMIT = 4 * 1024 * 1024  # bytes of result JSON the parent reads at most
LOCK_DIR = Path("/tmp/interview-lab-sandboxes")


@dataclass(frozen=True)
class Limits:
    wall_seconds: float = 10.0
    cpu_seconds: int = 5
    memory_mb: int = 512
    processes: int = 64
    file_mb: int = 10
    output_kb: int = 64  # kept and shown; beyond it the output is cut, and the result says so
    output_stop_kb: int = 1024  # a run that prints more than this is stopped
    tmp_mb: int = 64
    open_files: int = 256

    @classmethod
    def from_settings(cls) -> "Limits":
        return cls(
            wall_seconds=settings.EXERCISES_WALL_SECONDS,
            cpu_seconds=settings.EXERCISES_CPU_SECONDS,
            memory_mb=settings.EXERCISES_MEMORY_MB,
        )


@dataclass
class Outcome:
    """What came back from one run: the harness's result, or why there is none."""

    status: str  # "ran" (the harness answered), "error" or "timeout"
    message: str | None = None
    result: dict[str, Any] | None = None
    output: str = ""
    output_cut: bool = False
    wall_ms: float = 0.0
    warm_ms: float | None = None
    out_of_memory: bool = False  # the memory cgroup killed a process of the run

    def as_json(self) -> dict:
        return {
            "out_of_memory": self.out_of_memory,
            "status": self.status,
            "message": self.message,
            "result": self.result,
            "output": self.output,
            "output_cut": self.output_cut,
            "wall_ms": self.wall_ms,
            "warm_ms": self.warm_ms,
        }

    @classmethod
    def from_json(cls, data: dict) -> "Outcome":
        return cls(**data)


class SandboxUnavailable(Exception):
    """No sandbox can be made on this machine; the message says why."""


# --- Can a sandbox be made here?

TOOL_PACKAGES = {
    "bwrap": "bubblewrap",
    "setpriv": "util-linux",
    "prlimit": "util-linux",
    "unshare": "util-linux",
    "mount": "mount",
    "nice": "coreutils",
}
TOOLS = {tool: shutil.which(tool, path="/usr/bin:/bin") for tool in TOOL_PACKAGES}
_startup_failure: tuple[float, str] | None = None
STARTUP_FAILURE_MEMORY = 60.0  # seconds a failed start is remembered before trying again


def unavailable_reason() -> str | None:
    """Why no sandbox can be made here, in a sentence; None when one can."""
    if _startup_failure and time.monotonic() - _startup_failure[0] < STARTUP_FAILURE_MEMORY:
        return _startup_failure[1]
    if os.geteuid() != 0:
        return (
            "exercises need the process that runs them to be root, to start each sandbox "
            "under an unprivileged uid of its own"
        )
    for tool, package in TOOL_PACKAGES.items():
        if not TOOLS.get(tool):
            return f"{tool} is not installed (Debian package {package})"
    if not seccomp.supported():
        return "the sandbox's seccomp filter knows only x86_64 and aarch64 processors"
    for knob, name in (
        ("/proc/sys/user/max_user_namespaces", "user.max_user_namespaces"),
        ("/proc/sys/kernel/unprivileged_userns_clone", "kernel.unprivileged_userns_clone"),
    ):
        with contextlib.suppress(OSError, ValueError):
            if int(Path(knob).read_text()) == 0:
                return f"user namespaces are turned off on this machine ({name} = 0)"
    venv = sandbox_venv()
    if not (venv / "bin" / "python").exists():
        return f"the sandbox's Python environment {venv} is missing: ./run builds it"
    if not _venv_current(venv):
        return f"the sandbox's Python environment {venv} is out of date: ./run rebuilds it"
    for source, _ in mounts():
        unreadable = _unreadable_inside(source)
        if unreadable:
            return (
                f"{unreadable} cannot be read by the sandbox's unprivileged user "
                "(chmod -R o+rX it, or clone with the default umask)"
            )
    return None


def sandbox_venv() -> Path:
    return Path(settings.EXERCISES_SANDBOX_VENV)


def requirements_file() -> Path:
    return Path(__file__).resolve().parent / "sandbox-requirements.txt"


def _venv_current(venv: Path) -> bool:
    """./run writes the requirements' hash into the venv when it installs them."""
    import hashlib

    stamp = venv / ".installed"
    want = hashlib.sha256(requirements_file().read_bytes()).hexdigest()
    return stamp.exists() and stamp.read_text().strip() == want


def _unreadable_inside(path: Path) -> Path | None:
    """A file or folder of what is bound into the sandbox that others cannot read (or, for a
    folder, enter); only the top levels are looked at, and the packages the harness imports."""
    paths = [path]
    if path.is_dir():
        paths += sorted(path.iterdir())
        paths += [path / "lib", *sorted(path.glob("lib/python3*/site-packages/django/__init__.py"))]
    for item in paths:
        with contextlib.suppress(OSError):
            mode = os.stat(item).st_mode
            needed = 0o005 if stat.S_ISDIR(mode) else 0o004
            if mode & needed != needed:
                return item
    return None


def _remember_startup_failure(reason: str) -> None:
    global _startup_failure
    _startup_failure = (time.monotonic(), reason)


# --- A uid per live sandbox.


class UidLease:
    """An unprivileged uid that no other live sandbox (in any process) holds, and no process
    runs as: a lock file per uid, held while the sandbox lives."""

    def __init__(self, uid: int, handle) -> None:
        self.uid = uid
        self._handle = handle

    @classmethod
    def take(cls) -> "UidLease":
        LOCK_DIR.mkdir(mode=0o700, exist_ok=True)
        base, count = settings.EXERCISES_SANDBOX_UID_BASE, settings.EXERCISES_SANDBOX_UIDS
        busy = _uids_running()
        for uid in range(base, base + count):
            if uid in busy:
                continue
            handle = open(LOCK_DIR / f"uid-{uid}.lock", "a")  # noqa: SIM115 - held for the lease
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                continue
            return cls(uid, handle)
        raise SandboxUnavailable(f"all {count} sandbox uids from {base} are in use")

    def release(self) -> None:
        fcntl.flock(self._handle, fcntl.LOCK_UN)
        self._handle.close()


def _uids_running() -> set[int]:
    uids = set()
    for pid in _pids():
        uid = _real_uid(pid)
        if uid is not None:
            uids.add(uid)
    return uids


def _pids() -> list[int]:
    return [int(name) for name in os.listdir("/proc") if name.isdigit()]


def _real_uid(pid: int) -> int | None:
    """The real uid of a live process (not a zombie), or None. Read from its status, which a
    process cannot change (/proc/<pid>'s owner it can: a process that is not dumpable has its
    files owned by root). Bytes and one read, as a scan does this for every process."""
    try:
        fd = os.open(f"/proc/{pid}/status", os.O_RDONLY)
    except OSError:
        return None
    try:
        text = os.read(fd, 1024)  # State and Uid come in the first few lines
    except OSError:
        return None
    finally:
        os.close(fd)
    if b"\nState:\tZ" in text:
        return None
    _, found, rest = text.partition(b"\nUid:\t")
    return int(rest.split(b"\t", 1)[0]) if found else None


def processes_of(uid: int) -> list[int]:
    """Live processes running as `uid` (what must be gone after a run)."""
    return [pid for pid in _pids() if _real_uid(pid) == uid]


def kill_uid(uid: int, cgroup: "MemoryCgroup | None" = None) -> None:
    """End every process a sandbox has: first those in its cgroup, where it has one (a file
    lists them, and no process of the sandbox can leave it), then any still running as its
    uid (a scan of /proc, once if the cgroup has done the work)."""
    if cgroup is not None:
        for _ in range(20):
            pids = cgroup.pids()
            if not pids:
                break
            _kill_all(pids)
            time.sleep(0.005)
    for _ in range(20):
        pids = processes_of(uid)
        if not pids:
            return
        _kill_all(pids)
        time.sleep(0.01)
    logger.error("sandbox uid %s still has processes %s", uid, processes_of(uid))


def _kill_all(pids: list[int]) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


# --- cgroup v1: the CPU and the memory of the sandboxes.


def _own_cgroup(controller: str) -> str:
    """This process's cgroup in the v1 hierarchy of `controller`, relative to its root."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _, controllers, cgroup_path = line.split(":", 2)
            if controller in controllers.split(","):
                return cgroup_path.lstrip("/")
    return ""


# --- The CPU: the site's pages first, where a cgroup v1 cpu controller allows it.


@functools.cache
def cpu_cgroup_procs() -> Path | None:
    """The cgroup.procs file of one CPU group all sandboxes share, made on first use beside
    this process's own, with SANDBOX_CPU_SHARES: while the site and the sandboxes both want
    the CPU, the site gets 8 parts in 9, and the sandboxes share the rest (they get all of it
    when the site is idle). Nice values cannot do this: each sandbox is a session of its own
    (bubblewrap's --new-session), and where the kernel groups sessions for the scheduler
    (autogroup, on by default) a nice value weighs only within its session. None where there
    is no such controller or we are not root: then the sandboxes share the CPU evenly."""
    root = Path("/sys/fs/cgroup/cpu")
    if not (root / "cpu.shares").exists() or os.geteuid() != 0:
        return None
    path = root / _own_cgroup("cpu") / "interview-lab-sandboxes"
    try:
        path.mkdir(exist_ok=True)
        (path / "cpu.shares").write_text(str(SANDBOX_CPU_SHARES))
    except OSError as exc:
        logger.info("no CPU group for the sandboxes (%s): they share the CPU evenly", exc)
        return None
    return path / "cgroup.procs"


# --- Memory for the whole sandbox, where a cgroup v1 memory controller allows it.


class MemoryCgroup:
    def __init__(self, path: Path) -> None:
        self.path = path

    @staticmethod
    def parent() -> Path | None:
        """This process's own memory cgroup, where the sandboxes' cgroups are made."""
        root = Path("/sys/fs/cgroup/memory")
        if not (root / "memory.limit_in_bytes").exists() or os.geteuid() != 0:
            return None
        return root / _own_cgroup("memory")

    @classmethod
    def sweep(cls) -> int:
        """Remove the empty sandbox cgroups an earlier server of ours left (a cgroup with a
        process in it cannot be removed, so a live sandbox keeps its own); return how many."""
        parent = cls.parent()
        removed = 0
        for path in parent.glob("interview-lab-*") if parent else []:
            with contextlib.suppress(OSError):
                path.rmdir()
                removed += 1
        return removed

    @classmethod
    def create(cls, name: str, limit_bytes: int) -> "MemoryCgroup | None":
        parent = cls.parent()
        if parent is None:
            return None
        path = parent / name
        try:
            path.mkdir(exist_ok=True)
            (path / "memory.limit_in_bytes").write_text(str(limit_bytes))
            with contextlib.suppress(OSError):  # present only with swap accounting
                (path / "memory.memsw.limit_in_bytes").write_text(str(limit_bytes))
        except OSError as exc:
            logger.info("no memory cgroup for the sandbox (%s); rlimits only", exc)
            with contextlib.suppress(OSError):
                path.rmdir()
            return None
        return cls(path)

    @property
    def procs_file(self) -> Path:
        return self.path / "cgroup.procs"

    def pids(self) -> list[int]:
        """The processes in this cgroup now."""
        try:
            return [int(line) for line in self.procs_file.read_text().split()]
        except OSError:
            return []

    def oom_kills(self) -> int:
        with contextlib.suppress(OSError, ValueError):
            for line in (self.path / "memory.oom_control").read_text().splitlines():
                if line.startswith("oom_kill "):
                    return int(line.split()[1])
            return int((self.path / "memory.failcnt").read_text()) and 1
        return 0

    def remove(self) -> None:
        for _ in range(50):
            try:
                self.path.rmdir()
                return
            except OSError:
                time.sleep(0.01)  # the last processes are still leaving
        logger.warning("could not remove %s", self.path)


# --- Starting processes from one long-lived thread.


class _Spawner:
    """Every sandbox is started from this one thread: bubblewrap's --die-with-parent is
    PR_SET_PDEATHSIG, which fires when the *thread* that started it ends, so a sandbox started
    from a short-lived worker thread would be killed with that thread."""

    def __init__(self) -> None:
        self._requests: queue.Queue[tuple[list[str], dict, Future]] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._pid = 0

    def popen(self, args: list[str], **kwargs: Any) -> subprocess.Popen:
        with self._lock:
            if self._thread is None or not self._thread.is_alive() or self._pid != os.getpid():
                self._pid = os.getpid()
                self._thread = threading.Thread(
                    target=self._serve, name="sandbox-spawner", daemon=True
                )
                self._thread.start()
        future: Future = Future()
        self._requests.put((args, kwargs, future))
        return future.result()

    def _serve(self) -> None:
        while True:
            args, kwargs, future = self._requests.get()
            try:
                future.set_result(subprocess.Popen(args, **kwargs))
            except BaseException as exc:
                future.set_exception(exc)


_spawner = _Spawner()


# --- The sandbox.


def mounts() -> list[tuple[Path, Path]]:
    """What the sandbox sees under INSIDE, from where it lives (anywhere: even under /root)."""
    playground = Path(settings.BASE_DIR) / "playground"
    return [
        (sandbox_venv(), STAGE / "venv"),
        (HARNESS_DIR, STAGE / "exercises" / "harness"),
        *((playground / name, STAGE / "playground" / name) for name in PLAYGROUND_FILES),
    ]


def _prepare_stage() -> None:
    """Empty mount points, made once by root; each sandbox mounts onto them privately."""
    for source, target in mounts():
        if source.is_dir():
            target.mkdir(mode=0o755, parents=True, exist_ok=True)
        else:
            target.parent.mkdir(mode=0o755, parents=True, exist_ok=True)
            target.touch(mode=0o644, exist_ok=True)


def bwrap_arguments(limits: Limits, *, seccomp_fd: int, result_fd: int) -> list[str]:
    args = [
        TOOLS["bwrap"],
        "--unshare-all",
        "--unshare-user",
        "--disable-userns",
        "--die-with-parent",
        "--new-session",
        "--uid", str(SANDBOX_UID_INSIDE),
        "--gid", str(SANDBOX_UID_INSIDE),
        "--hostname", "sandbox",
        "--ro-bind", "/usr", "/usr",
    ]  # fmt: skip
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64"):
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    args += [
        "--ro-bind", str(STAGE), str(INSIDE),
        "--ro-bind", str(STAGE / "exercises" / "harness" / "etc" / "hosts"), "/etc/hosts",
        "--size", str(limits.tmp_mb * 1024 * 1024), "--tmpfs", "/tmp",
        "--proc", "/proc",
        "--dev", "/dev",
        "--remount-ro", "/dev",
        "--remount-ro", "/",
        "--chdir", "/tmp",
        "--clearenv",
        "--setenv", "PATH", "/usr/bin:/bin",
        "--setenv", "HOME", "/tmp",
        "--setenv", "TMPDIR", "/tmp",
        "--setenv", "LANG", "C.UTF-8",
        # Each thread's malloc arena reserves 64 MB of address space; RLIMIT_AS counts it.
        "--setenv", "MALLOC_ARENA_MAX", "2",
        "--seccomp", str(seccomp_fd),
        "--",
        str(INSIDE / "venv" / "bin" / "python"), "-I", "-B",
        str(INSIDE / "exercises" / "harness" / "boot.py"),
        "--result-fd", str(result_fd),
    ]  # fmt: skip
    return args


def command(
    limits: Limits, uid: int, *, seccomp_fd: int, result_fd: int, cgroup: Path | None = None
) -> list[str]:
    """The whole chain, each step as root until setpriv: yield the CPU while warming; a mount
    namespace of its own where what the sandbox needs is bound onto STAGE (so the checkout
    may live where the sandbox's uid could not reach it); the cgroup, if any; the limits; the
    uid; bubblewrap."""
    script = ["set -e"]
    cpu_group = cpu_cgroup_procs()
    if cpu_group is not None:
        # In the sandboxes' CPU group, every process the sandbox ever has weighs little
        # against the site's when both want the CPU (see cpu_cgroup_procs).
        script.append(f"echo $$ > {shlex.quote(str(cpu_group))}")
    if cgroup is not None:
        # Join the cgroup first, so that every process the sandbox ever has is in it.
        script.append(f"echo $$ > {shlex.quote(str(cgroup))}")
    script += [
        f"{TOOLS['mount']} --bind {shlex.quote(str(source))} {shlex.quote(str(target))}"
        for source, target in mounts()
    ]
    script.append('exec "$@"')
    mb = 1024 * 1024
    return [
        # A warming sandbox yields the CPU to everything else; its run gets RUN_NICE back
        # (Sandbox.run), so a replacement warming up does not slow the run it replaces.
        TOOLS["nice"], f"--adjustment={WARM_NICE}",
        TOOLS["unshare"], "--mount", "--propagation", "private",
        "/bin/sh", "-c", "\n".join(script), "sandbox",
        TOOLS["prlimit"],
        # The warm-up's CPU is not the run's: the harness lowers this to its own use plus
        # cpu_seconds when the run arrives (lowering is always allowed; raising is not).
        f"--cpu={limits.cpu_seconds + 25}:{limits.cpu_seconds + 26}",
        f"--as={limits.memory_mb * mb}",
        f"--nproc={limits.processes}",
        f"--fsize={limits.file_mb * mb}",
        f"--nofile={limits.open_files}",
        "--core=0",
        TOOLS["setpriv"],
        f"--reuid={uid}", f"--regid={uid}",
        "--clear-groups", "--no-new-privs", "--inh-caps=-all", "--bounding-set=-all",
        *bwrap_arguments(limits, seccomp_fd=seccomp_fd, result_fd=result_fd),
    ]  # fmt: skip


@dataclass
class Sandbox:
    process: subprocess.Popen
    lease: UidLease
    result_r: int
    output_r: int
    limits: Limits
    cgroup: MemoryCgroup | None
    started: float = field(default_factory=time.monotonic)
    ready: bool = False
    warm_ms: float | None = None
    _result_buffer: bytearray = field(default_factory=bytearray)
    _closed: bool = False
    _killed: bool = False

    @classmethod
    def start(cls, limits: Limits | None = None) -> "Sandbox":
        reason = unavailable_reason()
        if reason:
            raise SandboxUnavailable(reason)
        limits = limits or Limits.from_settings()
        lease = UidLease.take()
        cgroup = MemoryCgroup.create(f"interview-lab-{lease.uid}", limits.memory_mb * 1024 * 1024)
        result_r, result_w = os.pipe()
        output_r, output_w = os.pipe()
        seccomp_r, seccomp_w = os.pipe()
        os.write(seccomp_w, seccomp.program())
        os.close(seccomp_w)
        _prepare_stage()
        args = command(
            limits,
            lease.uid,
            seccomp_fd=seccomp_r,
            result_fd=result_w,
            cgroup=cgroup.procs_file if cgroup else None,
        )
        try:
            process = _spawner.popen(
                args,
                stdin=subprocess.PIPE,
                stdout=output_w,
                stderr=output_w,
                pass_fds=(result_w, seccomp_r),
                env={},
                cwd="/",
                start_new_session=True,
            )
        except BaseException:
            for fd in (result_r, result_w, output_r, output_w, seccomp_r):
                os.close(fd)
            if cgroup:
                cgroup.remove()
            lease.release()
            raise
        for fd in (result_w, output_w, seccomp_r):
            os.close(fd)
        os.set_blocking(result_r, False)
        os.set_blocking(output_r, False)
        return cls(process, lease, result_r, output_r, limits, cgroup)

    @property
    def uid(self) -> int:
        return self.lease.uid

    def alive(self) -> bool:
        return not self._closed and self.process.poll() is None

    def wait_ready(self, timeout: float = READY_TIMEOUT) -> None:
        """Block until the harness has warmed up; raise SandboxUnavailable if it never does."""
        if self.ready:
            return
        deadline = time.monotonic() + timeout
        output = bytearray()
        with selectors.DefaultSelector() as selector:
            selector.register(self.result_r, selectors.EVENT_READ)
            selector.register(self.output_r, selectors.EVENT_READ)
            while b"\n" not in self._result_buffer and selector.get_map():
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                for key, _ in selector.select(min(left, 0.5)):
                    chunk = _read(key.fd)
                    if chunk is None:
                        continue
                    if not chunk:
                        selector.unregister(key.fd)
                    elif key.fd == self.result_r:
                        self._result_buffer += chunk
                    elif len(output) < 8192:
                        output += chunk
        line, _, rest = bytes(self._result_buffer).partition(b"\n")
        try:
            ready = json.loads(line)["ready"] is True
        except (ValueError, KeyError, TypeError):
            ready = False
        if not ready:
            code = self.process.poll()
            self.close()
            said = output.decode(errors="replace").strip().splitlines()[-3:]
            reason = "the sandbox did not start" + (
                f" (exit code {code})" if code is not None else f" within {timeout:.0f} s"
            )
            if said:
                reason += ": " + " / ".join(said)
            logger.error("%s", reason)
            _remember_startup_failure(reason)
            raise SandboxUnavailable(reason)
        self._result_buffer = bytearray(rest)
        self.warm_ms = json.loads(line).get("warm_ms")
        self.ready = True

    def run(self, job: dict) -> Outcome:
        """Send the run, collect what comes back within the limits, then end the sandbox."""
        try:
            return self._run(job)
        finally:
            self.close()

    def _run(self, job: dict) -> Outcome:
        limits = self.limits
        # Normal priority from now on, for every process and thread of the sandbox's uid (only
        # root may raise a priority): also for the rest of its warm-up, if a run waits for it.
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_USER, self.uid, RUN_NICE)
        self.wait_ready()
        _drain(self.output_r)  # whatever the warm-up printed is not the learner's
        start = time.monotonic()
        deadline = start + limits.wall_seconds
        payload = json.dumps(
            {**job, "cpu_seconds": limits.cpu_seconds, "wall_seconds": limits.wall_seconds}
        ).encode()
        try:
            assert self.process.stdin is not None
            self.process.stdin.write(payload)
            self.process.stdin.close()
        except BrokenPipeError:
            pass
        output = bytearray()
        printed = 0
        timed_out = too_much_output = False
        result_buffer = self._result_buffer
        with selectors.DefaultSelector() as selector:
            selector.register(self.result_r, selectors.EVENT_READ)
            selector.register(self.output_r, selectors.EVENT_READ)
            while selector.get_map():
                left = deadline - time.monotonic()
                if left <= 0:
                    timed_out = True
                    break
                for key, _ in selector.select(min(left, 0.5)):
                    chunk = _read(key.fd)
                    if chunk is None:
                        continue
                    if not chunk:
                        selector.unregister(key.fd)
                    elif key.fd == self.result_r:
                        result_buffer += chunk[: RESULT_LIMIT - len(result_buffer)]
                    else:
                        printed += len(chunk)
                        output += chunk[: limits.output_kb * 1024 - len(output)]
                if printed > limits.output_stop_kb * 1024:
                    too_much_output = True
                    break
                if b"\n" in result_buffer and self.process.poll() is not None:
                    break
        self._kill()
        wall_ms = (time.monotonic() - start) * 1000
        # What the sandbox printed before it was stopped still counts.
        output += _drain(self.output_r)[: max(0, limits.output_kb * 1024 - len(output))]
        printed = max(printed, len(output))
        text = output.decode("utf-8", errors="replace")
        cut = printed > limits.output_kb * 1024
        common = {
            "output": text,
            "output_cut": cut,
            "wall_ms": round(wall_ms, 1),
            "warm_ms": self.warm_ms,
            "out_of_memory": bool(self.cgroup and self.cgroup.oom_kills()),
        }
        if too_much_output:
            message = (
                f"the run printed more than {limits.output_stop_kb // 1024} MB and was stopped "
                f"(a run may print {limits.output_kb} KB; the output shown is cut there)"
            )
            return Outcome("error", message, **common)
        result = _parse_result(bytes(result_buffer))
        if result is not None:
            return Outcome("ran", None, result=result, **common)
        if timed_out:
            message = f"the run took longer than {limits.wall_seconds:g} s and was stopped"
            return Outcome("timeout", message, **common)
        return Outcome("error", self._why_it_ended(), **common)

    def _why_it_ended(self) -> str:
        limits = self.limits
        code = self.process.returncode
        if self.cgroup is not None and self.cgroup.oom_kills():
            return f"the run ran out of memory ({limits.memory_mb} MB)"
        if code is not None and code > 128:
            number = code - 128
            if number == signal.SIGXCPU:
                return f"the run used more than {limits.cpu_seconds} s of CPU"
            if number == signal.SIGXFSZ:
                return f"the run wrote a file larger than {limits.file_mb} MB"
            if number == signal.SIGSEGV:
                return "the Python interpreter crashed (segmentation fault)"
            if number == signal.SIGABRT:
                return "the Python interpreter aborted"
            if number == signal.SIGKILL:
                return (
                    f"the run was killed (SIGKILL): it used more than {limits.cpu_seconds} s "
                    "of CPU, or ran out of memory"
                )
            return f"the run was ended by signal {signal.Signals(number).name}"
        return f"the run ended without a result (exit code {code})"

    def _kill(self) -> None:
        if self._killed:
            return
        self._killed = True
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5)
        kill_uid(self.uid, self.cgroup)

    def close(self) -> None:
        """End the sandbox and everything in it; give back its uid."""
        if self._closed:
            return
        self._closed = True
        self._kill()
        if self.process.stdin:
            with contextlib.suppress(OSError):
                self.process.stdin.close()
        for fd in (self.result_r, self.output_r):
            with contextlib.suppress(OSError):
                os.close(fd)
        if self.cgroup is not None:
            self.cgroup.remove()
        self.lease.release()


def _read(fd: int) -> bytes | None:
    """A chunk, b"" at the end of the stream, None when there is nothing to read after all."""
    try:
        return os.read(fd, 65536)
    except BlockingIOError:
        return None
    except OSError:
        return b""


def _drain(fd: int) -> bytearray:
    data = bytearray()
    while len(data) < 2 * 1024 * 1024:
        try:
            chunk = os.read(fd, 65536)
        except (BlockingIOError, OSError):
            break
        if not chunk:
            break
        data += chunk
    return data


def _parse_result(buffer: bytes) -> dict | None:
    """The harness answers with one JSON line. Only the first line is read, and parsed once:
    learner code can write to the pipe too, and must not make this process parse four
    million empty lines or JSON nested too deep to parse."""
    line = buffer.split(b"\n", 1)[0]
    try:
        data = json.loads(line)
    except (ValueError, RecursionError):
        return None
    if isinstance(data, dict) and isinstance(data.get("result"), dict):
        return data["result"]
    return None
