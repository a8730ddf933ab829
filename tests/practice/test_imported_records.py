"""What a progress file brings in is held to the bounds the practice API keeps: a card that
cannot be scheduled, more demo runs than are kept, a quiz the lesson does not have or a
review of another lesson is refused or bounded, never a 500 later."""

import json

import pytest
from django.test import Client

from practice import clock, scheduling
from practice.models import Progress
from tests.practice.test_views import post, review

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser() -> Client:
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
def test_a_card_that_cannot_be_scheduled_is_refused_naming_it(browser, change, message):
    response = import_file(browser, progress=[{"lesson": "signals", "card": {**CARD, **change}}])
    assert response.status_code == 400
    error = response.json()["error"]
    assert "progress entry 1: card is not a valid schedule card" in error
    assert message in error
    assert Progress.objects.count() == 0


def test_an_imported_card_is_stored_as_the_scheduler_writes_it(browser):
    card = {**CARD, "due": "2026-12-01T01:00:00+01:00", "extra": "x" * 10_000}
    assert import_file(browser, progress=[{"lesson": "signals", "card": card}]).status_code == 200
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
def test_a_stored_card_that_does_not_load_is_treated_as_new_and_rating_repairs_it(browser, card):
    post(browser, "/practice/api/read", {"lesson": "signals"})
    Progress.objects.filter(lesson="signals").update(card=card)

    page = browser.get("/practice/signals/")
    assert page.status_code == 200
    fresh = scheduling.humanise(scheduling.preview({}, clock.now())[3])
    assert fresh in page.content.decode()
    assert browser.get("/practice/").status_code == 200

    rated = post(browser, "/practice/api/review", review(lesson="signals"))
    assert rated.status_code == 201
    assert rated.json()["comes_back_in"] == "10 min"  # a first "Good", as for a new card
    repaired = Progress.objects.get(lesson="signals").card
    assert scheduling.checked(scheduling.card_from(repaired)) is not None
    assert browser.get("/practice/signals/").status_code == 200
