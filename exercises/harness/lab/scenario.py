"""The harness an exercise's scenario drives: `async def scenario(h): ...`.

The scenario runs on its own event loop in its own thread, as the learner's users would run on
their own machines: a learner who blocks their server's loop makes these requests wait, which is
what the probe measures. Every request is recorded (status, body, time, and the server-side
trace of that request); the recording is what the exercise's checks read, outside the sandbox.
"""

import asyncio
import json
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from .server import APP_PORT, REQUEST_HEADER, Upstreams
from .upstreams import SERVICES
from .urls import PROBE_PATH

BODY_LIMIT = 4096  # characters of each response body kept for the checks
MAX_REQUESTS = 200
MAX_CONCURRENT = 50
DEFAULT_TIMEOUT = 5.0
PROBE_INTERVAL = 0.01
MAX_HEADERS = 30
HEADER_CHARS = 500


@dataclass
class Response:
    """One request the scenario made, as the checks will see it."""

    id: str
    method: str
    path: str
    label: str
    started_ms: float
    status: int | None = None
    body: str = ""
    body_cut: bool = False
    headers: dict[str, str] = field(default_factory=dict)  # lowercased names, the first 30
    elapsed_ms: float = 0.0
    error: str | None = None  # the request itself failed: no answer in time, connection lost
    first_byte_ms: float | None = None  # when the body's first bytes arrived (None: no body)
    disconnected: bool = False  # the client left before the body ended (`disconnect_after_ms`)

    def json(self) -> Any:
        """The body as JSON (raises ValueError if it is not)."""
        return json.loads(self.body)

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class Harness:
    def __init__(self, upstreams: Upstreams, read_state: Callable[[], dict]) -> None:
        self.started = time.perf_counter()
        self.requests: list[Response] = []
        self.notes: dict[str, Any] = {}
        self.probe_worst_ms: float | None = None
        self.probe_pings = 0
        self._upstreams = upstreams
        self._read_state = read_state
        self._session: aiohttp.ClientSession | None = None
        self._base = f"http://127.0.0.1:{APP_PORT}"
        self._lock = threading.Lock()

    async def __aenter__(self) -> "Harness":
        connector = aiohttp.TCPConnector(limit=MAX_CONCURRENT + 5)
        self._session = aiohttp.ClientSession(connector=connector)
        return self

    async def __aexit__(self, *exc_info) -> None:
        if self._session is not None:
            await self._session.close()

    def now_ms(self) -> float:
        return (time.perf_counter() - self.started) * 1000

    # --- Requests to the learner's server.

    async def get(self, path: str, **options: Any) -> Response:
        return await self.request("GET", path, **options)

    async def post(self, path: str, **options: Any) -> Response:
        return await self.request("POST", path, **options)

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        data: str | bytes | None = None,
        headers: dict[str, str] | None = None,
        label: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109 - this request's own limit, for aiohttp
        disconnect_after_ms: float | None = None,
    ) -> Response:
        """Send one request to the learner's server; never raises for what the server does.
        With `disconnect_after_ms`, the client reads the body for that long and then closes the
        connection, as a browser tab closed mid-stream does, unless the body ended first."""
        if not path.startswith("/"):
            raise ValueError(f"a path starts with '/', not {path!r}")
        with self._lock:
            if len(self.requests) >= MAX_REQUESTS:
                raise RuntimeError(f"a scenario may make at most {MAX_REQUESTS} requests")
            record = Response(
                id=str(len(self.requests) + 1),
                method=method,
                path=path,
                label=label or f"{method} {path}",
                started_ms=self.now_ms(),
            )
            self.requests.append(record)
        assert self._session is not None
        start = time.perf_counter()
        try:
            async with self._session.request(
                method,
                self._base + path,
                json=json,
                data=data,
                headers={**(headers or {}), REQUEST_HEADER.decode(): record.id},
                timeout=aiohttp.ClientTimeout(total=timeout),
            ) as reply:
                record.status = reply.status
                record.headers = {
                    name.lower(): value[:HEADER_CHARS]
                    for name, value in list(reply.headers.items())[:MAX_HEADERS]
                }
                raw = await self._read_body(reply, record, start, disconnect_after_ms)
                text = raw.decode("utf-8", errors="replace")
                record.body_cut = len(text) > BODY_LIMIT or not reply.content.at_eof()
                record.body = text[:BODY_LIMIT]
                if record.disconnected:
                    reply.close()  # drops the connection: the server sees the client leave
        except TimeoutError:
            record.error = f"no answer after {timeout * 1000:.0f} ms"
        except aiohttp.ClientError as exc:
            record.error = f"{type(exc).__name__}: {exc}"
        finally:
            record.elapsed_ms = (time.perf_counter() - start) * 1000
        return record

    async def _read_body(
        self,
        reply: aiohttp.ClientResponse,
        record: Response,
        start: float,
        disconnect_after_ms: float | None,
    ) -> bytes:
        """The body as it arrives, chunk by chunk, noting when its first bytes came."""
        limit = BODY_LIMIT * 4 + 1
        leave_at = None if disconnect_after_ms is None else start + disconnect_after_ms / 1000
        raw = b""
        while len(raw) < limit:
            try:
                if leave_at is None:
                    chunk = await reply.content.readany()
                else:
                    left = leave_at - time.perf_counter()
                    chunk = await asyncio.wait_for(reply.content.readany(), max(left, 0))
            except TimeoutError:
                if leave_at is not None and time.perf_counter() >= leave_at:
                    record.disconnected = True
                    break
                raise
            if not chunk:
                break
            if record.first_byte_ms is None:
                record.first_byte_ms = (time.perf_counter() - start) * 1000
            raw += chunk
        return raw[:limit]

    async def concurrently(self, n: int, make: Callable[[], Awaitable[Any]]) -> list[Any]:
        """Start `make()` n times at once and wait for all of them: `n` users at the same time."""
        if not 1 <= n <= MAX_CONCURRENT:
            raise ValueError(f"concurrently() takes 1 to {MAX_CONCURRENT} at once, not {n}")
        return list(await asyncio.gather(*(make() for _ in range(n))))

    async def probe_during(self, awaitable: Awaitable[Any]) -> Any:
        """Await `awaitable` while "another user" asks the learner's server for a tiny page every
        ~10 ms; the slowest answer is `probe_worst_ms`: how long other users stalled."""
        assert self._session is not None
        stop = asyncio.Event()
        worst = 0.0

        async def ping() -> None:
            nonlocal worst
            while True:
                start = time.perf_counter()
                try:
                    async with self._session.get(
                        f"{self._base}/{PROBE_PATH}", timeout=aiohttp.ClientTimeout(total=10)
                    ) as reply:
                        await reply.read()
                except (TimeoutError, aiohttp.ClientError):
                    pass
                worst = max(worst, (time.perf_counter() - start) * 1000)
                self.probe_pings += 1
                if stop.is_set():
                    return
                try:
                    await asyncio.wait_for(stop.wait(), PROBE_INTERVAL)
                except TimeoutError:
                    continue

        pinger = asyncio.create_task(ping())
        try:
            return await awaitable
        finally:
            stop.set()
            await pinger  # the ping in flight measures the tail of any stall
            self.probe_worst_ms = max(self.probe_worst_ms or 0.0, worst)

    # --- The world around the learner's code.

    def upstreams(
        self,
        *names: str,
        latency_ms: float | None = None,
        jitter_ms: float | None = None,
        fail_rate: float | None = None,
        hang: bool | None = None,
    ) -> None:
        """Set how the simulated upstreams behave (all of them, or the ones named)."""
        self._upstreams.configure(
            names or SERVICES,
            latency_ms=latency_ms,
            jitter_ms=jitter_ms,
            fail_rate=fail_rate,
            hang=hang,
        )

    async def state(self) -> dict:
        """Rows of every exercise table and the mail outbox, as the database has them now."""
        return await asyncio.to_thread(self._read_state)

    def note(self, key: str, value: Any) -> None:
        """Record a figure for the checks (`run.notes[key]`); JSON values only."""
        json.dumps(value)
        self.notes[str(key)] = value
