"""Lesson page throughput and p99: Daphne, 1 and 2 Uvicorn workers; SQLite and PostgreSQL.

    .venv/bin/python bench/serving.py            # needs wrk (apt-get install wrk)

Each server is started fresh in production settings (DEBUG off, collected static files);
wrk drives the lesson page with 32 connections for 10 s after a 2 s warm-up. PostgreSQL
rows run when DATABASE_URL names PostgreSQL or one answers on 127.0.0.1:5432.
"""

import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.servers import RunningServer, scratch_dir, start_daphne, start_uvicorn  # noqa: E402

PATH = "/lessons/async-views/"
CONNECTIONS, SECONDS = 32, 10


def wrk(url: str, seconds: int) -> tuple[float, float]:
    out = subprocess.run(
        ["wrk", "-t", "2", "-c", str(CONNECTIONS), "-d", f"{seconds}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    scale = {"us": 0.001, "ms": 1, "s": 1000}[p99.group(2)]
    return rps, float(p99.group(1)) * scale


def measure(server: RunningServer) -> tuple[float, float]:
    wrk(server.url + PATH, 2)  # warm-up
    return wrk(server.url + PATH, SECONDS)


def postgres_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        return url
    with socket.socket() as probe:
        probe.settimeout(1)
        if probe.connect_ex(("127.0.0.1", 5432)) == 0:
            return "postgres://postgres@127.0.0.1:5432/postgres"
    return ""


def main() -> None:
    if not shutil.which("wrk"):
        sys.exit("bench/serving.py needs wrk: apt-get install wrk")
    databases = {"SQLite": ""}
    if pg := postgres_url():
        databases["PostgreSQL"] = pg
    servers = {
        "Daphne (1 process)": lambda d, **e: start_daphne(d, **e),
        "Uvicorn, 1 worker": lambda d, **e: start_uvicorn(d, 1, **e),
        "Uvicorn, 2 workers": lambda d, **e: start_uvicorn(d, 2, **e),
    }
    print(f"GET {PATH}, wrk {CONNECTIONS} connections x {SECONDS} s, {os.cpu_count()} CPUs")
    print(f"{'server':<22} {'database':<11} {'req/s':>8} {'p99':>9}")
    results: dict[tuple[str, str], float] = {}
    for database, url in databases.items():
        if url:
            os.environ["DATABASE_URL"] = url
        else:
            os.environ.pop("DATABASE_URL", None)
        for name, start in servers.items():
            server = start(scratch_dir("bench-serving-"), DJANGO_REQUEST_LOG="0")
            try:
                rps, p99 = measure(server)
            finally:
                server.stop()
            results[name, database] = rps
            print(f"{name:<22} {database:<11} {rps:>8.0f} {p99:>7.1f}ms")
    for database in databases:
        ratio = results["Uvicorn, 2 workers", database] / results["Uvicorn, 1 worker", database]
        print(f"{database}: 2 workers / 1 worker = {ratio:.2f}x")


if __name__ == "__main__":
    main()
