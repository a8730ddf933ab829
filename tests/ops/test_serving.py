"""What every page does for browsers, monitors and caches: HEAD answers like GET without a
body, text is compressed when asked, and a streaming demo still streams."""

import asyncio
import gzip
import re
import time
import urllib.request
from collections.abc import Iterator

import aiohttp
import pytest
from django.test import Client
from django.test.signals import template_rendered
from django.urls import URLResolver, get_resolver

from exercises import catalog as exercise_catalog
from exercises.catalog import get_catalog as get_exercises
from lessons import pages
from lessons.catalog import get_catalog
from playground.registry import DEMOS
from tests.helpers import lesson_text, write_lesson
from tests.playground.http import aget, get
from tests.servers import RunningServer, start_daphne


def every_page() -> list[str]:
    """One URL for each page route, every lesson, track, demo and exercise among them."""
    lessons = get_catalog()
    return [
        "/",
        "/search/?q=gather",
        *(f"/tracks/{track.slug}/" for track, _ in lessons.tracks()),
        *(f"/lessons/{slug}/" for slug in lessons.lessons),
        *(f"/lessons/{slug}/yours" for slug in lessons.lessons),
        "/playground/",
        *(f"/playground/{demo}/" for demo in DEMOS),
        "/practice/",
        f"/practice/mock/{'0' * 32}/",  # /practice/mock/ redirects to a new one of these
        "/practice/export.json",
        *(f"/practice/{slug}/" for slug in lessons.lessons),
        "/exercises/",
        *(f"/exercises/{slug}/" for slug in get_exercises().exercises),
        "/exercises/api/",
        "/exercises/api/status",
        *(f"/exercises/api/{slug}" for slug in get_exercises().exercises),
        "/playground/api/demos",
        *(f"/playground/api/{demo}/source" for demo in DEMOS),
        "/playground/api/blocking/time-sleep/load/limit",
        "/accounts/login/",
        "/accounts/signup/",
        "/healthz",
        "/robots.txt",
        "/sitemap.xml",
    ]


