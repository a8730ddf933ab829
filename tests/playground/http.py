"""A small HTTP client for tests against the real server."""

import asyncio
import json
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass

import aiohttp


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes
    elapsed_ms: float

    def json(self) -> dict:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode()


def get(url: str, headers: dict[str, str] | None = None, timeout: float = 30) -> Reply:
    request = urllib.request.Request(url, headers=headers or {})
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body, status, head = response.read(), response.status, dict(response.headers)
    except urllib.error.HTTPError as exc:
        body, status, head = exc.read(), exc.code, dict(exc.headers)
    return Reply(status, head, body, (time.perf_counter() - start) * 1000)


async def aget(session: aiohttp.ClientSession, url: str) -> Reply:
    start = time.perf_counter()
    async with session.get(url) as response:
        body = await response.read()
        return Reply(
            response.status, dict(response.headers), body, (time.perf_counter() - start) * 1000
        )


async def probe_while(url: str, probe_url: str) -> tuple[Reply, float]:
    """Run `url` while pinging `probe_url` back to back; return its reply and the worst ping."""
    async with aiohttp.ClientSession() as session:
        main = asyncio.create_task(aget(session, url))
        worst = 0.0
        while not main.done():
            ping = await aget(session, probe_url)
            worst = max(worst, ping.elapsed_ms)
        return await main, worst


def raw_request(url: str, head: bytes, body_chunks: Iterable[bytes]) -> bytes:
    """Send a hand-made request (headers, then the body piece by piece) and read the answer
    to its end; a server that answers before the body is done may close on us."""
    port = int(url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
        connection.sendall(head)
        try:
            for chunk in body_chunks:
                connection.sendall(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed before the body ended
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer
