"""The request-lifecycle demo on the real Daphne server: the order of the phases, and which of
them ran on the event loop's thread and which on a worker thread."""

from tests.playground.test_database_demos import run
from tests.servers import RunningServer


def threads_of(server: RunningServer, variant: str) -> tuple[dict[str, str], str, dict]:
    """Each phase's thread, the event loop's thread (where the handler was awaited), the body."""
    body = run(server, f"request-lifecycle/{variant}?view_ms=20")
    spans = {span["label"]: span["thread"] for span in body["spans"]}
    return spans, spans["ASGIHandler(scope, receive, send)"], body


def test_the_request_goes_in_top_down_and_out_bottom_up(asgi_server):
    _, _, body = threads_of(asgi_server, "sync-middleware")
    order = [step.split("  [")[0] for step in body["result"]["path"]]
    assert order == [
        "request_started receivers",
        "→ OuterMiddleware",
        "→ LegacyMiddleware (sync only)",
        "→ InnerMiddleware",
        "resolve_request(): match the URL",
        "view: show_order() (async)",
        "render the template (after the view)",
        "← InnerMiddleware",
        "← LegacyMiddleware (sync only)",
        "← OuterMiddleware",
        "send http.response.start",
        "send http.response.body",
        "request_finished receivers (from response.close())",
    ]
    assert body["result"]["status"] == 200
    assert body["result"]["body"] == "<p>Order 42: shipped</p>"


def test_an_async_stack_hops_only_for_signals_and_rendering(asgi_server):
    threads, loop, _ = threads_of(asgi_server, "async-stack")
    on_loop = ["OuterMiddleware", "InnerMiddleware", "view: show_order() (async)"]
    assert all(threads[label] == loop for label in on_loop)
    assert threads["resolve_request(): match the URL"] == loop
    off_loop = [
        "request_started receivers",
        "render the template (after the view)",
        "request_finished receivers (from response.close())",
    ]
    assert all(threads[label] != loop for label in off_loop)


def test_a_sync_only_middleware_drags_the_layers_above_it_into_its_thread(asgi_server):
    threads, loop, body = threads_of(asgi_server, "sync-middleware")
    legacy = threads["LegacyMiddleware (sync only)"]
    assert legacy != loop and threads["OuterMiddleware"] == legacy
    assert threads["InnerMiddleware"] == loop == threads["view: show_order() (async)"]
    _, _, async_stack = threads_of(asgi_server, "async-stack")
    assert body["result"]["thread_switches"] > async_stack["result"]["thread_switches"]


def test_a_sync_view_runs_on_a_worker_thread(asgi_server):
    threads, loop, _ = threads_of(asgi_server, "sync-view")
    assert threads["view: show_order_sync() (sync)"] != loop
    assert threads["OuterMiddleware"] == threads["InnerMiddleware"] == loop
