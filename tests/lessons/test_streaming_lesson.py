"""The streaming lesson's claims, through Django's real ASGI handler in-process: FileResponse is
read whole before its body goes out, the lesson's async file reader streams, heartbeats and
Last-Event-ID work."""

import asyncio
import io
import json
from pathlib import Path

import pytest
from asgiref.sync import async_to_sync
from django.core.handlers.asgi import ASGIHandler
from django.http import FileResponse, StreamingHttpResponse
from django.test import RequestFactory
from django.urls import include, path

from tests.helpers import lesson_code

STREAMING = lesson_code("streaming-and-disconnects", "async def read_in_chunks(")
EVENTS = lesson_code("streaming-and-disconnects", "async def with_heartbeats(")
SIZE = 300_000  # several 64 KiB blocks
log: list[str] = []


class TrackedFile(io.BytesIO):
    def read(self, size=-1):
        log.append("read")
        return super().read(size)


def file_response(request):
    return FileResponse(TrackedFile(b"x" * SIZE))


BIG_FILE: dict[str, Path] = {}  # the file async_file serves, set by its test


async def async_file(request):
    return StreamingHttpResponse(STREAMING["read_in_chunks"](BIG_FILE["path"], 64 * 1024))


urlpatterns = [
    path("file/", file_response),
    path("async-file/", async_file),
    path("", include("config.urls")),  # the site's error pages reverse its URLs
]


def serve(url: str, **scope_extra) -> list[str]:
    """Run one GET through Django's ASGI handler; return reads and ASGI messages, in order."""
    log.clear()

    async def run() -> None:
        requested = False

        async def receive():
            nonlocal requested
            if not requested:
                requested = True
                return {"type": "http.request", "body": b"", "more_body": False}
            await asyncio.Event().wait()  # the client never leaves

        async def send(message):
            if message["type"] == "http.response.start":
                log.append("start")
            elif message.get("body"):
                log.append("body")

        scope = {
            "type": "http",
            "method": "GET",
            "path": url,
            "query_string": b"",
            "headers": [(b"host", b"127.0.0.1")],
            "client": ("127.0.0.1", 50_000),
            "server": ("127.0.0.1", 8000),
            **scope_extra,
        }
        await ASGIHandler()(scope, receive, send)

    async_to_sync(run)()
    return list(log)


@pytest.mark.django_db  # the site's middleware may read the session
@pytest.mark.urls(__name__)
def test_file_response_reads_the_whole_file_before_the_first_body_byte():
    with pytest.warns(Warning, match="must consume synchronous iterators"):
        order = serve("/file/")
    first_body = order.index("body")
    assert order[0] == "start"  # the headers go out first
    assert "read" not in order[first_body:]  # every read happened before any body
    assert order.count("read") >= SIZE // (64 * 1024)


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_the_lessons_async_reader_sends_a_chunk_before_reading_the_next(tmp_path, monkeypatch):
    big = tmp_path / "big.bin"
    big.write_bytes(b"y" * SIZE)
    real_open = type(big).open

    def tracked_open(self, mode="r", *args, **kwargs):
        file = real_open(self, mode, *args, **kwargs)
        real_read = file.read

        def read(size=-1):
            log.append("read")
            return real_read(size)

        file.read = read
        return file

    monkeypatch.setattr(type(big), "open", tracked_open)
    monkeypatch.setitem(BIG_FILE, "path", big)
    order = serve("/async-file/")
    assert order.index("body") < len(order) - 1 - order[::-1].index("read")  # interleaved
    assert order.count("body") >= SIZE // (64 * 1024)


def test_heartbeats_fill_the_silences_without_losing_or_ending_events():
    async def slow_events():
        yield "a"
        await asyncio.sleep(0.35)
        yield "b"

    async def collect() -> list[str]:
        return [item async for item in EVENTS["with_heartbeats"](slow_events(), every=0.1)]

    out = async_to_sync(collect)()
    assert out[0] == "a" and out[-1] == "b"
    assert 2 <= out.count(": keep-alive\n\n") <= 4
    assert len(out) == 2 + out.count(": keep-alive\n\n")


def test_a_disconnect_cancels_the_pending_step_of_the_generator():
    cancelled = asyncio.Event()

    async def events():
        yield "a"
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        yield "never"

    async def client_leaves() -> bool:
        stream = EVENTS["with_heartbeats"](events(), every=5)
        assert await anext(stream) == "a"
        reader = asyncio.ensure_future(anext(stream))
        await asyncio.sleep(0.05)
        reader.cancel()  # what Django does when the client disconnects
        with pytest.raises(asyncio.CancelledError):
            await reader
        await asyncio.wait_for(cancelled.wait(), 1)
        return cancelled.is_set()

    assert async_to_sync(client_leaves)()


def test_the_stream_resumes_after_last_event_id():
    view = EVENTS["job_progress_resumable"]
    request = RequestFactory().get("/", headers={"last-event-id": "8"})

    async def body() -> list[str]:
        response = await view(request, 7)
        return [chunk.decode() async for chunk in response.streaming_content]

    chunks = async_to_sync(body)()
    assert [chunk.split("\n")[0] for chunk in chunks] == ["id: 9", "id: 10"]
    assert json.loads(chunks[0].split("data: ")[1]) == {"job": 7, "step": 9, "of": 10}
