"""ASGI middleware in front of the whole site: who the client really is, and whole bodies.

Both run before Django and before the demo gate, so that what they decide costs no thread and
everything after them can rely on it:

- `TrustedProxies`: behind a proxy, the client is the right-most address in X-Forwarded-For
  that is not itself a trusted proxy; from anyone else the header is dropped unread. And the
  site is at the root: a URL prefix (`root_path`, Daphne's `Daphne-Root-Path` header) is
  dropped.
- `WholeBodies`: a request body is read to its end, within a size and a time limit, before the
  request goes on; an over-size body is a 413 before a byte of it is read, a body that never
  finishes a 408. So nothing downstream holds a slot or a thread for a body still arriving.
- `NoDisconnectOnceAnswered`: once the whole response is sent, the `http.disconnect` that the
  server then reports is not passed on (see the class).
"""

import asyncio
import ipaddress
import json
import logging
from collections.abc import Awaitable, Callable, Iterable

logger = logging.getLogger(__name__)

Scope = dict
Receive = Callable[[], Awaitable[dict]]
Send = Callable[[dict], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(entries: Iterable[str]) -> list[Network]:
    """`DJANGO_TRUSTED_PROXIES` entries: addresses or networks (`10.0.0.0/8`)."""
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            raise ValueError(f"{entry!r} is not an IP address or network") from None
    return networks


def at_the_root(scope: Scope) -> Scope:
    """The site is served at /, whatever the request says. Daphne takes the URL prefix from a
    `Daphne-Root-Path` request header, anyone's to send; a prefix in one anonymous request
    would end up in every URL of a page rendered for it, and a lesson page is rendered once
    and cached for every reader."""
    headers = scope.get("headers", [])
    if not scope.get("root_path") and all(name != b"daphne-root-path" for name, _ in headers):
        return scope
    kept = [(name, value) for name, value in headers if name != b"daphne-root-path"]
    return {**scope, "root_path": "", "headers": kept}


class TrustedProxies:
    def __init__(self, app: App, trusted: Iterable[str]) -> None:
        self.app = app
        self.networks = parse_networks(trusted)

    def trusts(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.networks)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            scope = self.rewrite(at_the_root(scope))
        await self.app(scope, receive, send)

    def rewrite(self, scope: Scope) -> Scope:
        headers = scope.get("headers", [])
        forwarded = [value for name, value in headers if name == b"x-forwarded-for"]
        if not forwarded:
            return scope
        others = [(name, value) for name, value in headers if name != b"x-forwarded-for"]
        peer = (scope.get("client") or ("", 0))[0]
        if not self.trusts(peer):
            # Not said by a proxy we trust: it is the client's own claim. Nothing downstream
            # may read it.
            return {**scope, "headers": others}
        chain = [
            hop.strip()
            for value in forwarded
            for hop in value.decode("latin-1").split(",")
            if hop.strip()
        ]
        client = peer
        for hop in reversed(chain):
            try:
                ipaddress.ip_address(hop)
            except ValueError:
                break  # garbage in the chain: stop at the last proxy we trust
            client = hop
            if not self.trusts(hop):
                break
        return {**scope, "client": (client, 0), "headers": others}


class WholeBodies:
    def __init__(self, app: App, *, max_bytes: int, timeout: float) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout = timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None:
            if not declared.isdigit():
                await respond(send, 400, "Content-Length must be a number of bytes.")
                return
            if int(declared) > self.max_bytes:
                await respond(send, 413, self.too_large())
                return
        try:
            messages = await asyncio.wait_for(self.read_body(receive), self.timeout)
        except TimeoutError:
            await respond(send, 408, f"The request body did not arrive within {self.timeout:g} s.")
            return
        if messages is None:
            await respond(send, 413, self.too_large())
            return
        if messages and messages[-1]["type"] == "http.disconnect":
            return  # the client left before its body was complete: nobody to answer

        async def replay() -> dict:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)

    async def read_body(self, receive: Receive) -> list[dict] | None:
        """Every message up to the end of the body; None if the body is over the limit."""
        size, messages = 0, []
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                return messages
            size += len(message.get("body", b""))
            if size > self.max_bytes:
                return None
            if not message.get("more_body", False):
                body = b"".join(m.get("body", b"") for m in messages)
                return [{"type": "http.request", "body": body, "more_body": False}]

    def too_large(self) -> str:
        return f"The request body is larger than {self.max_bytes // (1024 * 1024)} MB."


class NoDisconnectOnceAnswered:
    """Django's ASGI handler listens for `http.disconnect` in a task beside the view. Daphne and
    Uvicorn report one as soon as the response is sent, so the listener raises RequestAborted,
    and the handler takes that exception from the task inside its own frame: the traceback
    then holds the frame that holds the task, a reference cycle that keeps the request, its
    session and its messages (about 90 objects) alive until the cyclic collector runs. At
    hundreds of requests a second, that is a 3 ms collection every half second with the GIL
    held, the pause a page waits for at its p99. Once answered, a request has nothing left to
    hear: the disconnect is held back, the handler cancels its listener, and reference counting
    frees the request at once. A disconnect before the end of the response (a streaming
    response the client leaves) still reaches the app."""

    def __init__(self, app: App) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        answered = False

        async def sending(message: dict) -> None:
            nonlocal answered
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                answered = True

        async def receiving() -> dict:
            message = await receive()
            if answered and message["type"] == "http.disconnect":
                await asyncio.get_running_loop().create_future()  # until the app cancels it
            return message

        await self.app(scope, receiving, sending)


def security_headers() -> list[tuple[bytes, bytes]]:
    """The headers Django's middleware put on every response it sends, for the answers given
    in front of Django (a body refused here, a demo run refused by the gate)."""
    from django.conf import settings

    from .middleware import CONTENT_SECURITY_POLICY

    return [
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", settings.SECURE_REFERRER_POLICY.encode()),
        (b"cross-origin-opener-policy", settings.SECURE_CROSS_ORIGIN_OPENER_POLICY.encode()),
        (b"x-frame-options", settings.X_FRAME_OPTIONS.encode()),
        (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    ]


async def respond(send: Send, status: int, message: str) -> None:
    body = json.dumps({"error": message}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
                *security_headers(),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
