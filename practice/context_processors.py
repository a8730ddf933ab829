"""What the lesson pages show of a learner's progress, computed only if a page uses it."""

from collections.abc import Iterator, Mapping

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.functional import SimpleLazyObject, cached_property
from django.utils.safestring import SafeString

from lessons.pages import render_once

from . import progress
from .learners import current_learner

BADGE_STATES = ("read", "practised", "due", "mastered")


def _badge(*flags: bool) -> SafeString:
    """A badge is one of a few: each is rendered once per process."""
    state = dict(zip(BADGE_STATES, flags, strict=True))
    return render_once("practice/_badge.html", {"state": state}, key=flags)


class Badges(Mapping):
    """Lesson slug -> the learner's badge for it (read, practised, due, mastered), as HTML."""

    def __init__(self, request: HttpRequest) -> None:
        self.request = request

    @cached_property
    def states(self) -> dict[str, dict]:
        return progress.page_records(self.request).lessons

    def __getitem__(self, slug: str) -> SafeString:
        state = self.states.get(slug)
        if not state:
            raise KeyError(slug)
        return _badge(*(bool(state[name]) for name in BADGE_STATES))

    def __iter__(self) -> Iterator[str]:
        return iter(self.states)

    def __len__(self) -> int:
        return len(self.states)


def summary_line(request: HttpRequest) -> SafeString:
    summary = progress.summary(current_learner(request))
    if not (summary["reviews"] or summary["read"] or summary["predicted"]):
        return SafeString("")
    return render_to_string("practice/_summary_line.html", {"summary": summary})


def learner_progress(request: HttpRequest) -> dict:
    return {
        "progress_badges": Badges(request),
        "progress_summary": SimpleLazyObject(lambda: summary_line(request)),
    }
