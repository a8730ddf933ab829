"""The simulated upstream APIs as a process of their own, as real upstreams would be:

    python -m playground.upstream_server --port 8001 [--parent PID]

`./run` starts one and points the site at it with PLAYGROUND_UPSTREAM_URL, so a flood of
demo runs doesn't make the site's own event loop answer its own upstream calls too. With
`--parent`, it stops when that process does. The app is `playground.upstream.application`.
"""

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--parent", type=int, help="stop when this process stops")
    args = parser.parse_args()
    if args.parent:
        exit_with_parent()
        if os.getppid() != args.parent:  # it went away before we asked to be told
            return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    import uvicorn

    from playground.upstream import application

    uvicorn.run(
        application,
        host=args.host,
        port=args.port,
        lifespan="off",
        # One process, whatever WEB_CONCURRENCY says (uvicorn.run reads it as its default
        # worker count, and refuses workers for an app object).
        workers=1,
        access_log=False,
        log_level="warning",
        backlog=2048,
    )


if __name__ == "__main__":
    main()
