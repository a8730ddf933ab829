"""The playground API against the real Daphne server (see tests/servers.py)."""

import asyncio
import json
import os
import time
import urllib.request

import aiohttp
import pytest

from playground.demo_loop import THREAD_NAME as LOOP_THREAD
from playground.registry import DEMOS
from tests.playground.http import aget, get, probe_while
from tests.servers import RunningServer


def api(server: RunningServer, path: str) -> str:
    return f"{server.url}/playground/api/{path}"


def test_demos_list(asgi_server):
    demos = get(api(asgi_server, "demos")).json()["demos"]
    fanout = next(d for d in demos if d["id"] == "fanout")
    assert fanout["variants"] == ["async", "sync", "taskgroup"]
    assert fanout["params"]["calls"] == {
        "default": 3,
        "min": 1,
        "max": 50,
        "help": "how many upstream calls",
    }
    assert {d["id"] for d in demos} == set(DEMOS)


def test_fanout_async_overlaps_and_sync_queues(asgi_server):
    query = "calls=5&latency_ms=300"
    fast = get(api(asgi_server, f"fanout/async?{query}"))
    slow = get(api(asgi_server, f"fanout/sync?{query}"))
    for reply in (fast, slow):
        assert reply.status == 200
        assert len(reply.json()["spans"]) == 5
        assert all(span["kind"] == "http" and span["ok"] for span in reply.json()["spans"])
        assert reply.headers["Server-Timing"].startswith("total;dur=")
    # Five 300 ms calls: one after another they cannot take less than 1.5 s; overlapped,
    # they take about one call's time, far less than half of that.
    assert slow.json()["total_ms"] >= 5 * 300
    assert fast.json()["total_ms"] < slow.json()["total_ms"] / 2
    # Sync calls one after another, on one worker thread; async calls on the event loop.
    starts = [span["start_ms"] for span in slow.json()["spans"]]
    assert starts == sorted(starts) and starts[-1] > 1000
    assert fast.json()["threads"]["used"] == [LOOP_THREAD]
    assert slow.json()["threads"]["used"] != [LOOP_THREAD]


def test_fanout_failures_are_per_call_never_a_500(asgi_server):
    gathered = get(api(asgi_server, "fanout/async?calls=6&latency_ms=20&fail_rate=1"))
    assert gathered.status == 200
    assert gathered.json()["result"]["failed"] == 6
    assert all(not s["ok"] and "503" in s["detail"] for s in gathered.json()["spans"])
    grouped = get(api(asgi_server, "fanout/taskgroup?calls=6&latency_ms=20&fail_rate=1"))
    assert grouped.status == 200
    assert "TaskGroup cancelled the other calls" in grouped.json()["result"]["error"]


def test_taskgroup_cancels_the_calls_still_running(asgi_server):
    # Jitter spreads the calls out; with every call failing, the first failure cancels
    # whichever calls have not finished yet.
    query = "calls=8&latency_ms=10&jitter_ms=600&fail_rate=1"
    reply = get(api(asgi_server, f"fanout/taskgroup?{query}"))
    details = [span["detail"] for span in reply.json()["spans"]]
    assert "cancelled" in details
    assert any("503" in detail for detail in details)


def test_time_sleep_in_async_view_stalls_other_requests(asgi_server):
    sleep_ms = 600
    blocked, worst_blocked = asyncio.run(
        probe_while(
            api(asgi_server, f"blocking/time-sleep?sleep_ms={sleep_ms}"), api(asgi_server, "probe")
        )
    )
    awaited, worst_awaited = asyncio.run(
        probe_while(
            api(asgi_server, f"blocking/asyncio-sleep?sleep_ms={sleep_ms}"),
            api(asgi_server, "probe"),
        )
    )
    in_thread, worst_thread = asyncio.run(
        probe_while(
            api(asgi_server, f"blocking/sync?sleep_ms={sleep_ms}"), api(asgi_server, "probe")
        )
    )
    assert worst_blocked > sleep_ms / 2
    assert worst_awaited < sleep_ms / 2
    assert worst_thread < sleep_ms / 2
    assert blocked.json()["loop_lag_ms"] > sleep_ms / 2
    assert awaited.json()["loop_lag_ms"] < sleep_ms / 2


