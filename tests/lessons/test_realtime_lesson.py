"""The real-time lesson's code on Django 5.2 and Channels: its SSE view resumes after
Last-Event-ID, and both of its room consumers deliver a message to every socket in the room
through the channel layer, and to no other."""

import types

import pytest
from asgiref.sync import async_to_sync
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.test import RequestFactory
from django.urls import path

from tests.helpers import lesson_code

SSE = lesson_code("websockets-and-real-time", "async def ticker(")
# Channels closes stale database connections around each event (close_old_connections), which
# touches the test database; outside a test transaction, so that closing one breaks nothing.
pytestmark = pytest.mark.django_db(transaction=True)
ROOMS = lesson_code("websockets-and-real-time", "class AsyncRoomConsumer(")


async def no_wait(seconds: float) -> None:
    return None


async def first_events(request, count: int) -> list[str]:
    response = await SSE["ticker"](request)
    chunks = []
    async for chunk in response.streaming_content:
        chunks.append(chunk.decode())
        if len(chunks) == count:
            break
    await response.streaming_content.aclose()
    return chunks


def test_the_sse_view_resumes_after_the_last_event_id(monkeypatch):
    # The lesson's generator awaits a second between events; here it need not.
    monkeypatch.setitem(SSE, "asyncio", types.SimpleNamespace(sleep=no_wait))
    request = RequestFactory().get("/ticker/", headers={"Last-Event-ID": "3"})
    retry, first, second = async_to_sync(first_events)(request, 3)
    assert retry == "retry: 2000\n\n"
    assert first == 'id: 4\ndata: {"tick": 4}\n\n'
    assert second.startswith("id: 5\n")
    fresh = async_to_sync(first_events)(RequestFactory().get("/ticker/"), 2)
    assert fresh[1].startswith("id: 1\n")


def test_the_sse_view_is_an_event_stream_nginx_does_not_buffer():
    response = async_to_sync(SSE["ticker"])(RequestFactory().get("/ticker/"))
    assert response["Content-Type"] == "text/event-stream"
    assert response["X-Accel-Buffering"] == "no"
    assert response.is_async


async def room_traffic(consumer) -> tuple[str, str, bool]:
    app = URLRouter([path("rooms/<str:room>/", consumer.as_asgi())])
    ada, bob, eve = (
        WebsocketCommunicator(app, f"/rooms/{room}/") for room in ("lobby", "lobby", "kitchen")
    )
    for socket in (ada, bob, eve):
        assert (await socket.connect())[0]
    await ada.send_to(text_data="hello")
    to_ada, to_bob = await ada.receive_from(), await bob.receive_from()
    eve_heard = not await eve.receive_nothing(timeout=0.2)
    for socket in (ada, bob, eve):
        await socket.disconnect()
    return to_ada, to_bob, eve_heard


@pytest.mark.parametrize("consumer", ["RoomConsumer", "AsyncRoomConsumer"])
def test_a_room_message_reaches_every_member_and_no_other_room(consumer, settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    to_ada, to_bob, eve_heard = async_to_sync(room_traffic)(ROOMS[consumer])
    assert to_ada == to_bob == '{"text": "hello"}'
    assert not eve_heard
