"""What one visitor can send the practice API and the accounts: every hostile body is a 400
naming the problem, a refused import leaves nothing behind, sign-in is throttled, and what is
stored has a bound. In-process, through Django's test client with CSRF checks on."""

import io
import json
import uuid
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from practice.models import DemoRun, Learner, Progress, Review
from practice.progress import KEEP_DEMO_RUNS, record_demo_run
from tests.practice.test_views import post, review

pytestmark = pytest.mark.django_db


@pytest.fixture
def visitor() -> Client:
    client = Client(enforce_csrf_checks=True, HTTP_HOST="127.0.0.1")
    client.get("/practice/")
    return client


def progress_file(**lists) -> dict:
    return {"format": "interview-lab-progress", "version": 1, **lists}


def a_review(**fields) -> dict:
    return {
        "review_id": str(uuid.uuid4()),
        "lesson": "async-views",
        "rating": 3,
        "reviewed_at": "2026-11-01T10:00:00+00:00",
        "due_after": "2026-11-02T10:00:00+00:00",
        **fields,
    }


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


HOSTILE_RATINGS = [
    (review(lesson=["async-views"]), "lesson must be text"),
    (review(lesson={"slug": "async-views"}), "lesson must be text"),
    (review(answer=["a", "b"]), "answer must be text"),
    (review(mock={"id": 1}), "mock must be text"),
    (review(review_id=[str(uuid.uuid4())]), "review_id must be a UUID"),
    (review(duration_ms="10"), "duration_ms must be a whole number"),
    (review(duration_ms=1.5), "duration_ms must be a whole number"),
    (review(checked_points=3), "checked_points must be a list"),
    (review(checked_points=list(range(100_000))), "checked_points must be a list of at most"),
    (review(checked_points=[0, 99]), "checked_points must hold numbers from 0 to 7"),
    ('{"lesson": "async-views", "rating": NaN}', "NaN is not a JSON number"),
    (nested(100_000), "nested too deeply"),
]


@pytest.mark.parametrize(("body", "message"), HOSTILE_RATINGS)
def test_a_hostile_rating_is_a_400_naming_the_problem(visitor, body, message):
    response = post(visitor, "/practice/api/review", body)
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert Review.objects.count() == Progress.objects.count() == Learner.objects.count() == 0


HOSTILE_IMPORTS = [
    (
        progress_file(progress=[{"lesson": "async-views"}, {"lesson": "async-views"}]),
        "lists the lesson 'async-views' more than once",
    ),
    (
        progress_file(reviews=[a_review(reviewed_at="0001-01-01T00:00:00+00:00")]),
        "reviewed_at must lie between 2020 and 2100",
    ),
    (
        progress_file(reviews=[a_review(due_after="9999-12-31T23:59:59+00:00")]),
        "due_after must lie between 2020 and 2100",
    ),
    (progress_file(reviews=[a_review(checked_points=7)]), "checked_points must be a list"),
    (progress_file(reviews=[a_review(answer=["x"])]), "answer must be text"),
    (progress_file(reviews=[a_review(lesson=["async-views"])]), "lesson must be text"),
    (
        progress_file(progress=[{"lesson": "async-views", "card": {"stability": "NaN"}}]),
        "card is not a valid schedule card",
    ),
    (progress_file(progress=[{"lesson": "async-views", "card": [1]}]), "card must be an object"),
    (
        progress_file(progress=[{"lesson": "async-views", "reviews": -1}]),
        "reviews must be at least 0",
    ),
    (
        progress_file(
            demo_runs=[
                {
                    "lesson": "async-views",
                    "demo": "fanout",
                    "variant": "async",
                    "total_ms": 1e308,
                    "created": "2026-11-01T10:00:00+00:00",
                }
            ]
        ),
        "total_ms must be at most 600000",
    ),
    (progress_file(reviews=[a_review() for _ in range(5001)]), "a progress file has at most 5000"),
    (progress_file(progress={"lesson": "async-views"}), "progress must be a list of objects"),
]


@pytest.mark.parametrize(("data", "message"), HOSTILE_IMPORTS)
def test_a_hostile_import_is_a_400_and_changes_nothing(visitor, data, message):
    post(visitor, "/practice/api/review", review())  # the learner has one review already
    before = (Learner.objects.count(), Review.objects.count(), Progress.objects.count())
    response = post(visitor, "/practice/import/", json.dumps(data))
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert (Learner.objects.count(), Review.objects.count(), Progress.objects.count()) == before