def test_thread_sensitive_runs_on_one_thread_and_executor_on_several(asgi_server):
    one = get(api(asgi_server, "sync-to-async/thread-sensitive?calls=4&sleep_ms=100")).json()
    many = get(api(asgi_server, "sync-to-async/executor?calls=4&sleep_ms=100")).json()
    assert len({span["thread"] for span in one["spans"]}) == 1
    assert len({span["thread"] for span in many["spans"]}) > 1
    assert one["total_ms"] >= 4 * 100  # one after another
    assert many["total_ms"] < one["total_ms"] / 2  # side by side


def test_async_to_sync_runs_the_gather_on_the_event_loop(asgi_server):
    reply = get(api(asgi_server, "async-to-sync/async-to-sync?calls=4&latency_ms=200")).json()
    outer, *calls = reply["spans"]
    assert outer["thread"] != LOOP_THREAD  # the sync view's own thread
    assert {span["thread"] for span in calls} == {LOOP_THREAD}  # the demo loop
    assert reply["total_ms"] < 4 * 200 / 2  # the four calls overlapped


def test_async_orm_runs_queries_off_the_loop_and_leaves_nothing(asgi_server):
    reply = get(api(asgi_server, "async-orm/async?rows=30")).json()
    labels = [span["label"] for span in reply["spans"]]
    for method in (
        "acount()",
        "aexists()",
        "afirst()",
        "aget(pk=...)",
        "async for",
        "aiterator(chunk_size=50)",
        "acreate()",
        "asave()",
        "adelete()",
    ):
        assert method in labels
    assert all(span["sql"] for span in reply["spans"])
    assert {span["thread"] for span in reply["spans"]} != {LOOP_THREAD}
    assert reply["result"]["rows"] == 30
    scratch = "SELECT count(*) FROM playground_book WHERE is_demo_scratch"
    assert asgi_server.query(scratch, demos=True) == [(0,)]


def test_sync_orm_in_async_view_shows_synchronous_only_operation(asgi_server):
    reply = get(api(asgi_server, "async-orm/wrong-way"))
    assert reply.status == 200
    assert reply.json()["result"]["error"].startswith(
        "SynchronousOnlyOperation: You cannot call this"
    )
    assert [span["ok"] for span in reply.json()["spans"]] == [False, False]


def test_gathered_orm_calls_run_one_at_a_time_on_one_thread(asgi_server):
    spans = get(api(asgi_server, "async-orm/gather")).json()["spans"]
    queries = sorted((q for span in spans for q in span["sql"]), key=lambda q: q["start_ms"])
    assert len({q["thread"] for q in queries}) == 1
    for before, after in zip(queries, queries[1:], strict=False):
        assert after["start_ms"] >= before["start_ms"] + before["ms"] - 0.05


def test_cpu_bound_inline_blocks_the_loop_and_a_process_does_not(asgi_server):
    inline = get(api(asgi_server, "cpu-bound/inline?work_ms=300")).json()
    pooled = get(api(asgi_server, "cpu-bound/process?work_ms=300")).json()
    assert inline["loop_lag_ms"] >= 300 / 2  # the loop stood still for the work
    assert pooled["loop_lag_ms"] < inline["loop_lag_ms"] / 2
    assert pooled["spans"][0]["thread"].startswith("pid ")


def test_middleware_mixin_hops_to_a_thread_per_hook(asgi_server):
    native = get(api(asgi_server, "middleware/native?layers=3&requests=50")).json()
    mixin = get(api(asgi_server, "middleware/mixin?layers=3&requests=50")).json()
    assert native["threads"]["used"] == [LOOP_THREAD]
    hooks = [s for s in mixin["spans"] if s["label"].startswith("process_")]
    assert len(hooks) == 6 and all(s["thread"] != LOOP_THREAD for s in hooks)
    assert mixin["result"]["per_request_us"] > native["result"]["per_request_us"]


def read_stream(url: str) -> list[tuple[float, dict]]:
    start = time.perf_counter()
    with urllib.request.urlopen(url, timeout=30) as response:
        assert response.headers["Content-Type"] == "application/x-ndjson"
        return [((time.perf_counter() - start) * 1000, json.loads(line)) for line in response]


def test_async_stream_delivers_events_as_they_are_produced(asgi_server):
    query = "events=4&interval_ms=300&run=stream-a-01"
    lines = read_stream(api(asgi_server, f"streaming/async?{query}"))
    first_arrival = lines[0][0]
    last_produced = lines[3][1]["produced_ms"]
    assert lines[-1][1]["done"] is True
    assert first_arrival < last_produced  # the first event arrived before the last existed


