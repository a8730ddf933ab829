"""The gate in front of Django: pages go first, and demo requests run on the demo loop."""

import asyncio
import os
import sys
import threading

import pytest

from playground import gate
from playground.demo_loop import THREAD_NAME, DemoLoop
from playground.gate import DemoGate, runs_on_demo_loop

RUN = "/playground/api/fanout/async"


class HeldApp:
    """An ASGI app whose requests stay in flight until the test lets each go."""

    def __init__(self) -> None:
        self.started: list[str] = []
        self.release: dict[str, asyncio.Event] = {}
        self.changed = asyncio.Event()

    async def __call__(self, scope, receive, send) -> None:
        key = scope["query_string"].decode() or scope["path"]
        self.started.append(key)
        self.changed.set()
        await self.release.setdefault(key, asyncio.Event()).wait()

    def let_go(self, key: str) -> None:
        self.release.setdefault(key, asyncio.Event()).set()


class SameLoop:
    """Runs 'demo loop' requests where the test runs, so the held app's events work."""

    async def run(self, app, scope, receive, send) -> None:
        await app(scope, receive, send)

    def page_started(self) -> None:
        pass

    def pages_done(self) -> None:
        pass


def request(path: str, query: str = "", method: str = "GET") -> dict:
    return {
        "type": "http",
        "method": method,
        "path": path,
        "query_string": query.encode(),
        "headers": [],
        "client": (f"10.0.0.{query or 1}", 1),
    }


async def until(app: HeldApp, count: int) -> None:
    """Wait until `count` requests have reached the app."""
    while len(app.started) < count:
        app.changed.clear()
        await app.changed.wait()


@pytest.fixture
def held(settings, monkeypatch) -> tuple[DemoGate, HeldApp]:
    settings.PLAYGROUND_MAX_CONCURRENT_RUNS = 8
    settings.PLAYGROUND_QUEUE_SECONDS = 30
    monkeypatch.setattr(gate, "demo_loop", SameLoop())
    app = HeldApp()
    return DemoGate(app), app


def test_while_a_page_is_served_only_a_couple_of_demo_runs_start(held):
    asyncio.run(page_then_runs(*held))


async def page_then_runs(site: DemoGate, app: HeldApp) -> None:
    page = asyncio.create_task(site(request("/lessons/async-views/"), None, None))
    runs = [asyncio.create_task(site(request(RUN, str(n)), None, None)) for n in range(1, 6)]
    await until(app, 1 + int(gate.MIN_LIMIT))
    for _ in range(10):  # the others stay in line while the page is in flight
        await asyncio.sleep(0)
    assert app.started == ["/lessons/async-views/", "1", "2"]
    app.let_go("/lessons/async-views/")
    await until(app, 6)  # the page is out: the rest start at once
    for n in range(1, 6):
        app.let_go(str(n))
    await asyncio.gather(page, *runs)


def test_a_post_does_not_hold_demo_runs_back(held):
    asyncio.run(post_then_runs(*held))


async def post_then_runs(site: DemoGate, app: HeldApp) -> None:
    post = asyncio.create_task(site(request("/exercises/api/x/run", method="POST"), None, None))
    runs = [asyncio.create_task(site(request(RUN, str(n)), None, None)) for n in range(1, 6)]
    await until(app, 6)
    app.let_go("/exercises/api/x/run")
    for n in range(1, 6):
        app.let_go(str(n))
    await asyncio.gather(post, *runs)


def test_demo_runs_and_the_probe_run_on_the_demo_loop_and_pages_do_not():
    assert runs_on_demo_loop(RUN) and runs_on_demo_loop(RUN + "/load")
    assert runs_on_demo_loop("/playground/api/probe")
    for path in ("/", "/lessons/async-views/", "/playground/api/demos", "/playground/fanout/"):
        assert not runs_on_demo_loop(path)


def test_a_request_on_the_demo_loop_runs_in_its_thread_and_answers_through_ours():
    asyncio.run(one_request_on_the_demo_loop())


