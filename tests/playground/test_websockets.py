"""The WebSocket side of the site in-process: the two echo consumers, where each runs its
handler, the origin check in front of them, and the limits on every connection."""

import json

import pytest
from asgiref.sync import async_to_sync
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator

from playground import websockets

# Channels closes stale database connections around each event (close_old_connections), which
# touches the test database; outside a test transaction, so that closing one breaks nothing.
pytestmark = pytest.mark.django_db(transaction=True)
ORIGIN = (b"origin", b"http://127.0.0.1")


def communicator(path: str, app=None, headers=(ORIGIN,)) -> WebsocketCommunicator:
    return WebsocketCommunicator(app or websockets.application(), path, headers=list(headers))


async def echoes(path: str, count: int) -> list[dict]:
    socket = communicator(path)
    connected, _ = await socket.connect()
    assert connected
    replies = []
    for number in range(count):
        await socket.send_to(text_data=f"hello {number}")
        replies.append(json.loads(await socket.receive_from()))
    await socket.disconnect()
    return replies


def test_the_sync_consumer_runs_each_message_off_the_event_loop():
    replies = async_to_sync(echoes)("/ws/echo/sync/", 5)
    assert [reply["echo"] for reply in replies] == [f"hello {n}" for n in range(5)]
    assert [reply["n"] for reply in replies] == [1, 2, 3, 4, 5]
    assert [reply["on_loop"] for reply in replies] == [False] * 5


def test_the_async_consumer_runs_each_message_on_the_event_loop():
    replies = async_to_sync(echoes)("/ws/echo/async/", 5)
    assert [reply["echo"] for reply in replies] == [f"hello {n}" for n in range(5)]
    assert [reply["on_loop"] for reply in replies] == [True] * 5


async def connects(headers) -> bool:
    socket = communicator("/ws/echo/async/", headers=headers)
    connected, _ = await socket.connect()
    await socket.disconnect()
    return connected


def test_a_socket_from_another_site_or_without_an_origin_is_refused():
    assert async_to_sync(connects)([ORIGIN])
    assert not async_to_sync(connects)([(b"origin", b"https://evil.example")])
    assert not async_to_sync(connects)([])


def bounded(**limits) -> websockets.Bounded:
    return websockets.Bounded(URLRouter(websockets.websocket_urlpatterns), **limits)


async def close_code_after(app, messages: list[str]) -> int:
    """Send `messages` one by one (reading each echo) and return the close code sent."""
    socket = communicator("/ws/echo/async/", app=app, headers=())
    connected, _ = await socket.connect()
    assert connected
    for text in messages:
        await socket.send_to(text_data=text)
        output = await socket.receive_output(timeout=2)
        if output["type"] == "websocket.close":
            return output["code"]
    output = await socket.receive_output(timeout=2)
    assert output["type"] == "websocket.close", output
    return output["code"]


def test_a_message_over_the_size_limit_closes_the_socket():
    app = bounded(message_bytes=10, seconds=5)
    code = async_to_sync(close_code_after)(app, ["short", "x" * 11])
    assert code == websockets.MESSAGE_TOO_BIG


def test_a_message_past_the_count_limit_closes_the_socket():
    app = bounded(messages=3, seconds=5)
    code = async_to_sync(close_code_after)(app, ["1", "2", "3", "4"])
    assert code == websockets.POLICY_VIOLATION


def test_a_connection_past_its_lifetime_is_closed():
    code = async_to_sync(close_code_after)(bounded(seconds=0.2), [])
    assert code == websockets.POLICY_VIOLATION


async def second_connection_close_code(app) -> int:
    first = communicator("/ws/echo/async/", app=app, headers=())
    assert (await first.connect())[0]
    second = communicator("/ws/echo/async/", app=app, headers=())
    connected, code = await second.connect()
    await first.disconnect()
    assert not connected
    return code


def test_past_the_cap_on_open_connections_a_new_one_is_refused():
    app = bounded(connections=1, seconds=5)
    assert async_to_sync(second_connection_close_code)(app) == websockets.TRY_AGAIN_LATER
