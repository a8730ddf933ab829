"""The security, authentication, background-work, migrations and real-time lessons reach every
place a learner meets a question: search, their track's page, practice and the mock interview."""

import html

import pytest
from django.test import Client
from django.utils.html import strip_tags

from lessons.catalog import get_catalog

pytestmark = pytest.mark.django_db

SLUGS = [
    "web-security",
    "users-and-auth",
    "background-work",
    "migrations-without-downtime",
    "websockets-and-real-time",
]


@pytest.fixture
def client() -> Client:
    return Client(HTTP_HOST="127.0.0.1")


@pytest.mark.parametrize("slug", SLUGS)
def test_the_lesson_is_on_its_track_page_and_in_search(client, slug):
    lesson = get_catalog().lessons[slug]
    assert f"/lessons/{slug}/" in client.get(f"/tracks/{lesson.track}/").content.decode()
    word = lesson.tags[0]
    assert f"/lessons/{slug}/" in client.get("/search/", {"q": word}).content.decode()


@pytest.mark.parametrize("slug", SLUGS)
def test_the_lesson_can_be_practised_and_comes_up_in_its_tracks_mock_interview(client, slug):
    lesson = get_catalog().lessons[slug]
    practice = client.get(f"/practice/{slug}/")
    assert practice.status_code == 200
    shown = html.unescape(strip_tags(practice.content.decode()))
    assert all(html.unescape(strip_tags(point))[:40] in shown for point in lesson.key_points)
    track = [x for x in get_catalog().lessons.values() if x.track == lesson.track]
    started = client.get("/practice/mock/", {"track": lesson.track, "n": len(track)}, follow=True)
    assert started.status_code == 200
    mock = started.content.decode()
    assert lesson.title in html.unescape(mock)
