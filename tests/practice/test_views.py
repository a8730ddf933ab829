import json
import re
import uuid

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from practice.models import DemoRun, Learner, Progress, Review

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser_client() -> Client:
    """A client that checks CSRF tokens the way a browser's requests are checked."""
    client = Client(enforce_csrf_checks=True, HTTP_HOST="127.0.0.1")
    client.get("/practice/")  # sets the csrftoken cookie
    return client


def post(client: Client, url: str, data, token: bool = True):
    headers = {"HTTP_X_CSRFTOKEN": client.cookies["csrftoken"].value} if token else {}
    body = data if isinstance(data, str) else json.dumps(data)
    return client.post(url, body, content_type="application/json", **headers)


def review(lesson="async-views", rating=3, **extra):
    return {"lesson": lesson, "rating": rating, "review_id": str(uuid.uuid4()), **extra}


def test_rating_records_a_review_and_says_when_it_comes_back(browser_client):
    response = post(browser_client, "/practice/api/review", review(answer="It overlaps I/O."))
    assert response.status_code == 201
    body = response.json()
    assert body["recorded"] is True
    assert body["comes_back_in"] == "10 min"  # FSRS: a first "Good" is a 10-minute step
    saved = Review.objects.get()
    assert saved.answer == "It overlaps I/O." and saved.rating == 3


def test_the_same_review_twice_is_recorded_once(browser_client):
    data = review()
    assert post(browser_client, "/practice/api/review", data).status_code == 201
    again = post(browser_client, "/practice/api/review", data)
    assert again.status_code == 200 and again.json()["recorded"] is False
    assert Review.objects.count() == 1
    assert Progress.objects.get().reviews == 1


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        (review(lesson="no-such-lesson"), 404, "unknown lesson"),
        (review(rating=5), 400, "rating must be 1"),
        (review(rating="3"), 400, "rating must be 1"),
        (review(rating=True), 400, "rating must be 1"),
        ({**review(), "review_id": "not-a-uuid"}, 400, "review_id must be a UUID"),
        (review(duration_ms=-5), 400, "duration_ms"),
        (review(answer="x" * 5001), 400, "at most 5000"),
        (review(checked_points="all"), 400, "checked_points"),
        ("{not json", 400, "must be JSON"),
        ("[1, 2]", 400, "JSON object"),
    ],
)
def test_bad_ratings_get_a_clear_4xx_and_change_nothing(browser_client, data, status, message):
    response = post(browser_client, "/practice/api/review", data)
    assert response.status_code == status
    assert message in response.json()["error"]
    assert Review.objects.count() == Progress.objects.count() == 0


def test_rating_without_csrf_token_is_refused(browser_client):
    response = post(browser_client, "/practice/api/review", review(), token=False)
    assert response.status_code == 403
    assert Review.objects.count() == 0


def test_rating_needs_post(browser_client):
    assert browser_client.get("/practice/api/review").status_code == 405


def test_read_and_demo_run_are_recorded(browser_client):
    assert post(browser_client, "/practice/api/read", {"lesson": "async-views"}).status_code == 200
    run = {
        "lesson": "async-views",
        "demo": "fanout",
        "variant": "async",
        "params": {"calls": 3, "latency_ms": 300},
        "total_ms": 312.4,
    }
    assert post(browser_client, "/practice/api/demo-run", run).status_code == 201
    assert Progress.objects.get().read_at is not None
    assert DemoRun.objects.get().params["calls"] == 3
    bad = post(browser_client, "/practice/api/demo-run", {**run, "variant": "nope"})
    assert bad.status_code == 400


def test_practice_page_quotes_the_learners_own_figures(browser_client):
    for variant, ms in (("async", 312.4), ("sync", 915.0)):
        post(
            browser_client,
            "/practice/api/demo-run",
            {
                "lesson": "async-views",
                "demo": "fanout",
                "variant": variant,
                "params": {"calls": 3, "latency_ms": 300},
                "total_ms": ms,
            },
        )
    page = browser_client.get("/practice/async-views/").content.decode()
    assert "async view + asyncio.gather took 312 ms" in page
    assert "sync view, one call after another took 915 ms" in page
    assert "calls 3" in page


def test_pages_render(browser_client):
    assert browser_client.get("/practice/").status_code == 200
    assert browser_client.get("/practice/async-views/").status_code == 200
    assert browser_client.get("/practice/no-such/").status_code == 404
    assert browser_client.get("/practice/mock/?track=async&n=3").status_code == 302
    assert browser_client.get("/practice/mock/?track=nope").status_code == 404


def test_export_and_import_through_the_views(browser_client):
    post(browser_client, "/practice/api/review", review())
    exported = browser_client.get("/practice/export.json")
    assert exported["Content-Disposition"].startswith("attachment;")
    fresh = Client(enforce_csrf_checks=True, HTTP_HOST="127.0.0.1")
    fresh.get("/practice/")
    response = post(fresh, "/practice/import/", exported.content.decode())
    assert response.status_code == 200
    assert response.json()["imported"]["reviews"] == 1
    assert Learner.objects.count() == 2
    assert post(fresh, "/practice/import/", "[]").status_code == 400


def test_signup_keeps_anonymous_progress(browser_client):
    post(browser_client, "/practice/api/review", review())
    anonymous = Learner.objects.get()
    token = browser_client.cookies["csrftoken"].value
    response = browser_client.post(
        "/accounts/signup/",
        {
            "username": "ada",
            "password1": "a-long-pass-phrase-9",
            "password2": "a-long-pass-phrase-9",
            "csrfmiddlewaretoken": token,
        },
    )
    assert response.status_code == 302
    account = Learner.objects.get(user__username="ada")
    assert account.pk != anonymous.pk
    assert Review.objects.get().learner == account


