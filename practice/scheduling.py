"""Spaced repetition with FSRS (the scheduler Anki ships by default), through the fsrs package."""

import math
from datetime import UTC, datetime, timedelta

from fsrs import Card, Rating, Scheduler, State

RATINGS = {1: "Again", 2: "Hard", 3: "Good", 4: "Easy"}
MASTERED_STABILITY_DAYS = 21

# No fuzzing: the learner sees on each button exactly when the question will come back.
scheduler = Scheduler(enable_fuzzing=False)

# What fsrs raises on a card it cannot load or schedule (a NaN stability, a step out of range,
# a naive datetime, a state without its step...).
BROKEN_CARD = (KeyError, TypeError, ValueError, ArithmeticError, IndexError, AssertionError)


class BadCard(ValueError):
    """A schedule card that fsrs cannot schedule; the message says why."""


def card_from(data: dict) -> Card:
    """The stored card, or a fresh one when there is none or it does not load."""
    if not data:
        return Card()
    try:
        return Card.from_dict(data)
    except BROKEN_CARD:
        return Card()


def review(data: dict, rating: int, when: datetime) -> Card:
    """The card after `rating` at `when`. A stored card that cannot be scheduled is treated as
    a fresh card, so rating the question replaces it with one that can."""
    try:
        card, _ = scheduler.review_card(card_from(data), Rating(rating), when)
    except BROKEN_CARD:
        card, _ = scheduler.review_card(Card(), Rating(rating), when)
    return card


def preview(data: dict, when: datetime) -> dict[int, timedelta]:
    """How long until the question comes back, for each rating the learner might give."""
    return {rating: review(data, rating, when).due - when for rating in RATINGS}


def checked(card: Card) -> Card:
    """`card` if every rating can be applied to it when it is due; BadCard if not."""
    when = max(card.due, card.last_review or card.due).astimezone(UTC)
    for rating in RATINGS:
        try:
            reviewed, _ = scheduler.review_card(card, Rating(rating), when)
        except BROKEN_CARD as exc:
            raise BadCard(f"cannot be scheduled ({type(exc).__name__})") from None
        if reviewed.stability is not None and not math.isfinite(reviewed.stability):
            raise BadCard("cannot be scheduled (its stability does not stay finite)")
    return card


def is_mastered(data: dict) -> bool:
    if not data:
        return False
    card = card_from(data)
    stability = card.stability or 0.0
    return (
        card.state == State.Review
        and math.isfinite(stability)
        and stability >= MASTERED_STABILITY_DAYS
    )


def humanise(delta: timedelta) -> str:
    seconds = max(0, round(delta.total_seconds()))
    for unit, size in (("day", 86400), ("hour", 3600), ("min", 60)):
        if seconds >= size:
            count = round(seconds / size)
            return f"{count} {unit}" + ("s" if count != 1 and unit != "min" else "")
    return "now"