def test_sync_stream_is_buffered_under_asgi(asgi_server):
    lines = read_stream(api(asgi_server, "streaming/sync?events=4&interval_ms=300&run=stream-s-01"))
    first_arrival = lines[0][0]
    last_produced = lines[3][1]["produced_ms"]
    assert first_arrival >= last_produced


def test_a_file_response_is_read_whole_before_its_first_byte_under_asgi(asgi_server):
    query = "events=4&interval_ms=300&run=stream-f-01"
    lines = read_stream(api(asgi_server, f"streaming/file-response?{query}"))
    assert [data["event"] for _, data in lines] == [1, 2, 3, 4]
    first_arrival, last_produced = lines[0][0], lines[-1][1]["produced_ms"]
    assert first_arrival >= last_produced  # the whole file, then the first byte
    record = get(api(asgi_server, "streaming/record?run=stream-f-01")).json()
    assert record["status"] == "completed" and record["events_sent"] == 4


def test_sync_to_async_calls_reach_past_the_executor_pool(asgi_server):
    demo = next(
        d for d in get(api(asgi_server, "demos")).json()["demos"] if d["id"] == "sync-to-async"
    )
    pool = min(32, (os.cpu_count() or 1) + 4)  # the server runs on this machine
    assert demo["params"]["calls"]["max"] > pool
    assert f"executor pool has {pool} threads" in demo["params"]["calls"]["help"]


def test_disconnect_cancels_the_async_stream(asgi_server):
    run = "cancel-test-01"
    url = api(asgi_server, f"streaming/async?events=30&interval_ms=100&run={run}")

    async def read_two_then_leave():
        async with aiohttp.ClientSession() as session, session.get(url) as response:
            await response.content.readline()
            await response.content.readline()
        # Leaving the block closes the connection: the client is gone.

    asyncio.run(read_two_then_leave())

    async def record_when_settled() -> dict:
        # The server writes the record as the cancellation lands; ask until it has.
        async with aiohttp.ClientSession() as session:
            for _ in range(200):
                reply = await aget(session, api(asgi_server, f"streaming/record?run={run}"))
                if reply.status == 200 and reply.json()["status"] != "streaming":
                    return reply.json()
                await asyncio.sleep(0.02)
        raise AssertionError("the server never recorded the end of the stream")

    record = asyncio.run(record_when_settled())
    assert record["status"] == "cancelled"
    assert 2 <= record["events_sent"] < 30


def test_server_timing_lists_spans(asgi_server):
    header = get(api(asgi_server, "fanout/async?calls=2&latency_ms=10")).headers["Server-Timing"]
    assert header.count("desc=") == 2
    assert f's0;desc="GET orders [{LOOP_THREAD}]"' in header


@pytest.mark.parametrize(
    "path",
    ["nowhere", "..%2F..%2Fetc%2Fpasswd", "orders/../../etc/passwd", "%2e%2e/orders", "Orders"],
)
def test_unknown_upstreams_are_404(asgi_server, path):
    assert get(f"{asgi_server.url}/playground/upstream/{path}").status == 404


def test_upstream_validates_its_parameters(asgi_server):
    reply = get(f"{asgi_server.url}/playground/upstream/orders?latency_ms=99999")
    assert reply.status == 400
    ok = get(f"{asgi_server.url}/playground/upstream/orders?latency_ms=5")
    assert ok.status == 200 and ok.json()["service"] == "orders"


def test_host_header_does_not_redirect_demo_calls(asgi_server):
    # Django refuses a host it does not serve before any demo code runs.
    reply = get(api(asgi_server, "fanout/async?calls=1"), headers={"Host": "evil.example"})
    assert reply.status == 400


def test_load_run_reports_percentiles_and_threads(asgi_server):
    reply = get(api(asgi_server, "blocking/sync/load?concurrency=20&sleep_ms=200"))
    assert reply.status == 200
    body = reply.json()
    assert body["errors"] == 0 and body["statuses"] == {"200": 20}
    assert body["p50_ms"] <= body["p95_ms"] <= body["max_ms"]
    assert len(body["latencies_ms"]) == 20
    # 20 sync views sleeping at once each get a thread: they overlap rather than queue.
    assert body["wall_ms"] < 20 * 200 / 2
    assert body["peak_threads"] >= 20
