"""The sandbox as its own code sees it: the uid, the flags and the limits it runs under."""

import json
import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings

from exercises.sandbox import (
    SANDBOX_CPU_SHARES,
    WARM_NICE,
    Sandbox,
    _parse_result,
    cpu_cgroup_procs,
    processes_of,
)
from tests.exercises.conftest import descendants

INSPECT = """
import json, resource
status = dict(line.split(":", 1) for line in open("/proc/self/status").read().splitlines())
limits = {name: resource.getrlimit(getattr(resource, "RLIMIT_" + name))
          for name in ("NPROC", "AS", "FSIZE", "NOFILE", "CORE", "CPU")}
print(json.dumps({
    "uid": status["Uid"].split(), "no_new_privs": status["NoNewPrivs"].strip(),
    "seccomp": status["Seccomp"].strip(), "caps": status["CapEff"].strip(),
    "limits": limits,
}))
raise RuntimeError("inspected")
"""


def test_the_code_runs_unprivileged_with_no_new_privs_a_filter_and_the_limits(run_attack):
    run = run_attack(INSPECT)
    assert run.report.status == "error" and "inspected" in run.report.message
    seen = json.loads(run.outcome.output.strip().splitlines()[-1])
    assert set(seen["uid"]) == {"65534"}  # nobody, inside
    assert seen["no_new_privs"] == "1"
    assert seen["seccomp"] == "2"  # a filter is loaded
    assert int(seen["caps"], 16) == 0
    mb = 1024 * 1024
    limits = seen["limits"]
    assert limits["NPROC"] == [64, 64]
    assert limits["AS"] == [512 * mb, 512 * mb]
    assert limits["FSIZE"] == [10 * mb, 10 * mb]
    assert limits["NOFILE"] == [256, 256] and limits["CORE"] == [0, 0]
    soft, hard = limits["CPU"]  # 5 s from the run's start: what the warm-up used, plus 5
    assert 5 <= soft <= 10 and hard == soft + 1


def test_from_outside_every_process_of_a_sandbox_runs_as_its_own_uid(real_sandbox):
    sandbox = Sandbox.start()
    try:
        sandbox.wait_ready()
        tree = [sandbox.process.pid, *descendants(sandbox.process.pid)]
        assert len(tree) >= 3  # bubblewrap, its init, the harness
        for pid in tree:
            status = Path(f"/proc/{pid}/status").read_text()
            uids = next(line for line in status.splitlines() if line.startswith("Uid:"))
            assert set(uids.split()[1:]) == {str(sandbox.uid)}
            assert "NoNewPrivs:\t1" in status
            nice = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])
            assert nice == WARM_NICE  # warming up, it yields the CPU to runs and to the site
        assert sandbox.uid >= settings.EXERCISES_SANDBOX_UID_BASE
        assert sorted(processes_of(sandbox.uid)) == sorted(tree)
    finally:
        sandbox.close()
    assert processes_of(sandbox.uid) == []


def test_every_process_of_a_sandbox_weighs_little_against_the_site_on_the_cpu(real_sandbox):
    procs = cpu_cgroup_procs()
    if procs is None:
        pytest.skip("no cgroup v1 cpu controller here (or not root): sandboxes share the CPU")
    assert (procs.parent / "cpu.shares").read_text().strip() == str(SANDBOX_CPU_SHARES)
    sandbox = Sandbox.start()
    try:
        sandbox.wait_ready()
        tree = [sandbox.process.pid, *descendants(sandbox.process.pid)]
        members = {int(pid) for pid in procs.read_text().split()}
        assert set(tree) <= members  # bubblewrap's new session changes nothing here
        assert os.getpid() not in members  # the site itself keeps its full weight
    finally:
        sandbox.close()


def link(source: str, target: str) -> None:
    """A hard link where the file system allows one (a copy of 60 MB otherwise)."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def test_a_checkout_the_sandbox_user_cannot_reach_still_works(run_attack, settings, tmp_path):
    """pytest's tmp_path is 0700, as a checkout under /root or `mktemp -d` would be."""
    private = tmp_path / "private" / "venv"
    shutil.copytree(settings.EXERCISES_SANDBOX_VENV, private, symlinks=True, copy_function=link)
    settings.EXERCISES_SANDBOX_VENV = private
    run = run_attack("import django\nprint(django.__file__)\nraise RuntimeError('loaded')\n")
    assert run.report.status == "error" and "loaded" in run.report.message
    assert run.outcome.output.strip() == "/lab/venv/lib/python3.11/site-packages/django/__init__.py"


def test_only_the_harness_first_line_is_read_whatever_follows_it():
    answer = json.dumps({"result": {"status": "pass"}}).encode()
    noise = b"\r" * 4_000_000  # one line of four million breaks, for str.splitlines()
    assert _parse_result(answer + b"\n" + noise) == {"status": "pass"}
    assert _parse_result(noise + b"\n" + answer) is None  # noise first: no answer, not a hang
    assert _parse_result(b"[" * 100_000 + b"]" * 100_000) is None  # too deep: no answer
