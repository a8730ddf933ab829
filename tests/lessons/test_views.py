from pathlib import Path

import pytest

from lessons.catalog import get_catalog
from lessons.tracks import START_HERE, TRACKS
from tests.helpers import lesson_text, write_lesson


def test_home_lists_tracks_and_lessons(client):
    response = client.get("/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Async Django and ASGI" in body
    assert "/lessons/async-views/" in body
    assert 'name="q"' in body


def test_lesson_page_has_sections_toc_and_level(client):
    body = client.get("/lessons/async-views/").content.decode()
    for section in (
        "why-interviewers-ask-this",
        "predict-first",
        "short-answer",
        "answer",
        "pro-tip",
    ):
        assert f'href="#{section}"' in body  # table of contents
        assert f'id="{section}"' in body
    assert 'class="level level-advanced"' in body
    assert 'data-demo="fanout"' in body


def test_every_lesson_asks_its_predictions_before_the_short_answer(client):
    for slug in get_catalog().lessons:
        body = client.get(f"/lessons/{slug}/").content.decode()
        assert 'href="#predict-first"' in body
        assert body.index('class="quiz"') < body.index('id="short-answer"'), slug


def test_track_page_and_unknown_track(client):
    assert client.get("/tracks/async/").status_code == 200
    assert client.get("/tracks/nope/").status_code == 404


def test_search_finds_code_identifiers_with_a_snippet(client):
    body = client.get("/search/", {"q": "sync_to_async"}).content.decode()
    assert "/lessons/async-views/" in body
    assert "<mark>sync_to_async</mark>" in body


def test_search_escapes_the_query_and_handles_no_match(client):
    body = client.get("/search/", {"q": "<script>zzzq"}).content.decode()
    assert "<script>zzzq" not in body
    assert "Nothing matched" in body


def test_unknown_lesson_gets_the_friendly_404(client, settings):
    settings.DEBUG = False
    response = client.get("/lessons/does-not-exist/")
    assert response.status_code == 404
    assert "That page isn't here" in response.content.decode()


def test_server_error_gets_the_friendly_500(client, settings, monkeypatch):
    settings.DEBUG = False
    client.raise_request_exception = False

    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("lessons.views.get_catalog", explode)
    response = client.get("/")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()


def test_pages_reject_post(client):
    assert client.post("/").status_code in (403, 405)


def test_broken_lesson_shown_to_instructors_in_debug_only(client, settings, lessons_dir: Path):
    write_lesson(lessons_dir / "async", "91-broken.md", "no front matter")
    settings.DEBUG = True
    assert "91-broken.md:1:" in client.get("/").content.decode()
    settings.DEBUG = False
    body = client.get("/").content.decode()
    assert "91-broken.md" not in body
    assert "/lessons/async-views/" in body


@pytest.mark.parametrize("url", ["/", "/lessons/async-views/", "/search/?q=async"])
def test_pages_load_no_external_resources(client, url):
    body = client.get(url).content.decode()
    assert "http://" not in body.replace("http://127.0.0.1", "")
    assert "//cdn" not in body
    assert "fonts.googleapis" not in body


def test_prev_next_links(client, lessons_dir: Path):
    write_lesson(lessons_dir / "async", "99-last.md", lesson_text("last", order=99))
    body = client.get("/lessons/last/").content.decode()
    assert 'rel="prev"' in body
    assert 'rel="next"' not in body


def test_every_start_here_step_is_a_lesson():
    lessons = get_catalog().lessons
    missing = [step.slug for step in START_HERE if step.slug not in lessons]
    assert not missing, f"the start-here path names lessons that do not exist: {missing}"


def test_home_starts_a_newcomer_on_a_path_in_order(client):
    body = client.get("/").content.decode()
    path = body[body.index('id="start-here-title"') : body.index("</ol>", body.index("start-path"))]
    links = [path.index(f'href="/lessons/{step.slug}/"') for step in START_HERE]
    assert links == sorted(links)
    assert body.index('id="start-here-title"') < body.index('id="track-async"')  # first


def test_lesson_says_where_it_sits_in_its_track(client):
    catalog = get_catalog()
    async_lessons = catalog.track_lessons("async")
    second = async_lessons[1]
    body = client.get(f"/lessons/{second.slug}/").content.decode()
    assert f"Lesson 2 of {len(async_lessons)} in" in body


def test_a_track_ends_with_a_link_to_the_next_track(client):
    catalog = get_catalog()
    last = catalog.track_lessons("async")[-1]
    following, first = catalog.next_track("async")
    assert following.order > TRACKS["async"].order
    assert first == catalog.track_lessons(following.slug)[0]
    body = client.get(f"/lessons/{last.slug}/").content.decode()
    assert f"Next track, {following.title}" in body
    assert f'href="/lessons/{first.slug}/"' in body
    last_track = catalog.tracks()[-1][0]
    assert catalog.next_track(last_track.slug) is None