def routes(patterns, prefix: str = "") -> list[str]:
    found = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            found += routes(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            found.append(prefix + str(pattern.pattern))
    return found


# Not pages: what takes POST only, what runs a demo (a HEAD would run it too), a solution (403
# until the learner has tried), and the account routes that need a signed-in user or a token.
NOT_PAGES = re.compile(
    "|".join(
        [
            r"practice/api/",
            r"practice/import/$",
            r"exercises/api/<slug:slug>/(run|solution)$",
            r"playground/api/(probe|streaming/record)$",
            r"playground/realtime/events$",  # the real-time demo's event stream
            r"playground/api/<str:demo>/<str:variant>(/load)?$",
            r"playground/api/[\w-]+/[\w-]+$",  # the variants, one route each
            r"accounts/(logout|password|reset)",
            r"practice/mock/$",  # a redirect to a new interview: its own test below
        ]
    )
)


def test_the_page_list_covers_every_page_route():
    samples = every_page()
    for route in routes(get_resolver().url_patterns):
        if NOT_PAGES.match(route):
            continue
        shape = re.sub(r"<[^>]+>", "[^/?]+", route)
        assert any(re.fullmatch(f"/{shape}(\\?.*)?", url) for url in samples), route


@pytest.mark.django_db
def test_head_on_the_mock_start_redirects_like_get():
    client = Client(HTTP_HOST="127.0.0.1")
    got, head = client.get("/practice/mock/"), client.head("/practice/mock/")
    assert (got.status_code, head.status_code) == (302, 302)
    assert head["Location"].startswith("/practice/mock/") and head.content == b""


@pytest.mark.django_db
def test_head_answers_every_page_like_get_without_a_body():
    client = Client(HTTP_HOST="127.0.0.1")
    for path in every_page():
        got = client.get(path)
        head = client.head(path)
        assert (path, got.status_code, head.status_code) == (path, 200, 200)
        assert head.content == b"", path
        assert head["Content-Type"] == got["Content-Type"], path


@pytest.mark.django_db
def test_pages_are_compressed_when_asked():
    client = Client(HTTP_HOST="127.0.0.1")
    plain = client.get("/lessons/async-views/")
    packed = client.get("/lessons/async-views/", HTTP_ACCEPT_ENCODING="gzip, br")
    assert packed["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed["Vary"]
    assert len(packed.content) < len(plain.content) / 3
    assert gzip.decompress(packed.content).startswith(b"<!doctype html>")


def test_production_reads_the_lessons_once(settings, lessons_dir):
    settings.LESSONS_RELOAD = False
    before = set(get_catalog().lessons)
    write_lesson(lessons_dir / "async", "90-late-lesson.md", lesson_text("late-lesson"))
    assert set(get_catalog().lessons) == before  # no look at the files on a request
    settings.LESSONS_RELOAD = True
    assert "late-lesson" in get_catalog().lessons


def test_production_reads_the_exercises_once(settings, monkeypatch):
    settings.LESSONS_RELOAD = False
    loaded = get_exercises()
    looks = []
    monkeypatch.setattr(exercise_catalog, "_signature", lambda root: looks.append(root))
    assert get_exercises() is loaded and get_exercises() is loaded
    assert looks == []  # no stat of the exercise files on a request


@pytest.mark.django_db
def test_production_renders_every_lesson_page_before_the_first_request(settings):
    settings.LESSONS_RELOAD = False
    rendered: list[str] = []

    def record(sender, template, context, **kwargs):
        rendered.append(template.name)

    pages.clear()
    pages.warm(get_catalog())
    template_rendered.connect(record)
    try:
        for slug in get_catalog().lessons:
            assert Client(HTTP_HOST="127.0.0.1").get(f"/lessons/{slug}/").status_code == 200
    finally:
        template_rendered.disconnect(record)
    assert "lessons/lesson.html" not in rendered


def test_a_streaming_demo_still_streams_when_gzip_is_asked(asgi_server):
    url = (
        asgi_server.url + "/playground/api/streaming/async?events=4&interval_ms=300&run=gz-stream-1"
    )
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
    start = time.perf_counter()
    with urllib.request.urlopen(request, timeout=30) as response:
        assert "Content-Encoding" not in response.headers
        first = response.readline()
        first_at = time.perf_counter() - start
        rest = response.read()
    assert b'"event": 1' in first and rest.count(b"\n") == 4
    assert first_at < 3 * 0.3  # the first event came before the last three were made


def test_the_real_server_answers_head_and_compresses_pages_and_static_files(asgi_server):
    """And sends static files with the page's security headers."""
    request = urllib.request.Request(asgi_server.url + "/lessons/async-views/", method="HEAD")
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200 and response.read() == b""
    request = urllib.request.Request(
        asgi_server.url + "/lessons/async-views/", headers={"Accept-Encoding": "gzip"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.headers["Content-Encoding"] == "gzip"
        page = gzip.decompress(response.read()).decode()
        page_policy = response.headers["Content-Security-Policy"]
    assert page.startswith("<!doctype html>")
    # The stylesheet and a module the page links, as the production server sends them.
    links = re.findall(r'href="(/static/[^"]+\.(?:css|js))"', page)
    css, js = [h for h in links if h.endswith(".css")], [h for h in links if h.endswith(".js")]
    assert css and js
    for href in (css[0], js[0]):
        request = urllib.request.Request(
            asgi_server.url + href, headers={"Accept-Encoding": "gzip"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.headers["Content-Encoding"] == "gzip", href
            assert gzip.decompress(response.read()), href
            # The same security headers as the page's.
            assert response.headers["Content-Security-Policy"] == page_policy, href
            assert response.headers["X-Frame-Options"] == "DENY", href
            assert response.headers["X-Content-Type-Options"] == "nosniff", href


@pytest.fixture(scope="module")
def roomy_server(tmp_path_factory) -> Iterator[RunningServer]:
    """A Daphne server of its own, with room in its blocking budget for this module."""
    server = start_daphne(
        tmp_path_factory.mktemp("roomy-server"), PLAYGROUND_BLOCKING_BUDGET_MS="60000"
    )
    yield server
    server.stop()


async def pages_and_probes_while_blocked(url: str, sleep_ms: int) -> tuple[int, float, float]:
    """Lesson pages and probes back to back while a demo holds its loop with time.sleep:
    the demo's status, the slowest page and the slowest probe (ms)."""
    async with aiohttp.ClientSession() as session:
        block = asyncio.create_task(
            aget(session, f"{url}/playground/api/blocking/time-sleep?sleep_ms={sleep_ms}")
        )
        pages, probes = [0.0], [0.0]
        while not block.done():
            page, probe = await asyncio.gather(
                aget(session, url + "/lessons/async-views/"),
                aget(session, url + "/playground/api/probe"),
            )
            pages.append(page.elapsed_ms)
            probes.append(probe.elapsed_ms)
        return (await block).status, max(pages), max(probes)


@pytest.mark.server  # starts its own Daphne
def test_readers_are_not_held_up_by_a_demo_that_blocks_its_loop(roomy_server):
    """The demo blocks the loop the demos (and the probe) run on, not the one pages are
    served on."""
    sleep_ms = 2000
    status, slowest_page, slowest_probe = asyncio.run(
        pages_and_probes_while_blocked(roomy_server.url, sleep_ms)
    )
    assert status == 200
    assert slowest_probe > sleep_ms / 2  # the probe waited for the sleep
    assert slowest_page < sleep_ms / 3  # the pages did not


def test_a_url_prefix_sent_by_a_client_reaches_no_page(asgi_server):
    # Daphne would take it as the site's prefix; the first render of a lesson is kept for
    # every reader, so one request would have broken every link on the page for everyone.
    path = "/lessons/signals/"
    poisoned = get(asgi_server.url + path, headers={"Daphne-Root-Path": "/poison"})
    assert poisoned.status == 200 and "/poison" not in poisoned.text
    assert "/poison" not in get(asgi_server.url + path).text


@pytest.mark.server  # starts and stops its own Daphne
def test_a_server_that_made_upstream_calls_stops_without_an_error(tmp_path):
    """The demos' client sessions are closed at exit, not left for the collector to report as
    unclosed (an ERROR in the log of every stop)."""
    server = start_daphne(tmp_path)
    try:
        assert get(server.url + "/playground/api/fanout/async?calls=3&latency_ms=10").status == 200
    finally:
        server.stop()
    log = server.log_path.read_text()
    assert "Listening on TCP address" in log
    assert " ERROR " not in log, log[-2000:]
