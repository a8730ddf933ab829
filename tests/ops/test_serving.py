"""What every page does for browsers, monitors and caches: HEAD answers like GET without a
body, text is compressed when asked, and a streaming demo still streams."""

import gzip
import time
import urllib.request

import pytest
from django.test import Client

from lessons.catalog import get_catalog
from tests.helpers import lesson_text, write_lesson

PAGES = [
    "/",
    "/tracks/async/",
    "/lessons/async-views/",
    "/search/?q=gather",
    "/playground/",
    "/playground/fanout/",
    "/healthz",
    "/robots.txt",
    "/sitemap.xml",
]


@pytest.mark.django_db
@pytest.mark.parametrize("path", PAGES)
def test_head_answers_like_get_without_a_body(path):
    client = Client(HTTP_HOST="127.0.0.1")
    got = client.get(path)
    head = client.head(path)
    assert got.status_code == head.status_code == 200
    assert head.content == b""
    assert head["Content-Type"] == got["Content-Type"]


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


def test_the_real_server_answers_head_and_compresses(asgi_server):
    request = urllib.request.Request(asgi_server.url + "/lessons/async-views/", method="HEAD")
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200 and response.read() == b""
    request = urllib.request.Request(
        asgi_server.url + "/lessons/async-views/", headers={"Accept-Encoding": "gzip"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(response.read()).startswith(b"<!doctype html>")
