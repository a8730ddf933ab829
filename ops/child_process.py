"""What a process ./run starts beside the server shares (the simulated upstreams, the exercise
runner): its arguments end with --parent PID, it stops when that process does, and Django is
set up before it serves."""

import argparse
import ctypes
import os
import signal

import django


def exit_with_parent() -> None:
    """Linux: have the kernel send SIGTERM when the process that started us goes away."""
    libc = ctypes.CDLL(None, use_errno=True)
    pr_set_pdeathsig = 1
    libc.prctl(pr_set_pdeathsig, signal.SIGTERM)


def start(parser: argparse.ArgumentParser) -> argparse.Namespace | None:
    """The parsed arguments, once Django is set up; None when the parent is gone already."""
    parser.add_argument("--parent", type=int, help="stop when this process stops")
    args = parser.parse_args()
    if args.parent:
        exit_with_parent()
        if os.getppid() != args.parent:  # it went away before we asked to be told
            return None
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    return args