def test_a_refused_import_makes_no_learner(visitor):
    assert post(visitor, "/practice/import/", "[]").status_code == 400
    assert Learner.objects.count() == 0


def test_the_thirtieth_wrong_password_is_refused_and_so_is_the_right_one(settings):
    User.objects.create_user("ada", password="a long and proper passphrase")
    client = Client(HTTP_HOST="127.0.0.1")
    replies = [
        client.post("/accounts/login/", {"username": "ada", "password": f"wrong {n}"})
        for n in range(30)
    ]
    assert all(reply.status_code == 200 for reply in replies)  # the form again, with errors
    assert "Please enter a correct username and password" in replies[0].content.decode()
    assert "Too many failed sign-ins" in replies[-1].content.decode()
    right = client.post(
        "/accounts/login/", {"username": "ada", "password": "a long and proper passphrase"}
    )
    assert "Too many failed sign-ins" in right.content.decode()
    assert "_auth_user_id" not in client.session


def test_failed_sign_ins_from_one_client_are_throttled_across_accounts(settings):
    settings.LOGIN_FAILURES_PER_CLIENT = 5
    client = Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR="10.1.1.1")
    for n in range(5):
        client.post("/accounts/login/", {"username": f"user{n}", "password": "nope"})
    refused = client.post("/accounts/login/", {"username": "someone-else", "password": "nope"})
    assert "Too many failed sign-ins" in refused.content.decode()
    other = Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR="10.1.1.2")
    fresh = other.post("/accounts/login/", {"username": "someone-else", "password": "nope"})
    assert "Too many failed sign-ins" not in fresh.content.decode()


@pytest.mark.parametrize("password", ["a", "password", "12345678"])
def test_sign_up_refuses_weak_passwords_and_says_why(password):
    client = Client(HTTP_HOST="127.0.0.1")
    page = client.get("/accounts/signup/").content.decode()
    assert "at least 8 characters" in page  # the validators' help text
    response = client.post(
        "/accounts/signup/", {"username": "grace", "password1": password, "password2": password}
    )
    assert response.status_code == 200
    assert not User.objects.filter(username="grace").exists()
    text = response.content.decode()
    assert "This password is too" in text or "entirely numeric" in text


def test_reading_pages_creates_no_learner_and_a_write_creates_one(visitor):
    for path in ("/", "/lessons/async-views/", "/practice/", "/practice/async-views/"):
        assert visitor.get(path).status_code == 200
    assert Learner.objects.count() == 0
    post(visitor, "/practice/api/read", {"lesson": "async-views"})
    assert Learner.objects.count() == 1


def test_stale_anonymous_learners_are_cleaned_up_and_accounts_kept():
    old = timezone.now() - timedelta(days=120)
    stale = Learner.objects.create(last_seen=old)
    recent = Learner.objects.create()
    account = Learner.objects.create(user=User.objects.create_user("kept"), last_seen=old)
    record_demo_run(
        stale, lesson="async-views", demo="fanout", variant="async", params={}, total_ms=1.0
    )
    call_command("clean_learners", days=90, stdout=io.StringIO())
    assert set(Learner.objects.values_list("pk", flat=True)) == {recent.pk, account.pk}
    assert DemoRun.objects.count() == 0


def test_only_the_newest_demo_runs_are_kept():
    learner = Learner.objects.create()
    for n in range(KEEP_DEMO_RUNS + 15):
        record_demo_run(
            learner,
            lesson="async-views",
            demo="fanout",
            variant="async",
            params={},
            total_ms=float(n),
        )
    kept = sorted(DemoRun.objects.values_list("total_ms", flat=True))
    assert len(kept) == KEEP_DEMO_RUNS and kept[0] == 15.0


def test_one_client_cannot_write_without_bound(visitor, settings):
    settings.PRACTICE_WRITES_PER_MINUTE = 5
    statuses = [
        post(visitor, "/practice/api/read", {"lesson": "async-views"}).status_code for _ in range(7)
    ]
    assert statuses == [200] * 5 + [429] * 2
    refused = post(visitor, "/practice/api/read", {"lesson": "async-views"})
    assert refused["Retry-After"] and "Nothing was recorded" in refused.json()["error"]
