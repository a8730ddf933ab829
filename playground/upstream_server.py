"""The simulated upstream APIs as a process of their own, as real upstreams would be:

    python -m playground.upstream_server --port 8001 [--parent PID]

`./run` starts one and points the site at it with PLAYGROUND_UPSTREAM_URL, so a flood of
demo runs doesn't make the site's own event loop answer its own upstream calls too. With
`--parent`, it stops when that process does. The app is `playground.upstream.application`.
"""

import argparse

from ops.child_process import start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = start(parser)
    if args is None:
        return
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
