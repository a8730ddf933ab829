"""Hostile input against the real server: every answer is a 200 or a clear 4xx, never a 500,
and no endpoint fetches a URL it was given."""

import socket
import threading
import urllib.parse
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from playground.registry import DEMOS
from tests.playground.http import get, raw_request
from tests.servers import RunningServer

# Anything a query string can carry: numbers of every kind, junk, unicode, huge, negative.
values = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(
        [
            "",
            " ",
            "nan",
            "NaN",
            "inf",
            "-inf",
            "1e309",
            "0x10",
            "1_000",
            "٣",
            "½",
            "null",
            "true",
            "[]",
            "{}",
            "../",
            "%00",
            "1;DROP TABLE x",
        ]
    ),
    st.text(max_size=40),
)
NON_STREAMING = [
    (demo.id, variant)
    for demo in DEMOS.values()
    for variant in demo.variants
    if demo.id != "streaming"
]


@pytest.fixture(scope="module")
def server(asgi_server) -> RunningServer:
    return asgi_server


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    target=st.sampled_from(NON_STREAMING),
    data=st.data(),
)
def test_fuzzed_parameters_get_200_or_a_clear_400(server, target, data):
    demo_id, variant = target
    demo = DEMOS[demo_id]
    names = st.sampled_from([*demo.params, "url", "calls", "x"]) if demo.params else st.just("x")
    pairs = data.draw(st.lists(st.tuples(names, values), max_size=4))
    query = urllib.parse.urlencode(pairs)
    reply = get(f"{server.url}/playground/api/{demo_id}/{variant}?{query}")
    assert reply.status in (200, 400, 429), (query, reply.status, reply.body[:300])
    if reply.status == 400:
        assert reply.json()["error"]


@pytest.mark.parametrize(
    "path",
    [
        "/lessons/../settings.py",
        "/lessons/..%2f..%2fconfig%2fsettings.py/",
        "/lessons/%2e%2e/",
        "/lessons/async-views%00/",
        "/tracks/..%2f/",
        "/practice/..%2f..%2fetc%2fpasswd/",
        "/playground/upstream/..%2f..%2fetc%2fpasswd",
        "/playground/upstream/orders%2f..%2f..%2f",
        "/playground/..%2fapi%2fdemos/",
        "/static/..%2f..%2fconfig%2fsettings.py",
    ],
)
def test_path_traversal_is_a_404(server, path):
    assert get(server.url + path).status == 404


class Listener:
    """A socket that records whether anything connected to it."""

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(16)
        self.socket.settimeout(0.2)
        self.connections = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.accept, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.socket.getsockname()[1]}/"

    def accept(self) -> None:
        while not self.stop.is_set():
            try:
                connection, _ = self.socket.accept()
            except TimeoutError:
                continue
            self.connections += 1
            connection.close()

    def close(self) -> None:
        self.stop.set()
        self.thread.join()
        self.socket.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    listening = Listener()
    yield listening
    listening.close()


def every_get_endpoint() -> list[str]:
    paths = [
        "/",
        "/search/",
        "/tracks/async/",
        "/lessons/async-views/",
        "/playground/",
        "/playground/fanout/",
        "/playground/api/demos",
        "/playground/api/probe",
        "/playground/api/fanout/source",
        "/practice/",
        "/practice/async-views/",
        "/practice/mock/",
        f"/practice/mock/{'0' * 32}/",
        "/practice/export.json",
        "/healthz",
        "/accounts/login/",
        "/accounts/signup/",
        "/playground/upstream/orders",
        "/playground/api/streaming/record",
    ]
    for demo in DEMOS.values():
        for variant in demo.variants:
            paths.append(f"/playground/api/{demo.id}/{variant}")
            paths.append(f"/playground/api/{demo.id}/{variant}/load")
    return paths


def test_no_endpoint_fetches_a_url_it_is_given(server, listener):
    for path in every_get_endpoint():
        for key in ("url", "target", "upstream", "next", "callback"):
            query = urllib.parse.urlencode({key: listener.url, "run": "fuzz-run-0001"})
            reply = get(f"{server.url}{path}?{query}")
            assert reply.status != 500, (path, key)
    assert listener.connections == 0


@pytest.mark.parametrize(
    "path",
    [
        "/practice/api/review",
        "/practice/api/read",
        "/practice/api/demo-run",
        "/practice/api/prediction",
        "/practice/import/",
        "/accounts/signup/",
        "/accounts/login/",
        "/accounts/logout/",
    ],
)
def test_posts_without_a_csrf_token_are_refused(server, path):
    import urllib.request

    request = urllib.request.Request(
        server.url + path, data=b"{}", method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        urllib.request.urlopen(request, timeout=10)
        status = 200
    except urllib.error.HTTPError as error:
        status = error.code
    assert status == 403


def test_an_oversized_body_is_refused(server):
    body = b'{"lesson": "' + b"x" * (6 * 1024 * 1024) + b'"}'
    head = (
        b"POST /practice/api/read HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/json\r\n" + f"Content-Length: {len(body)}\r\n\r\n".encode()
    )
    answer = raw_request(server.url, head, [body])
    assert answer.startswith(b"HTTP/1.1 413")
    assert b"larger than 5 MB" in answer
