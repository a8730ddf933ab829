"""The async ORM lesson's connection helper, in a request-like thread-sensitive context."""

import asyncio

import pytest
from asgiref.sync import ThreadSensitiveContext, async_to_sync, sync_to_async
from django.db import DatabaseError, connection, connections

from playground.models import Book
from tests.helpers import lesson_code


def this_threads_connection():
    return connections["default"]


@pytest.mark.django_db(transaction=True)  # the request's own connection, not the test's
def test_release_connection_closes_the_connection_of_the_requests_thread(monkeypatch):
    release_connection = lesson_code("async-orm", "def release_connection(")["release_connection"]
    closed = []
    wrapper_class = type(connections["default"])
    real_close = wrapper_class.close

    def close(self):
        closed.append(self)
        real_close(self)

    monkeypatch.setattr(wrapper_class, "close", close)

    async def request():
        async with ThreadSensitiveContext():  # one thread for the request, as under ASGI
            await Book.objects.acount()
            await release_connection()
            return await sync_to_async(this_threads_connection)()

    # asyncio.run, not async_to_sync: no parked test thread, so the context's own thread runs
    # the request's sync work, as it does under an ASGI server.
    request_connection = asyncio.run(request())
    assert request_connection is not connections["default"]  # another thread's connection
    assert closed == [request_connection]


@pytest.mark.django_db(transaction=True)
def test_wrapping_the_bound_method_looks_the_connection_up_on_the_wrong_thread():
    async def request() -> None:
        async with ThreadSensitiveContext():
            await Book.objects.acount()
            await sync_to_async(connection.close)()

    with pytest.raises(DatabaseError, match="can only be used in that same thread"):
        async_to_sync(request)()
