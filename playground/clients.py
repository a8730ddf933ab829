"""Outbound HTTP for the demos: always to our own simulated upstreams, always with a timeout.

No demo fetches a URL that came from the request: callers pass a service *name*, and the URL is
built from the address the server is listening on.
"""

import asyncio
import atexit
import contextlib
import json
import urllib.error
import urllib.request
import weakref
from dataclasses import dataclass
from urllib.parse import urlencode

import aiohttp
from django.conf import settings
from django.http import HttpRequest

from .upstream import PREFIX, SERVICES

SERVICE_NAMES = list(SERVICES)


class UpstreamError(Exception):
    """An upstream call failed: a 5xx, a bad body, a refused connection or a timeout."""


def timeout_seconds() -> float:
    return settings.PLAYGROUND_UPSTREAM_TIMEOUT


def site_address(request: HttpRequest) -> str:
    """This server's own address, from the socket that accepted the request (the ASGI scope's
    "server"), never from the Host header: a client cannot point anything elsewhere."""
    host, port = "127.0.0.1", None
    scope = getattr(request, "scope", None)
    if scope and scope.get("server"):
        host, port = scope["server"][0], scope["server"][1]
    else:  # WSGI: the test client or runserver
        port = request.META.get("SERVER_PORT")
    if host in {"0.0.0.0", "::", "", None} or not str(host)[0].isdigit():
        host = "127.0.0.1"
    return f"http://{host}:{port}"


@dataclass(frozen=True)
class Upstreams:
    """Where the simulated upstreams are: their own process when PLAYGROUND_UPSTREAM_URL says
    where (./run starts one, as a real upstream would be elsewhere), otherwise this server's
    own address, where config/asgi.py routes them in front of Django."""

    base: str

    @classmethod
    def for_request(cls, request: HttpRequest) -> "Upstreams":
        return cls(base=settings.PLAYGROUND_UPSTREAM_URL or site_address(request))

    def url(self, service: str, **params: object) -> str:
        if service not in SERVICES:
            raise ValueError(f"unknown upstream service {service!r}")
        base = self.base
        if settings.PLAYGROUND_UPSTREAM_FAULT == "refused":
            base = "http://127.0.0.1:1"  # nothing listens on port 1: connection refused
        return f"{base}{PREFIX}{service}?{urlencode(params)}"


def service_for(index: int) -> str:
    return SERVICE_NAMES[index % len(SERVICE_NAMES)]


# One aiohttp session per process and event loop, created on first use: Django has no ASGI
# lifespan hook to create it at start-up, and a session is bound to the loop it was made on.
_sessions: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, aiohttp.ClientSession]" = (
    weakref.WeakKeyDictionary()
)


def get_session() -> aiohttp.ClientSession:
    loop = asyncio.get_running_loop()
    session = _sessions.get(loop)
    if session is None or session.closed:
        session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=timeout_seconds(), connect=2),
            # Bound the pool so idle keep-alive connections don't pile up on the server.
            connector=aiohttp.TCPConnector(limit=1000, limit_per_host=0, keepalive_timeout=15),
            raise_for_status=False,
        )
        _sessions[loop] = session
    return session


def close_sessions() -> None:
    """At exit, close each loop's session on its loop, so that no connection is left open for
    the collector to complain about. The demo loop is still running in its thread; a loop
    the server has stopped can run the close itself."""
    for loop, session in list(_sessions.items()):
        if session.closed or loop.is_closed():
            continue
        with contextlib.suppress(Exception):
            if loop.is_running():
                asyncio.run_coroutine_threadsafe(session.close(), loop).result(timeout=2)
            else:
                loop.run_until_complete(session.close())


atexit.register(close_sessions)


async def fetch_json(url: str) -> dict:
    """GET a simulated upstream with the shared session; raise UpstreamError on any failure."""
    try:
        async with get_session().get(url) as response:
            body = await response.read()
            status = response.status
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise UpstreamError(_describe(exc)) from exc
    return _decode(status, body)


def fetch_json_blocking(url: str) -> dict:
    """The same call with a blocking client (urllib), as a sync view would make it."""
    try:
        with urllib.request.urlopen(url, timeout=timeout_seconds()) as response:
            return _decode(response.status, response.read())
    except urllib.error.HTTPError as exc:
        return _decode(exc.code, exc.read())
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise UpstreamError(_describe(exc)) from exc


def _decode(status: int, body: bytes) -> dict:
    try:
        data = json.loads(body)
    except ValueError:
        raise UpstreamError(f"HTTP {status}: the response was not JSON") from None
    if status >= 400:
        message = data.get("error", "") if isinstance(data, dict) else ""
        raise UpstreamError(f"HTTP {status}: {message}".rstrip(": "))
    if not isinstance(data, dict):
        raise UpstreamError(f"HTTP {status}: expected a JSON object")
    return data


def _describe(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError | asyncio.TimeoutError):
        return f"timed out after {timeout_seconds():g} s"
    reason = getattr(exc, "reason", None) or getattr(exc, "os_error", None) or exc
    if isinstance(reason, ConnectionRefusedError) or "Connect call failed" in str(reason):
        return "could not connect: connection refused"
    if isinstance(reason, TimeoutError):
        return f"timed out after {timeout_seconds():g} s"
    return f"{type(exc).__name__}: {reason}"
