"""Spaced repetition with FSRS (the scheduler Anki ships by default), through the fsrs package."""

from datetime import datetime, timedelta

from fsrs import Card, Rating, Scheduler, State

RATINGS = {1: "Again", 2: "Hard", 3: "Good", 4: "Easy"}
MASTERED_STABILITY_DAYS = 21

# No fuzzing: the learner sees on each button exactly when the question will come back.
scheduler = Scheduler(enable_fuzzing=False)


def card_from(data: dict) -> Card:
    return Card.from_dict(data) if data else Card()


def review(data: dict, rating: int, when: datetime) -> Card:
    card, _ = scheduler.review_card(card_from(data), Rating(rating), when)
    return card


def preview(data: dict, when: datetime) -> dict[int, timedelta]:
    """How long until the question comes back, for each rating the learner might give."""
    return {rating: review(data, rating, when).due - when for rating in RATINGS}


def is_mastered(data: dict) -> bool:
    if not data:
        return False
    card = card_from(data)
    return card.state == State.Review and (card.stability or 0) >= MASTERED_STABILITY_DAYS


def humanise(delta: timedelta) -> str:
    seconds = max(0, round(delta.total_seconds()))
    for unit, size in (("day", 86400), ("hour", 3600), ("min", 60)):
        if seconds >= size:
            count = round(seconds / size)
            return f"{count} {unit}" + ("s" if count != 1 and unit != "min" else "")
    return "now"
