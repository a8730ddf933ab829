"""The WebSocket echo consumers the real-time demo talks to, one sync and one async.

Each reply says which thread ran the consumer's `receive()`: the sync consumer's handlers run in
a worker thread (Channels wraps `SyncConsumer.dispatch` in `database_sync_to_async`), the async
consumer's on the server's event loop. Their limits are in `websockets.py`, around them both.
"""

import asyncio
import json
import threading

from channels.generic.websocket import AsyncWebsocketConsumer, WebsocketConsumer


def where() -> dict:
    """The thread running this, and whether an event loop runs on it."""
    try:
        asyncio.get_running_loop()
        on_loop = True
    except RuntimeError:
        on_loop = False
    return {"thread": threading.current_thread().name, "on_loop": on_loop}


def reply(text: str, count: int) -> str:
    return json.dumps({"echo": text, "n": count, **where()})


class SyncEchoConsumer(WebsocketConsumer):
    """A plain `def` consumer: every event hops to a thread, and every send hops back."""

    def connect(self) -> None:
        self.received = 0
        self.accept()

    def receive(self, text_data=None, bytes_data=None) -> None:
        self.received += 1
        self.send(text_data=reply(text_data or "", self.received))


class AsyncEchoConsumer(AsyncWebsocketConsumer):
    """An `async def` consumer: its handlers run on the event loop."""

    async def connect(self) -> None:
        self.received = 0
        await self.accept()

    async def receive(self, text_data=None, bytes_data=None) -> None:
        self.received += 1
        await self.send(text_data=reply(text_data or "", self.received))
