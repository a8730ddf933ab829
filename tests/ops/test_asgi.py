"""ops.asgi.NoDisconnectOnceAnswered: what the app hears after its response is sent, and
what Django's handler then leaves behind."""

import asyncio
import gc

import pytest
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler

from ops.asgi import NoDisconnectOnceAnswered

REQUEST = {"type": "http.request", "body": b"", "more_body": False}
DISCONNECT = {"type": "http.disconnect"}


def scope(path: str = "/healthz") -> dict:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }


def server() -> tuple:
    """A receive and send as Daphne's are: the disconnect comes once the response is sent."""
    messages: asyncio.Queue = asyncio.Queue()
    messages.put_nowait(REQUEST)
    sent: list[dict] = []

    async def receive() -> dict:
        return await messages.get()

    async def send(message: dict) -> None:
        sent.append(message)
        if message["type"] == "http.response.body" and not message.get("more_body", False):
            messages.put_nowait(DISCONNECT)

    return receive, send, sent, messages


def test_after_the_response_the_disconnect_is_held_back_until_the_app_stops_listening():
    async def scenario() -> None:
        receive, send, _, _ = server()
        heard: list[dict] = []

        async def app(scope, receive, send) -> None:
            heard.append(await receive())
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"done"})
            listening = asyncio.ensure_future(receive())
            for _ in range(10):  # the disconnect is queued already: one turn would deliver it
                await asyncio.sleep(0)
            assert not listening.done()
            listening.cancel()
            with pytest.raises(asyncio.CancelledError):
                await listening

        await NoDisconnectOnceAnswered(app)(scope(), receive, send)
        assert heard == [REQUEST]

    asyncio.run(scenario())


def test_a_client_that_leaves_a_stream_is_still_heard():
    async def scenario() -> None:
        receive, send, _, messages = server()

        async def app(scope, receive, send) -> None:
            await receive()
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"1", "more_body": True})
            messages.put_nowait(DISCONNECT)  # the client goes away mid-stream
            assert await receive() == DISCONNECT

        await NoDisconnectOnceAnswered(app)(scope(), receive, send)

    asyncio.run(scenario())


@pytest.mark.django_db
def test_djangos_handler_leaves_no_request_in_a_reference_cycle_behind_it():
    """Without it, the handler's disconnect listener ends with RequestAborted, whose traceback
    holds the handler's frame: the request lives on until the cyclic collector runs."""

    def aborted_alive() -> int:
        return sum(type(thing) is RequestAborted for thing in gc.get_objects())

    async def one_request(app) -> list[dict]:
        receive, send, sent, _ = server()
        await app(scope(), receive, send)
        return sent

    gc.collect()
    gc.disable()  # what reference counting alone frees
    try:
        sent = asyncio.run(one_request(ASGIHandler()))
        assert sent[0]["status"] == 200
        assert aborted_alive() == 1  # the cycle this guards against

        gc.collect()
        sent = asyncio.run(one_request(NoDisconnectOnceAnswered(ASGIHandler())))
        assert sent[0]["status"] == 200
        assert aborted_alive() == 0
    finally:
        gc.enable()
