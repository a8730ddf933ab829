"""Lesson pages from cache: rendered once per lesson and content version, with only what the
request alone knows filled in per request."""

import gzip
import json
import re

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import AsyncClient, Client
from django.test.signals import template_rendered
from django.test.utils import CaptureQueriesContext

from exercises.catalog import get_catalog as get_exercises
from lessons import pages
from practice.learners import current_learner
from practice.progress import record_exercise_run
from tests.helpers import lesson_text, write_lesson

pytestmark = pytest.mark.django_db

LESSON = "/lessons/async-views/"


@pytest.fixture(autouse=True)
def empty_page_cache():
    pages.clear()
    yield
    pages.clear()


@pytest.fixture
def rendered():
    """The names of the templates rendered while the test runs."""
    names: list[str] = []

    def record(sender, template, context, **kwargs):
        names.append(template.name)

    template_rendered.connect(record)
    yield names
    template_rendered.disconnect(record)


def mark_read(client: Client) -> None:
    reply = client.post(
        "/practice/api/read",
        json.dumps({"lesson": "async-views"}),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value,
    )
    assert reply.status_code == 200


def learner_client(read: bool = True) -> Client:
    client = Client(enforce_csrf_checks=True, HTTP_HOST="127.0.0.1")
    client.get("/practice/")  # sets the csrftoken cookie
    if read:
        mark_read(client)
    return client


def ran_the_exercise(client: Client, status: str) -> None:
    """The learner ran the lesson's first exercise to `status`."""
    exercise = get_exercises().for_lesson("async-views")[0]
    learner = current_learner(client.get(LESSON).wsgi_request)
    record_exercise_run(learner, exercise=exercise.slug, lesson="async-views", status=status)


def test_a_lesson_page_is_rendered_once_and_then_served_from_cache(rendered):
    first = Client(HTTP_HOST="127.0.0.1").get(LESSON)
    assert "lessons/lesson.html" in rendered
    rendered.clear()
    again = Client(HTTP_HOST="127.0.0.1").get(LESSON)
    assert again.status_code == 200
    assert rendered == []  # no template work at all for a reader with no progress
    assert again.content == first.content


def test_each_learner_sees_their_own_badge_on_the_cached_page(rendered):
    reader = learner_client()
    stranger = Client(HTTP_HOST="127.0.0.1")
    stranger.get(LESSON)  # the page is cached now, for a reader with no progress
    rendered.clear()
    page = reader.get(LESSON).content.decode()
    assert '<span class="progress-badge">read</span>' in page
    assert "lessons/lesson.html" not in rendered
    assert '<span class="progress-badge">read</span>' not in stranger.get(LESSON).content.decode()


def test_a_learners_exercise_standing_is_filled_in_per_request(rendered):
    reader = learner_client()
    ran_the_exercise(reader, "pass")
    rendered.clear()
    page = reader.get(LESSON).content.decode()
    assert "exercises/_lesson_exercises.html" in rendered  # a new standing: rendered once
    assert 'data-exercise-badge="passed"' in page
    assert 'data-attempted="true"' in page and 'class="exercise-state is-passed"' in page
    rendered.clear()
    assert reader.get(LESSON).content.decode() == page
    assert rendered == []  # the same standing again: from cache
    fresh = Client(HTTP_HOST="127.0.0.1").get(LESSON).content.decode()
    assert 'data-attempted="false"' in fresh and 'class="exercise-state is-new"' in fresh


