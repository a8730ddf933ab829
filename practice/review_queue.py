"""The review queue: which questions are due now, never practised, or coming up, and when."""

from dataclasses import dataclass

from django.urls import reverse

from lessons.catalog import get_catalog
from lessons.parsing import Lesson

from . import clock, progress, scheduling
from .models import Learner


@dataclass(frozen=True)
class Entry:
    lesson: Lesson
    state: dict | None
    when: str  # "8 days": how long until it is due, or since it fell due
    mispredicted: bool = False  # brought forward by a wrong prediction


@dataclass(frozen=True)
class Queue:
    due: list[Entry]
    new: list[Entry]
    upcoming: list[Entry]


def build(learner: Learner | None) -> Queue:
    catalog, states, now = get_catalog(), progress.lesson_states(learner), clock.now()
    missed = progress.mispredicted_lessons(learner)
    due: list[Entry] = []
    new: list[Entry] = []
    upcoming: list[Entry] = []
    for _track, lessons in catalog.tracks():
        for lesson in lessons:
            state = states.get(lesson.slug)
            if state is not None and state["due"]:
                # Due after a rating, or brought forward by a wrong prediction.
                when = scheduling.humanise(now - state["due_at"])
                due.append(Entry(lesson, state, when, mispredicted=lesson.slug in missed))
            elif state is None or not state["practised"]:
                new.append(Entry(lesson, state, ""))
            else:
                upcoming.append(Entry(lesson, state, scheduling.humanise(state["due_at"] - now)))
    due.sort(key=lambda entry: entry.state["due_at"])
    upcoming.sort(key=lambda entry: entry.state["due_at"])
    return Queue(due=due, new=new, upcoming=upcoming)


def next_due(learner: Learner, after: str) -> str | None:
    """The page of the next due question other than `after`, in queue mode."""
    slugs = [entry.lesson.slug for entry in build(learner).due if entry.lesson.slug != after]
    return reverse("practice:question", args=[slugs[0]]) + "?queue=1" if slugs else None
