"""Uvicorn's HTTP protocol with Nagle's algorithm off on every connection.

With `--workers N` Uvicorn binds the listening socket itself, leaving its protocol number at 0;
accepted sockets inherit it, and asyncio turns TCP_NODELAY on only for sockets that say
IPPROTO_TCP. Uvicorn writes a response's headers and its body separately, so on a kept-alive
connection the body then waits for the client's delayed ACK: about 40 ms on every request but
the first (https://github.com/Kludex/uvicorn/issues/3149). `./run serve --workers N` starts
Uvicorn with `--http ops.uvicorn:H11Protocol`; Gunicorn takes `-k ops.uvicorn.UvicornWorker`.
"""

import asyncio
import socket

import uvicorn_worker
from uvicorn.protocols.http.h11_impl import H11Protocol as UvicornH11Protocol


class H11Protocol(UvicornH11Protocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)


class UvicornWorker(uvicorn_worker.UvicornWorker):
    """Gunicorn's Uvicorn worker with that protocol (Gunicorn binds its sockets the same way):
    `gunicorn -k ops.uvicorn.UvicornWorker`."""

    CONFIG_KWARGS = {
        **uvicorn_worker.UvicornWorker.CONFIG_KWARGS,
        "http": "ops.uvicorn:H11Protocol",
    }
