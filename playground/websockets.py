"""The site's WebSocket application, which `config/asgi.py` routes `websocket` connections to:
the Origin checked against ALLOWED_HOSTS, the session's user in the scope, and limits on
every connection before a consumer sees it.

An open WebSocket holds a coroutine (and, for a sync consumer, turns on the process's one
sync thread at each event) for as long as the client keeps it, so each connection is bounded
like a demo run: a number of messages, a size per message, a lifetime, and a cap on open
connections per process. Going over one closes the socket with a code that says which.
"""

import asyncio
from collections.abc import Awaitable, Callable

from channels.auth import AuthMiddlewareStack
from channels.routing import URLRouter
from channels.security.websocket import AllowedHostsOriginValidator
from django.urls import path

from .consumers import AsyncEchoConsumer, SyncEchoConsumer

Scope = dict
Receive = Callable[[], Awaitable[dict]]
Send = Callable[[dict], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

MAX_MESSAGES = 100  # messages a client may send on one connection
MAX_MESSAGE_BYTES = 4096
MAX_SECONDS = 60.0  # how long one connection may stay open
MAX_CONNECTIONS = 200  # open at once, per process

# WebSocket close codes (RFC 6455, 7.4.1 and the IANA registry).
POLICY_VIOLATION = 1008  # too many messages, or open too long
MESSAGE_TOO_BIG = 1009
TRY_AGAIN_LATER = 1013  # the server has no room for another connection

websocket_urlpatterns = [
    path("ws/echo/sync/", SyncEchoConsumer.as_asgi(), name="echo_sync"),
    path("ws/echo/async/", AsyncEchoConsumer.as_asgi(), name="echo_async"),
]


class Bounded:
    """ASGI middleware for WebSocket connections: closes one that goes over a limit, and
    tells the application it disconnected, so the consumer ends as on any disconnect."""

    def __init__(
        self,
        app: App,
        *,
        messages: int = MAX_MESSAGES,
        message_bytes: int = MAX_MESSAGE_BYTES,
        seconds: float = MAX_SECONDS,
        connections: int = MAX_CONNECTIONS,
    ) -> None:
        self.app = app
        self.messages, self.message_bytes = messages, message_bytes
        self.seconds, self.connections = seconds, connections
        self.open = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.open >= self.connections:
            await receive()  # websocket.connect
            await send({"type": "websocket.close", "code": TRY_AGAIN_LATER})
            return
        self.open += 1
        try:
            await self.app(scope, self.bounded(receive, send), send)
        finally:
            self.open -= 1

    def bounded(self, receive: Receive, send: Send) -> Receive:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.seconds
        received = 0
        closed_with: int | None = None

        async def close(code: int) -> dict:
            nonlocal closed_with
            closed_with = code
            await send({"type": "websocket.close", "code": code})
            return {"type": "websocket.disconnect", "code": code}

        async def next_message() -> dict:
            nonlocal received
            if closed_with is not None:
                return {"type": "websocket.disconnect", "code": closed_with}
            try:
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                return await close(POLICY_VIOLATION)
            if message["type"] == "websocket.receive":
                received += 1
                text, data = message.get("text"), message.get("bytes")
                size = len(text.encode()) if text is not None else len(data or b"")
                if size > self.message_bytes:
                    return await close(MESSAGE_TOO_BIG)
                if received > self.messages:
                    return await close(POLICY_VIOLATION)
            return message

        return next_message


def application() -> App:
    """The WebSocket side of the site, as Channels' documentation builds it: the origin check
    outermost, so a page on another site cannot open a socket with the learner's cookies."""
    return AllowedHostsOriginValidator(
        AuthMiddlewareStack(Bounded(URLRouter(websocket_urlpatterns)))
    )
