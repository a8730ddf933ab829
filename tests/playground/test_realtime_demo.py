"""The real-time demo against the real Daphne server: a WebSocket opened with aiohttp, the SSE
endpoint resumed with Last-Event-ID, and the demo's variants, each over a real connection."""

import asyncio
import json

import aiohttp
import pytest

from tests.playground.http import get
from tests.playground.test_database_demos import run
from tests.servers import RunningServer, start_daphne

ORIGIN = {"Origin": "http://127.0.0.1"}


async def echo_over_a_real_socket(server: RunningServer, consumer: str, count: int) -> list:
    url = server.url.replace("http", "ws", 1) + f"/ws/echo/{consumer}/"
    timeout = aiohttp.ClientTimeout(total=20)
    async with (
        aiohttp.ClientSession(timeout=timeout) as session,
        session.ws_connect(url, headers=ORIGIN) as socket,
    ):
        replies = []
        for number in range(count):
            await socket.send_str(f"ping {number}")
            replies.append(json.loads(await socket.receive_str()))
        return replies


def test_a_websocket_echoes_on_daphne_and_says_where_it_ran(asgi_server):
    sync = asyncio.run(echo_over_a_real_socket(asgi_server, "sync", 4))
    assert [reply["echo"] for reply in sync] == [f"ping {n}" for n in range(4)]
    assert {reply["on_loop"] for reply in sync} == {False}
    threads = {reply["thread"] for reply in sync}
    assert len(threads) == 1 and "MainThread" not in threads
    async_ = asyncio.run(echo_over_a_real_socket(asgi_server, "async", 4))
    assert [reply["echo"] for reply in async_] == [f"ping {n}" for n in range(4)]
    assert {(reply["thread"], reply["on_loop"]) for reply in async_} == {("MainThread", True)}


async def handshake_status(server: RunningServer, headers: dict) -> int:
    url = server.url.replace("http", "ws", 1) + "/ws/echo/async/"
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
        try:
            async with session.ws_connect(url, headers=headers):
                return 101
        except aiohttp.WSServerHandshakeError as error:
            return error.status


def test_daphne_refuses_a_websocket_from_another_origin(asgi_server):
    assert asyncio.run(handshake_status(asgi_server, ORIGIN)) == 101
    assert asyncio.run(handshake_status(asgi_server, {"Origin": "https://evil.example"})) == 403


def test_http_still_reaches_the_site_beside_websockets(asgi_server):
    reply = get(asgi_server.url + "/lessons/streaming-and-disconnects/")
    assert reply.status == 200 and b"Streaming responses" in reply.body


def test_the_sse_endpoint_streams_events_and_resumes_after_last_event_id(asgi_server):
    url = asgi_server.url + "/playground/realtime/events?messages=5&interval_ms=0"
    reply = get(url, headers={"Last-Event-ID": "3"})
    assert reply.status == 200
    assert reply.headers["Content-Type"] == "text/event-stream"
    ids = [line for line in reply.text.splitlines() if line.startswith("id: ")]
    assert ids == ["id: 4", "id: 5"]


def test_the_demo_resumes_its_sse_stream_and_counts_no_thread_hop(asgi_server):
    result = run(asgi_server, "realtime/sse?messages=6&interval_ms=20")["result"]
    assert result["event_ids"] == [1, 2, 3, 4, 5, 6]
    assert result["resumed_after_id"] == 3
    assert result["produced_off_the_loop"] == 0


def test_the_sync_consumer_hops_to_a_thread_per_message_and_the_async_one_does_not(
    asgi_server,
):
    sync = run(asgi_server, "realtime/websocket-sync?messages=8&interval_ms=0")
    assert sync["result"]["messages_echoed"] == 8
    assert sync["result"]["receive_in_a_thread"] == 8
    assert "MainThread" not in sync["result"]["receive_ran_on"]
    messages = [span for span in sync["spans"] if span["label"].startswith("message ")]
    assert len(messages) == 8
    assert all(span["detail"] == "receive() on an event loop: False" for span in messages)
    async_ = run(asgi_server, "realtime/websocket-async?messages=8&interval_ms=0")
    assert async_["result"]["receive_in_a_thread"] == 0
    assert async_["result"]["receive_ran_on"] == {"MainThread": 8}


async def threads_of_two_open_sync_sockets(server: RunningServer) -> list[str]:
    url = server.url.replace("http", "ws", 1) + "/ws/echo/sync/"
    async with (
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=20)) as session,
        session.ws_connect(url, headers=ORIGIN) as first,
        session.ws_connect(url, headers=ORIGIN) as second,
    ):
        threads = []
        for socket in (first, second, first, second):
            await socket.send_str("which thread?")
            threads.append(json.loads(await socket.receive_str())["thread"])
        return threads


def test_every_sync_consumer_of_the_process_shares_one_thread(asgi_server):
    threads = asyncio.run(threads_of_two_open_sync_sockets(asgi_server))
    assert len(set(threads)) == 1, threads


@pytest.mark.server  # starts its own Daphne, behind a TLS proxy
def test_behind_a_tls_proxy_the_demo_reaches_its_own_stream_and_sockets(tmp_path):
    server = start_daphne(tmp_path, DJANGO_HTTPS="1", DJANGO_TRUSTED_PROXIES="127.0.0.1")
    try:
        proxied = {"X-Forwarded-Proto": "https"}
        base = server.url + "/playground/api/realtime"
        sse = get(f"{base}/sse?messages=4&interval_ms=0", headers=proxied)
        assert sse.status == 200, sse.body
        assert sse.json()["result"]["event_ids"] == [1, 2, 3, 4]
        echo = get(f"{base}/websocket-async?messages=2&interval_ms=0", headers=proxied)
        assert echo.status == 200, echo.body
        assert echo.json()["result"]["messages_echoed"] == 2
    finally:
        server.stop()