def test_a_hostile_practice_answer_is_stored_as_text_and_never_rendered(browser_client):
    hostile = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    post(browser_client, "/practice/api/review", review(answer=hostile))
    assert Review.objects.get().answer == hostile
    for url in ("/", "/practice/", "/practice/async-views/", "/lessons/async-views/"):
        page = browser_client.get(url).content.decode()
        assert "alert(1)" not in page and "onerror" not in page
    exported = browser_client.get("/practice/export.json")
    assert exported["Content-Type"] == "application/json"


def test_practice_page_quotes_how_long_other_users_waited_where_that_is_the_point(
    browser_client,
):
    # Every blocking variant sleeps as long; what differs is how long the probe waited.
    for variant, ms in (("time-sleep", 551.2), ("asyncio-sleep", 66.0)):
        post(
            browser_client,
            "/practice/api/demo-run",
            {
                "lesson": "blocking-the-event-loop",
                "demo": "blocking",
                "variant": variant,
                "params": {"sleep_ms": 500},
                "total_ms": ms,
            },
        )
    page = browser_client.get("/practice/blocking-the-event-loop/").content.decode()
    assert (
        "while async view calling time.sleep (wrong) ran, other users waited up to 551 ms; "
        "while async view awaiting asyncio.sleep ran, other users waited up to 66 ms." in page
    )


def test_a_rating_changed_through_the_api_is_stored_once(browser_client):
    data = review(rating=1)
    assert post(browser_client, "/practice/api/review", data).status_code == 201
    changed = post(browser_client, "/practice/api/review", {**data, "rating": 4})
    assert changed.status_code == 200
    assert changed.json()["changed"] is True and changed.json()["rating"] == 4
    assert changed.json()["comes_back_in"].endswith("days")
    assert Review.objects.get().rating == 4
    assert Progress.objects.get().reviews == 1


def test_a_rating_that_can_no_longer_change_is_refused_with_409(browser_client):
    first = review(rating=3)
    post(browser_client, "/practice/api/review", first)
    post(browser_client, "/practice/api/review", review(rating=3))
    refused = post(browser_client, "/practice/api/review", {**first, "rating": 1})
    assert refused.status_code == 409
    assert "only the latest rating can change" in refused.json()["error"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b'{"format": "interview-lab-progress",\n "version": 1,\n "progress": [', "line 3"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "the file is not text"),
        (b'{"format": "a spreadsheet"}', "this is not an Interview Lab progress file"),
        (b'{"format": "interview-lab-progress", "version": 1, "x": NaN}', "NaN is not"),
    ],
)
def test_a_bad_import_file_is_explained_in_words_and_progress_is_kept(
    browser_client, content, message
):
    post(browser_client, "/practice/api/review", review())
    before = list(Progress.objects.values_list("lesson", "reviews", "due"))
    upload = SimpleUploadedFile("progress.json", content, content_type="application/json")
    response = browser_client.post(
        "/practice/import/",
        {"file": upload, "csrfmiddlewaretoken": browser_client.cookies["csrftoken"].value},
        follow=True,
    )
    shown = [str(m) for m in response.context["messages"]]
    assert len(shown) == 1 and message in shown[0]
    assert shown[0].startswith("Could not import: ")
    assert shown[0].endswith("Your progress is unchanged.")
    assert "Expecting" not in shown[0] and "request body" not in shown[0]
    assert list(Progress.objects.values_list("lesson", "reviews", "due")) == before
    assert Learner.objects.count() == 1 and Review.objects.count() == 1


def test_the_practice_question_page_has_the_question_as_its_h1(browser_client):
    page = browser_client.get("/practice/async-views/").content.decode()
    assert re.search(r"<h1 [^>]*>What are Django&#x27;s asynchronous views \(ASGI\)\?</h1>", page)
    assert page.count("<h1") == 1
    mock = browser_client.get(f"/practice/mock/{'a' * 32}/?n=2").content.decode()
    assert mock.count("<h1") == 1  # the interview's title; its questions are h2


def test_signup_errors_are_marked_and_the_password_rules_are_shown(browser_client):
    page = browser_client.get("/accounts/signup/").content.decode()
    assert "Your password must contain at least 8 characters." in page
    assert "can’t be a commonly used password" in page
    response = browser_client.post(
        "/accounts/signup/",
        {
            "username": "ada",
            "password1": "password",
            "password2": "password",
            "csrfmiddlewaretoken": browser_client.cookies["csrftoken"].value,
        },
    )
    page = response.content.decode()
    assert 'class="form-problem" role="alert"' in page
    assert '<ul class="errorlist"' in page and "This password is too common." in page
    assert 'aria-invalid="true"' in page


def test_the_header_says_who_is_signed_in(browser_client):
    header = browser_client.get("/").content.decode().split("</header>")[0]
    assert ">Log in</a>" in header and "Signed in as" not in header
    User.objects.create_user("ada", password="a long pass phrase")
    browser_client.login(username="ada", password="a long pass phrase")
    header = browser_client.get("/").content.decode().split("</header>")[0]
    assert re.search(r'<span class="account-says">Signed in as </span>ada</a>', header)
    assert ">Log in</a>" not in header