def test_the_page_carries_no_csrf_token_but_sets_the_cookie_scripts_post_with():
    client = Client(enforce_csrf_checks=True, HTTP_HOST="127.0.0.1")
    page = client.get(LESSON)
    token = client.cookies["csrftoken"].value
    assert token and token not in page.content.decode()
    assert "csrfmiddlewaretoken" not in page.content.decode()
    assert not re.search(rb'name="csrf-token"', page.content)
    reply = client.post(
        "/practice/api/read",
        json.dumps({"lesson": "async-views"}),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert reply.status_code == 200


def test_an_edited_lesson_is_served_new(lessons_dir):
    client = Client(HTTP_HOST="127.0.0.1")
    write_lesson(lessons_dir / "async", "90-fresh.md", lesson_text("fresh", title="First title?"))
    assert "First title?" in client.get("/lessons/fresh/").content.decode()
    write_lesson(
        lessons_dir / "async", "90-fresh.md", lesson_text("fresh", title="Second, longer title?")
    )
    assert "Second, longer title?" in client.get("/lessons/fresh/").content.decode()


def queries_for(client: Client, path: str = LESSON) -> list[str]:
    client.get(path)  # the page and the learner's standing are cached from here on
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return [query["sql"] for query in captured.captured_queries]


@pytest.mark.database
def test_an_anonymous_reader_costs_no_query():
    assert queries_for(Client(HTTP_HOST="127.0.0.1")) == []


@pytest.mark.database
def test_a_learner_with_progress_costs_one_query_for_their_badges_and_exercises():
    reader = learner_client()
    ran_the_exercise(reader, "fail")
    (query,) = queries_for(reader)  # the session comes from the cache
    assert "practice_progress" in query and "practice_exerciseresult" in query
    page = reader.get(LESSON).content.decode()
    assert '<span class="progress-badge">read</span>' in page
    assert 'class="exercise-state is-tried"' in page


@pytest.mark.database
def test_a_signed_in_learner_costs_the_user_and_one_query():
    """Signing in adds the user's row: it checks the session against the password's hash."""
    User.objects.create_user("ada", password="correct horse battery")
    reader = learner_client(read=False)
    assert reader.login(username="ada", password="correct horse battery")
    mark_read(reader)
    user_query, records_query = queries_for(reader)
    assert "auth_user" in user_query and "practice_progress" in records_query
    assert '<span class="progress-badge">read</span>' in reader.get(LESSON).content.decode()


def test_a_logout_ends_the_cached_session():
    User.objects.create_user("ada", password="correct horse battery")
    reader = learner_client(read=False)
    assert reader.login(username="ada", password="correct horse battery")
    stolen = reader.cookies["sessionid"].value
    assert reader.get("/practice/").context["user"].is_authenticated
    logout = reader.post("/accounts/logout/", HTTP_X_CSRFTOKEN=reader.cookies["csrftoken"].value)
    assert logout.status_code == 302
    replay = Client(HTTP_HOST="127.0.0.1")
    replay.cookies["sessionid"] = stolen
    assert not replay.get("/practice/").context["user"].is_authenticated


def test_a_conditional_get_of_an_unchanged_page_gets_304():
    client = Client(HTTP_HOST="127.0.0.1")
    first = client.get(LESSON)
    assert first["ETag"].startswith('"') and "private" in first["Cache-Control"]
    again = client.get(LESSON, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == first["ETag"]
    other = client.get("/lessons/async-orm/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert other.status_code == 200


def test_the_etag_changes_with_the_learners_own_progress():
    reader = learner_client(read=False)
    before = reader.get(LESSON)
    assert reader.get(LESSON, HTTP_IF_NONE_MATCH=before["ETag"]).status_code == 304
    mark_read(reader)
    after = reader.get(LESSON, HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200  # the badge now says "read": the old copy is stale
    assert '<span class="progress-badge">read</span>' in after.content.decode()
    assert after["ETag"] != before["ETag"]


def test_a_compressed_page_is_revalidated_by_its_weak_etag():
    client = Client(HTTP_HOST="127.0.0.1", HTTP_ACCEPT_ENCODING="gzip")
    packed = client.get(LESSON)
    assert packed["Content-Encoding"] == "gzip" and packed["ETag"].startswith('W/"')
    assert client.get(LESSON, HTTP_IF_NONE_MATCH=packed["ETag"]).status_code == 304


def test_the_header_says_who_is_signed_in_on_the_cached_page():
    User.objects.create_user("ada", password="correct horse battery")
    reader = learner_client(read=False)
    anonymous = reader.get(LESSON)
    assert 'href="/accounts/login/">Log in</a>' in anonymous.content.decode()
    assert reader.login(username="ada", password="correct horse battery")
    signed_in = reader.get(LESSON, HTTP_IF_NONE_MATCH=anonymous["ETag"])
    assert signed_in.status_code == 200  # a new header: not the copy the browser kept
    assert "Signed in as </span>ada</a>" in signed_in.content.decode()
    stranger = Client(HTTP_HOST="127.0.0.1").get(LESSON).content.decode()
    assert "ada" not in stranger and "Log in</a>" in stranger


@pytest.fixture
def production(settings):
    """Lesson files read once, as in production: a reader without a session is served the
    page kept whole."""
    settings.LESSONS_RELOAD = False


def test_a_reader_without_a_session_gets_the_kept_page_with_no_work(production, rendered):
    from tests.ops.test_loop_middleware import hops_for

    first = Client(HTTP_HOST="127.0.0.1").get(LESSON)
    rendered.clear()
    replies = []

    async def read():
        replies.append(await AsyncClient(HTTP_HOST="127.0.0.1").get(LESSON))

    with CaptureQueriesContext(connection) as captured:
        hops = hops_for(read)
    assert replies[0].content == first.content and replies[0]["ETag"] == first["ETag"]
    assert captured.captured_queries == [] and rendered == []
    assert hops <= 2  # Django's own two (request_started, closing the response): none for the page
    assert "csrftoken" in replies[0].cookies  # the page's scripts still get their token
    assert "Cookie" in replies[0]["Vary"] and "Accept-Encoding" in replies[0]["Vary"]


def test_the_kept_page_is_sent_compressed_once_made_and_revalidated(production):
    plain = Client(HTTP_HOST="127.0.0.1").get(LESSON)
    packed = Client(HTTP_HOST="127.0.0.1", HTTP_ACCEPT_ENCODING="gzip, br").get(LESSON)
    assert packed["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.content) == plain.content
    assert packed["ETag"] == f"W/{plain['ETag']}"
    again = Client(HTTP_HOST="127.0.0.1", HTTP_ACCEPT_ENCODING="gzip").get(
        LESSON, HTTP_IF_NONE_MATCH=packed["ETag"]
    )
    assert again.status_code == 304 and again.content == b""


def test_a_learner_not_signed_in_gets_the_kept_page_and_their_part_separately(production):
    from tests.ops.test_loop_middleware import hops_for

    newcomer = Client(HTTP_HOST="127.0.0.1").get(LESSON).content.decode()  # the kept page exists
    reader = learner_client()
    replies = []

    async def read():
        client = AsyncClient(HTTP_HOST="127.0.0.1")
        client.cookies = reader.cookies
        replies.append(await client.get(LESSON))

    with CaptureQueriesContext(connection) as captured:
        hops = hops_for(read)
    page = replies[0].content.decode()
    assert captured.captured_queries == [] and hops <= 2  # no session read, no query, no thread
    assert 'data-yours="/lessons/async-views/yours"' in page
    assert "data-yours" not in newcomer  # a reader with no session has no part to fetch
    assert page == newcomer.replace(
        'data-lesson="async-views"',
        'data-lesson="async-views" data-yours="/lessons/async-views/yours"',
    )
    assert '<span class="progress-badge">read</span>' not in page

    with CaptureQueriesContext(connection) as captured:
        part = reader.get("/lessons/async-views/yours")
    assert part["Cache-Control"] == "no-store"
    assert part.json()["badges"].startswith('<span class="progress-badge">read</span>')
    assert "Log in</a>" in part.json()["account_link"]
    records = [q for q in captured.captured_queries if "practice_progress" in q["sql"]]
    assert len(records) == 1  # the learner's lesson states and exercise results, together


def test_the_learners_part_has_their_standing_on_each_exercise(production):
    reader = learner_client()
    ran_the_exercise(reader, "fail")
    exercises = get_exercises().for_lesson("async-views")
    items = reader.get("/lessons/async-views/yours").json()["exercises"]
    assert [item["slug"] for item in items] == [e.slug for e in exercises]
    assert items[0]["attempted"] is True and "tried" in items[0]["standing"]
    assert all(
        item["attempted"] is False and "not tried yet" in item["standing"] for item in items[1:]
    )
    assert reader.get("/lessons/no-such-lesson/yours").status_code == 404


def test_a_signed_in_learner_is_filled_in_and_the_cookie_says_so(production):
    User.objects.create_user("ada", password="correct horse battery")
    Client(HTTP_HOST="127.0.0.1").get(LESSON)  # the kept page exists
    reader = learner_client(read=False)
    signed_in = reader.post(
        "/accounts/login/",
        {
            "username": "ada",
            "password": "correct horse battery",
            "csrfmiddlewaretoken": reader.cookies["csrftoken"].value,
        },
    )
    assert signed_in.status_code == 302 and reader.cookies[pages.SIGNED_IN_COOKIE].value == "1"
    page = reader.get(LESSON).content.decode()
    assert "Signed in as </span>ada</a>" in page and "data-yours" not in page
    reader.post("/accounts/logout/", {"csrfmiddlewaretoken": reader.cookies["csrftoken"].value})
    assert reader.cookies[pages.SIGNED_IN_COOKIE].value == ""  # deleted
    page = reader.get(LESSON).content.decode()
    assert "Log in</a>" in page and "ada" not in page


def test_a_stale_signed_in_cookie_gets_the_truth_and_is_put_right(production):
    Client(HTTP_HOST="127.0.0.1").get(LESSON)
    reader = learner_client()
    reader.cookies[pages.SIGNED_IN_COOKIE] = "1"  # left from a session that has ended
    reply = reader.get(LESSON)
    assert "Log in</a>" in reply.content.decode() and "data-yours" not in reply.content.decode()
    assert reply.cookies[pages.SIGNED_IN_COOKIE].value == ""  # deleted: the next page is kept


UNAVAILABLE = 'data-unavailable="true"'  # an exercise block with no Run: none can run here


def test_a_kept_page_is_made_again_when_what_it_says_may_have_changed(
    production, settings, tmp_path, monkeypatch
):
    settings.EXERCISES_RUNNER = str(tmp_path / "not-started.sock")  # exercises cannot run
    newcomer = Client(HTTP_HOST="127.0.0.1")
    assert UNAVAILABLE in newcomer.get(LESSON).content.decode()
    settings.EXERCISES_RUNNER = ""  # now they can (the sandbox of this process)
    assert UNAVAILABLE in newcomer.get(LESSON).content.decode()  # kept
    monkeypatch.setattr(pages, "KEEP_SECONDS", 0)
    page = newcomer.get(LESSON).content.decode()  # made again, and kept again
    assert UNAVAILABLE not in page
    assert newcomer.get(LESSON).content.decode() == page