async def one_request_on_the_demo_loop() -> None:
    ours = threading.current_thread().name
    seen: list[str] = []
    sent: list[tuple[str, dict]] = []

    async def app(scope, receive, send) -> None:
        seen.append(threading.current_thread().name)
        body = await receive()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": body["body"]})

    async def receive() -> dict:
        return {"type": "http.request", "body": b"ping", "more_body": False}

    async def send(message: dict) -> None:
        sent.append((threading.current_thread().name, message))

    await DemoLoop().run(app, request(RUN), receive, send)
    assert seen == [THREAD_NAME]
    assert [thread for thread, _ in sent] == [ours, ours]
    assert sent[-1][1]["body"] == b"ping"


def test_the_demo_loop_keeps_the_messages_in_order_and_reports_a_start_that_failed():
    asyncio.run(messages_through_the_demo_loop())


async def messages_through_the_demo_loop() -> None:
    """A response's start is not waited for, so the body after it must still go out after it,
    and a start the connection refused must still reach the app (at its next send)."""
    sent: list[dict] = []
    received: list[dict] = []
    refuse_start = False

    async def app(scope, receive, send) -> None:
        received.append(await receive())
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"a", "more_body": True})
        await send({"type": "http.response.body", "body": b"b"})
        received.append(await receive())

    messages = [
        {"type": "http.request", "body": b"", "more_body": False},
        {"type": "http.disconnect"},
    ]

    async def receive() -> dict:
        return messages.pop(0)

    async def send(message: dict) -> None:
        if message["type"] == "http.response.start":
            for _ in range(20):  # the start takes a while: many turns of the loop
                await asyncio.sleep(0)
            if refuse_start:
                raise OSError("the client has gone")
        sent.append(message)

    await DemoLoop().run(app, request(RUN), receive, send)
    assert [m["type"] for m in received] == ["http.request", "http.disconnect"]
    assert [m.get("body") for m in sent] == [None, b"a", b"b"]

    refuse_start, sent = True, []
    messages[:] = [{"type": "http.request", "body": b"", "more_body": False}]
    with pytest.raises(OSError, match="the client has gone"):
        await DemoLoop().run(app, request(RUN), receive, send)
    assert sent == []

    async def only_a_start(scope, receive, send) -> None:
        await receive()
        await send({"type": "http.response.start", "status": 204, "headers": []})

    # A start that nothing follows is out by the time the request is done, or its error is.
    refuse_start = False
    messages[:] = [{"type": "http.request", "body": b"", "more_body": False}]
    await DemoLoop().run(only_a_start, request(RUN), receive, send)
    assert [m["type"] for m in sent] == ["http.response.start"]
    refuse_start = True
    messages[:] = [{"type": "http.request", "body": b"", "more_body": False}]
    with pytest.raises(OSError, match="the client has gone"):
        await DemoLoop().run(only_a_start, request(RUN), receive, send)


def test_a_run_that_waited_in_line_says_how_long(settings, monkeypatch):
    settings.PLAYGROUND_MAX_CONCURRENT_RUNS = 1
    settings.PLAYGROUND_QUEUE_SECONDS = 30
    monkeypatch.setattr(gate, "demo_loop", SameLoop())
    asyncio.run(one_run_waits_for_another())


async def one_run_waits_for_another() -> None:
    first_in = asyncio.Event()
    let_first_go = asyncio.Event()
    started: dict[str, dict] = {}

    async def app(scope, receive, send) -> None:
        key = scope["query_string"].decode()
        if key == "1":
            first_in.set()
            await let_first_go.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    def sender(key: str):
        async def send(message: dict) -> None:
            if message["type"] == "http.response.start":
                started[key] = dict(message["headers"])

        return send

    site = DemoGate(app)
    first = asyncio.create_task(site(request(RUN, "1"), None, sender("1")))
    await first_in.wait()
    second = asyncio.create_task(site(request(RUN, "2"), None, sender("2")))
    for _ in range(100):  # a few turns of the loop put the second in line behind the first
        if site.waiting:
            break
        await asyncio.sleep(0)
    assert site.waiting
    let_first_go.set()
    await asyncio.gather(first, second)
    assert gate.QUEUED_HEADER not in started["1"]  # it did not wait
    assert int(started["2"][gate.QUEUED_HEADER]) >= 0


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice values")
def test_demo_work_runs_at_a_lower_priority_but_the_load_generator_at_the_pages():
    asyncio.run(priorities_of_a_demo_request())


