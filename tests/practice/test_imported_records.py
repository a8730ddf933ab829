"""What a progress file brings in is held to the bounds the practice API keeps: a card that
cannot be scheduled, more demo runs than are kept, a quiz the lesson does not have or a
review of another lesson is refused or bounded, never a 500 later."""

import json
import uuid

import pytest
from django.test import Client

from lessons.catalog import get_catalog
from practice import clock, scheduling
from practice.models import DemoRun, Prediction, Progress, Review
from practice.progress import KEEP_DEMO_RUNS
from tests.practice.test_views import post, review

pytestmark = pytest.mark.django_db


@pytest.fixture
def visitor() -> Client:
    client = Client(enforce_csrf_checks=True, HTTP_HOST="127.0.0.1")
    client.get("/practice/")  # sets the csrftoken cookie
    return client


CARD = {
    "card_id": 1,
    "state": 2,
    "step": None,
    "stability": 5.0,
    "difficulty": 5.0,
    "due": "2026-12-01T00:00:00+00:00",
    "last_review": "2026-11-20T00:00:00+00:00",
}


def import_file(client: Client, **lists):
    data = {"format": "interview-lab-progress", "version": 1, **lists}
    return post(client, "/practice/import/", json.dumps(data))


BAD_CARDS = [
    ({"stability": "nan"}, "stability must be a number"),
    ({"stability": "inf"}, "stability must be a number"),
    ({"stability": 1e308}, "stability must be at most 36500"),
    ({"difficulty": -1e308}, "difficulty must be at least 1.0"),
    ({"state": 1, "step": "x"}, "step must be a whole number"),
    ({"state": 1, "step": -5}, "step must be at least 0"),
    ({"state": 1, "step": 7}, "a card in learning has a step from 0 to 1"),
    ({"state": 3, "step": None}, "a card in relearning has a step from 0 to 0"),
    ({"state": 2, "step": 0}, "a card in review has no step"),
    ({"state": 9}, "state must be at most 3"),
    ({"state": "2"}, "state must be a whole number"),
    ({"last_review": "2026-11-20T00:00:00"}, "last_review must be a date and time with a timezone"),
    ({"due": "tomorrow"}, "due must be a date and time with a timezone"),
    ({"card_id": 1.5}, "card_id must be a whole number"),
    ({"stability": None}, "stability and difficulty are both set or both null"),
]


@pytest.mark.parametrize(("change", "message"), BAD_CARDS)
def test_a_card_that_cannot_be_scheduled_is_refused_naming_it(visitor, change, message):
    response = import_file(visitor, progress=[{"lesson": "signals", "card": {**CARD, **change}}])
    assert response.status_code == 400
    error = response.json()["error"]
    assert "progress entry 1: card is not a valid schedule card" in error
    assert message in error
    assert Progress.objects.count() == 0


def test_an_imported_card_is_stored_as_the_scheduler_writes_it(visitor):
    card = {**CARD, "due": "2026-12-01T01:00:00+01:00", "extra": "x" * 10_000}
    assert import_file(visitor, progress=[{"lesson": "signals", "card": card}]).status_code == 200
    stored = Progress.objects.get().card
    assert "extra" not in stored
    assert stored["due"] == "2026-12-01T00:00:00+00:00"
    assert scheduling.preview(stored, clock.now())[3].days >= 1


BROKEN_STORED_CARDS = [
    {**CARD, "stability": "nan"},
    {**CARD, "state": 1, "step": "x"},
    {**CARD, "last_review": "2026-11-20T00:00:00"},
    {**CARD, "state": 3, "step": None},
    {**CARD, "state": "review"},
    {"stability": 2},
]


@pytest.mark.parametrize("card", BROKEN_STORED_CARDS)
def test_a_stored_card_that_does_not_load_is_treated_as_new_and_rating_repairs_it(visitor, card):
    post(visitor, "/practice/api/read", {"lesson": "signals"})
    Progress.objects.filter(lesson="signals").update(card=card)

    page = visitor.get("/practice/signals/")
    assert page.status_code == 200
    fresh = scheduling.humanise(scheduling.preview({}, clock.now())[3])
    assert fresh in page.content.decode()
    assert visitor.get("/practice/").status_code == 200

    rated = post(visitor, "/practice/api/review", review(lesson="signals"))
    assert rated.status_code == 201
    assert rated.json()["comes_back_in"] == "10 min"  # a first "Good", as for a new card
    repaired = Progress.objects.get(lesson="signals").card
    assert scheduling.checked(scheduling.card_from(repaired)) is not None
    assert visitor.get("/practice/signals/").status_code == 200


def an_imported_review(lesson: str = "async-orm") -> dict:
    return {
        "review_id": str(uuid.uuid4()),
        "lesson": lesson,
        "rating": 3,
        "reviewed_at": "2026-11-20T00:00:00+00:00",
        "due_after": "2026-11-21T00:00:00+00:00",
    }


