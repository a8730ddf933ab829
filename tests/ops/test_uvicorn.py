"""Uvicorn's workers as ./run serve --workers N starts them: Nagle's algorithm off."""

import asyncio
import socket

from uvicorn.config import Config
from uvicorn.server import ServerState


async def app(scope, receive, send) -> None:
    raise AssertionError("no request is made")


async def serve_accepted(accepted: socket.socket) -> int:
    config = Config(app=app, http="ops.uvicorn:H11Protocol", lifespan="off", log_config=None)
    config.load()
    protocol = config.http_protocol_class(config=config, server_state=ServerState(), app_state={})
    loop = asyncio.get_running_loop()
    transport, _ = await loop.connect_accepted_socket(lambda: protocol, accepted)
    try:
        return accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
    finally:
        transport.close()


def test_a_connection_on_a_socket_bound_as_uvicorns_workers_bind_it_gets_tcp_nodelay():
    # Uvicorn's supervisor binds the listener without a protocol number (Kludex/uvicorn#3149).
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        with socket.create_connection(listener.getsockname()):
            accepted, _ = listener.accept()
            assert accepted.proto == 0
            assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0
            assert asyncio.run(serve_accepted(accepted)) != 0