async def priorities_of_a_demo_request() -> None:
    from playground.demo_loop import DEMO_NICE, on_server_loop

    def nice() -> int:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    async def child_nice() -> int:
        child = await asyncio.create_subprocess_exec(
            sys.executable, "-c", "import os; print(os.getpriority(os.PRIO_PROCESS, 0))",
            stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, _ = await child.communicate()
        return int(out)

    async def where_and_how_nice() -> tuple[str, int, int]:
        return threading.current_thread().name, nice(), await child_nice()

    seen: dict[str, object] = {}

    async def app(scope, receive, send) -> None:
        loop = asyncio.get_running_loop()
        seen["loop"] = nice()
        seen["thread"] = await loop.run_in_executor(None, nice)  # as a sync demo's thread
        seen["process"] = await child_nice()  # as the CPU demo's pool
        seen["load generator"] = await on_server_loop(where_and_how_nice())
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        pass

    ours = nice()
    lower = min(19, ours + DEMO_NICE)
    assert lower != ours, "this test cannot run at the lowest priority already"
    await DemoLoop().run(app, request(RUN), receive, send)
    assert seen["loop"] == seen["thread"] == seen["process"] == lower
    assert seen["load generator"] == (threading.current_thread().name, ours, ours)


def test_the_demo_loop_pauses_while_a_page_is_served_but_not_for_long(monkeypatch):
    import time

    from playground import demo_loop as module

    monkeypatch.setattr(module, "LONGEST_PAUSE_SECONDS", 0.05)
    loop = DemoLoop()
    ran = threading.Event()
    paused_at = time.perf_counter()
    loop.page_started()  # before the loop exists: nothing to pause
    loop.loop()
    loop.page_started()
    loop.loop().call_soon_threadsafe(ran.set)  # queued behind the pause
    assert ran.wait(10)
    assert time.perf_counter() - paused_at >= 0.05  # it waited for the page, up to the bound
    loop.pages_done()


def test_the_demo_loop_goes_on_as_soon_as_the_pages_are_out(monkeypatch):
    from playground import demo_loop as module

    monkeypatch.setattr(module, "LONGEST_PAUSE_SECONDS", 60)
    loop = DemoLoop()
    ran = threading.Event()
    loop.loop()
    loop.page_started()
    loop.loop().call_soon_threadsafe(ran.set)
    loop.pages_done()
    assert ran.wait(10)  # not the 60 s the bound would allow


def test_a_run_cancelled_while_it_waits_leaves_the_line_and_no_slot_behind(settings, monkeypatch):
    settings.PLAYGROUND_MAX_CONCURRENT_RUNS = 1
    settings.PLAYGROUND_QUEUE_SECONDS = 30
    monkeypatch.setattr(gate, "demo_loop", SameLoop())
    asyncio.run(cancel_one_in_line(*held_app()))


def held_app() -> tuple[DemoGate, HeldApp]:
    app = HeldApp()
    return DemoGate(app), app


async def cancel_one_in_line(site: DemoGate, app: HeldApp) -> None:
    first = asyncio.create_task(site(request(RUN, "1"), None, None))
    await until(app, 1)
    waiting = asyncio.create_task(site(request(RUN, "2"), None, None))
    for _ in range(100):
        if site.waiting:
            break
        await asyncio.sleep(0)
    assert len(site.waiting) == 1
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert not site.waiting  # out of the line at once
    app.let_go("1")
    await first
    assert site.in_flight == 0  # no slot kept by the cancelled run
    third = asyncio.create_task(site(request(RUN, "3"), None, None))
    await until(app, 2)  # it starts at once: nothing in line before it
    assert app.started == ["1", "3"]
    app.let_go("3")
    await third
    assert site.in_flight == 0


def test_a_refusal_from_the_gate_carries_the_sites_security_headers(settings):
    settings.PLAYGROUND_CLIENT_MAX_RUNS = 0
    sent: list[dict] = []

    async def send(message: dict) -> None:
        sent.append(message)

    asyncio.run(DemoGate(HeldApp())(request(RUN, "1"), None, send))
    headers = dict(sent[0]["headers"])
    assert sent[0]["status"] == 429
    assert headers[b"x-content-type-options"] == b"nosniff"
    assert headers[b"x-frame-options"] == b"DENY"
    assert headers[b"content-security-policy"].startswith(b"default-src 'self'")