@pytest.mark.parametrize("with_progress", [False, True])
def test_changing_an_imported_rating_is_a_json_409(visitor, with_progress):
    imported = an_imported_review()
    progress = [{"lesson": "async-orm", "card": CARD}] if with_progress else []
    assert import_file(visitor, reviews=[imported], progress=progress).status_code == 200

    for rating in (1, 2):
        changed = post(
            visitor,
            "/practice/api/review",
            {"lesson": "async-orm", "rating": rating, "review_id": imported["review_id"]},
        )
        assert changed.status_code == 409
        assert changed.json() == {
            "error": "Not changed: this rating was recorded elsewhere and can no longer change."
        }
    assert Review.objects.get().rating == 3


@pytest.mark.parametrize("rating", [1, 4])
def test_a_review_id_sent_with_another_lesson_is_refused_naming_it(visitor, rating):
    first = review(lesson="transactions", rating=1)
    assert post(visitor, "/practice/api/review", first).status_code == 201
    card = Progress.objects.get(lesson="transactions").card

    other = post(visitor, "/practice/api/review", {**first, "lesson": "caching", "rating": rating})
    assert other.status_code == 409
    assert other.json() == {
        "error": "Not changed: this review is of the lesson 'transactions', not 'caching'."
    }
    assert Review.objects.get().rating == 1
    assert Progress.objects.get(lesson="transactions").card == card
    assert not Progress.objects.filter(lesson="caching").exists()


def demo_runs(count: int, *, day: int) -> list[dict]:
    return [
        {
            "lesson": "async-views",
            "demo": "fanout",
            "variant": "async",
            "params": {},
            "total_ms": float(n),
            "created": f"2026-11-{day:02d}T10:{n // 60:02d}:{n % 60:02d}+00:00",
        }
        for n in range(count)
    ]


def test_an_import_keeps_the_newest_demo_runs_of_a_lesson_as_the_api_does(visitor):
    response = import_file(visitor, demo_runs=demo_runs(1000, day=2))
    assert response.status_code == 200
    assert response.json()["imported"]["demo_runs"] == KEEP_DEMO_RUNS
    kept = sorted(DemoRun.objects.values_list("total_ms", flat=True))
    assert kept == [float(n) for n in range(1000 - KEEP_DEMO_RUNS, 1000)]

    assert import_file(visitor, demo_runs=demo_runs(1000, day=2)).status_code == 200
    older = import_file(visitor, demo_runs=demo_runs(30, day=1))  # older than those kept
    assert older.status_code == 200
    assert DemoRun.objects.count() == KEEP_DEMO_RUNS
    assert not DemoRun.objects.filter(created__day=1).exists()
    assert 'data-stat="demos">40<' in visitor.get("/practice/").content.decode()


def a_prediction(lesson: str = "async-views", quiz: int = 1, choice: int = 0) -> dict:
    return {
        "lesson": lesson,
        "quiz": quiz,
        "choice": choice,
        "right": True,
        "predicted_at": "2026-11-01T10:00:00+00:00",
    }


def test_an_import_refuses_predictions_for_quizzes_the_lesson_does_not_have(visitor):
    lesson = get_catalog().lessons["async-views"]
    quizzes, options = len(lesson.quizzes), len(lesson.quizzes[0].options)
    refusals = [
        ([a_prediction(quiz=quizzes + 1)], f"the lesson has {quizzes} quizzes, not {quizzes + 1}"),
        ([a_prediction(choice=19)], f"quiz 1 has {options} options, not 20"),
        ([a_prediction(lesson="no-such-lesson")], "unknown lesson 'no-such-lesson'"),
        (
            [a_prediction(), a_prediction()],
            "predictions lists quiz 1 of 'async-views' more than once",
        ),
    ]
    for predictions, message in refusals:
        response = import_file(visitor, predictions=predictions)
        assert response.status_code == 400
        assert message in response.json()["error"]
    assert Prediction.objects.count() == 0
    assert import_file(visitor, predictions=[a_prediction(quiz=quizzes)]).status_code == 200
    assert Prediction.objects.count() == 1


def test_an_import_never_replaces_a_prediction_the_learner_made(visitor):
    quiz = get_catalog().lessons["async-views"].quizzes[0]
    wrong = next(i for i in range(len(quiz.options)) if i != quiz.answer)
    made = post(
        visitor, "/practice/api/prediction", {"lesson": "async-views", "quiz": 1, "choice": wrong}
    )
    assert made.status_code == 201 and made.json()["right"] is False

    earlier = {**a_prediction(choice=quiz.answer), "predicted_at": "2020-01-01T00:00:00+00:00"}
    assert import_file(visitor, predictions=[earlier]).status_code == 200
    stored = Prediction.objects.get()
    assert (stored.choice, stored.right) == (wrong, False)
    assert "Predicted right <strong>0</strong> of 1" in visitor.get("/practice/").content.decode()
