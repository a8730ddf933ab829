import re
import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.utils.html import strip_tags

from practice import clock, scheduling
from practice.models import Learner, Progress
from practice.progress import record_review
from practice.review_queue import build, next_due

pytestmark = pytest.mark.django_db


def page_text(client: Client, url: str) -> str:
    return re.sub(r"\s+", " ", strip_tags(client.get(url).content.decode()))


def rate(client: Client, lesson: str, rating: int) -> dict:
    response = client.post(
        "/practice/api/review",
        {"lesson": lesson, "rating": rating, "review_id": str(uuid.uuid4())},
        content_type="application/json",
    )
    assert response.status_code == 201
    return response.json()


def test_the_queue_says_when_a_rated_question_comes_back(client):
    promised = scheduling.humanise(scheduling.preview({}, clock.now())[4])
    assert promised.endswith("days")  # a first Easy is days away, not minutes
    reply = rate(client, "async-views", 4)
    assert reply["comes_back_in"] == promised
    text = page_text(client, "/practice/")
    upcoming = text.split("Coming up", 1)[1].split("Not practised yet", 1)[0]
    assert f"in {promised}" in upcoming
    # The summary under "Due now" agrees with the entry and with the rating's answer.
    assert f"The next question comes back in {promised}." in text
    assert "in 0 minutes" not in text


def test_upcoming_is_ordered_by_due_time_and_due_entries_say_how_long_ago(client):
    rate(client, "async-views", 4)
    rate(client, "async-orm", 3)  # back in 10 min
    queue = build(Learner.objects.get())
    assert [entry.lesson.slug for entry in queue.upcoming] == ["async-orm", "async-views"]
    assert queue.upcoming[0].when == "10 min"
    Progress.objects.filter(lesson="async-orm").update(due=clock.now() - timedelta(hours=3))
    assert "due 3 hours ago" in page_text(client, "/practice/")


def test_next_due_skips_the_question_just_rated():
    learner = Learner.objects.create()
    for lesson in ("async-views", "async-orm"):
        record_review(learner, lesson=lesson, rating=1, review_id=uuid.uuid4())
    Progress.objects.update(due=clock.now() - timedelta(minutes=5))
    assert next_due(learner, "async-views") == "/practice/async-orm/?queue=1"
    assert next_due(learner, "async-orm") == "/practice/async-views/?queue=1"
