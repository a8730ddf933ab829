"""Start the real ASGI server (Daphne) in a subprocess, as `./run` does, on a free port."""

import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
LISTENING = re.compile(r"Listening on TCP address [\d.]+:(\d+)")


@dataclass
class RunningServer:
    url: str
    process: subprocess.Popen
    log_path: Path
    lessons_dir: Path
    env: dict[str, str] = field(default_factory=dict)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def server_env(workdir: Path, **extra: str) -> dict[str, str]:
    lessons_dir = workdir / "content"
    if not lessons_dir.exists():
        shutil.copytree(BASE_DIR / "lessons" / "content", lessons_dir)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "test-secret-key-" + "x" * 40,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_LESSONS_DIR": str(lessons_dir),
        "PYTHONUNBUFFERED": "1",
    }
    if "DATABASE_URL" not in os.environ:
        env["DATABASE_URL"] = f"sqlite:///{workdir / 'db.sqlite3'}"
    env.update(extra)
    return env


def start_daphne(workdir: Path, **extra: str) -> RunningServer:
    env = server_env(workdir, **extra)
    python = str(BIN / "python")
    for command in (["migrate", "--no-input", "-v", "0"], ["load_demo_data"]):
        subprocess.run([python, "manage.py", *command], cwd=BASE_DIR, env=env, check=True)
    log_path = workdir / "server.log"
    log = log_path.open("w")
    process = subprocess.Popen(
        [
            str(BIN / "daphne"),
            "-e",
            "tcp:port=0:interface=127.0.0.1:backlog=2048",
            "config.asgi:application",
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    # Wait for Daphne to say which port it took; give up if it dies or takes too long.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        match = LISTENING.search(log_path.read_text(errors="replace"))
        if match:
            url = f"http://127.0.0.1:{match.group(1)}"
            return RunningServer(url, process, log_path, Path(env["DJANGO_LESSONS_DIR"]), env)
        if process.poll() is not None:
            break
        time.sleep(0.05)
    process.kill()
    raise RuntimeError("Daphne did not start:\n" + log_path.read_text(errors="replace"))
