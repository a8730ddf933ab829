import uuid
from datetime import timedelta

import pytest
from django.test import Client

from lessons.catalog import get_catalog
from practice import clock
from practice.learners import merge
from practice.models import Learner, Prediction, Progress
from practice.progress import BadImport, export, import_into, read_import, record_review
from practice.review_queue import build

pytestmark = pytest.mark.django_db
LESSON = "async-views"


def quiz_one(lesson: str = LESSON):
    return get_catalog().lessons[lesson].quizzes[0]


def predict(client: Client, choice: int, quiz: int = 1, lesson: str = LESSON):
    return client.post(
        "/practice/api/prediction",
        {"lesson": lesson, "quiz": quiz, "choice": choice},
        content_type="application/json",
    )


def wrong_choice(lesson: str = LESSON) -> int:
    return next(i for i in range(len(quiz_one(lesson).options)) if i != quiz_one(lesson).answer)


def test_a_right_prediction_is_recorded_and_counted(client):
    response = predict(client, quiz_one().answer)
    assert response.status_code == 201
    assert response.json() == {
        "recorded": True,
        "right": True,
        "predicted": 1,
        "predicted_right": 1,
        "message": "Kept in your practice record: predicted right 1 of 1.",
    }
    stored = Prediction.objects.get()
    assert (stored.lesson, stored.quiz, stored.right) == (LESSON, 1, True)
    assert Progress.objects.filter(due__isnull=False).count() == 0  # nothing brought forward


def test_the_first_answer_is_the_prediction(client):
    predict(client, wrong_choice())
    again = predict(client, quiz_one().answer)  # after reading the explanation
    assert again.status_code == 200
    assert again.json()["recorded"] is False and again.json()["right"] is False
    assert Prediction.objects.count() == 1


def test_the_page_cannot_claim_a_wrong_prediction_was_right(client):
    response = client.post(
        "/practice/api/prediction",
        {"lesson": LESSON, "quiz": 1, "choice": wrong_choice(), "right": True},
        content_type="application/json",
    )
    assert response.json()["right"] is False


def test_a_wrong_prediction_brings_a_scheduled_question_forward(client):
    client.post(
        "/practice/api/review",
        {"lesson": LESSON, "rating": 4, "review_id": str(uuid.uuid4())},
        content_type="application/json",
    )
    learner = Learner.objects.get()
    assert [entry.lesson.slug for entry in build(learner).upcoming] == [LESSON]
    predict(client, wrong_choice())
    queue = build(learner)
    assert [entry.lesson.slug for entry in queue.due] == [LESSON]
    assert queue.due[0].mispredicted
    assert LESSON not in [entry.lesson.slug for entry in queue.upcoming]
    page = client.get("/practice/").content.decode()
    assert "your prediction missed" in page
    assert "Predicted right <strong>0</strong> of 1" in page


def test_a_wrong_prediction_on_an_unpractised_question_makes_it_due(client):
    predict(client, wrong_choice("async-orm"), lesson="async-orm")
    queue = build(Learner.objects.get())
    assert [entry.lesson.slug for entry in queue.due] == ["async-orm"]
    # Rated once, it follows its schedule again and the note goes.
    record_review(Learner.objects.get(), lesson="async-orm", rating=3, review_id=uuid.uuid4())
    queue = build(Learner.objects.get())
    assert queue.due == [] and queue.upcoming[0].lesson.slug == "async-orm"


def test_the_practice_page_says_predicted_right_n_of_m(client):
    assert "No predictions yet" in client.get("/practice/").content.decode()
    predict(client, quiz_one().answer)
    predict(client, wrong_choice("async-orm"), lesson="async-orm")
    assert "Predicted right <strong>1</strong> of 2" in client.get("/practice/").content.decode()


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"lesson": "no-such", "quiz": 1, "choice": 0}, 404, "unknown lesson"),
        ({"lesson": LESSON, "quiz": 40, "choice": 0}, 400, "quizzes, not 40"),
        ({"lesson": LESSON, "quiz": 1, "choice": 19}, 400, "options, not 20"),
        ({"lesson": LESSON, "quiz": 0, "choice": 0}, 400, "quiz must be at least 1"),
        ({"lesson": LESSON, "quiz": "1", "choice": 0}, 400, "quiz must be a whole number"),
        ({"lesson": LESSON, "quiz": 1}, 400, "choice is required"),
    ],
)
def test_a_bad_prediction_is_refused_and_records_nothing(client, body, status, message):
    response = client.post("/practice/api/prediction", body, content_type="application/json")
    assert response.status_code == status
    assert message in response.json()["error"]
    assert Prediction.objects.count() == 0 and Learner.objects.count() == 0


def test_predictions_are_rate_limited_like_other_practice_writes(client, settings):
    settings.PRACTICE_WRITES_PER_MINUTE = 2
    assert predict(client, 0).status_code == 201
    assert predict(client, 0, lesson="async-orm").status_code == 201
    refused = predict(client, 0, lesson="sync-to-async")
    assert refused.status_code == 429 and "Retry-After" in refused
    assert Prediction.objects.count() == 2


def test_predictions_travel_in_the_progress_file(client):
    predict(client, wrong_choice())
    source = Learner.objects.get()
    data = export(source)
    assert data["predictions"] == [
        {
            "lesson": LESSON,
            "quiz": 1,
            "choice": wrong_choice(),
            "right": False,
            "predicted_at": Prediction.objects.get().predicted_at.isoformat(),
        }
    ]
    target = Learner.objects.create()
    assert import_into(target, read_import(data))["predictions"] == 1
    assert Prediction.objects.filter(learner=target, right=False).count() == 1


def test_an_import_refuses_a_prediction_that_is_not_true_or_false():
    data = {"format": "interview-lab-progress", "version": 1}
    item = {"lesson": LESSON, "quiz": 1, "choice": 0, "predicted_at": "2026-11-01T10:00:00+00:00"}
    with pytest.raises(BadImport, match="predictions entry 1: right must be true or false"):
        read_import({**data, "predictions": [{**item, "right": "yes"}]})
    with pytest.raises(BadImport, match="more than once"):
        read_import({**data, "predictions": [{**item, "right": True}] * 2})


def test_merging_keeps_the_earlier_answer_to_each_quiz():
    now = clock.now()
    first, second = Learner.objects.create(), Learner.objects.create()
    Prediction.objects.create(
        learner=first, lesson=LESSON, quiz=1, choice=0, right=False, predicted_at=now
    )
    Prediction.objects.create(
        learner=second,
        lesson=LESSON,
        quiz=1,
        choice=1,
        right=True,
        predicted_at=now - timedelta(days=1),
    )
    Prediction.objects.create(
        learner=first, lesson="async-orm", quiz=1, choice=0, right=True, predicted_at=now
    )
    merge(first, second)
    kept = {(p.lesson, p.right) for p in Prediction.objects.filter(learner=second)}
    assert kept == {(LESSON, True), ("async-orm", True)}
    assert Prediction.objects.count() == 2
