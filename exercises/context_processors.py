"""What lesson and practice pages show of exercises, computed only if a page uses it.

Lessons and practice import nothing of exercises: their templates print these values (the
way progress badges reach lesson pages from practice/context_processors.py)."""

from collections.abc import Iterator, Mapping

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.functional import SimpleLazyObject, cached_property
from django.utils.safestring import SafeString

from lessons.catalog import get_catalog as get_lessons
from lessons.pages import render_once

from . import progress, running
from .admission import unavailable_message
from .catalog import get_catalog


class _Learner:
    """The request's exercise results, read at most once per page."""

    def __init__(self, request: HttpRequest) -> None:
        self.request = request

    @cached_property
    def results(self) -> dict[str, dict]:
        return progress.page_results(self.request)

    def state(self, slug: str) -> str:
        return progress.state(self.results.get(slug))


class _ByLesson(Mapping):
    """Lesson slug -> HTML about that lesson's exercises; no key for a lesson without any."""

    template = ""

    def __init__(self, request: HttpRequest, learner: _Learner) -> None:
        self.request = request
        self.learner = learner

    def _lessons(self) -> dict[str, tuple]:
        return get_catalog().by_lesson

    def __getitem__(self, slug: str) -> SafeString:
        exercises = self._lessons().get(slug)
        if not exercises:
            raise KeyError(slug)
        context = self.context(slug, exercises)
        # What the render shows of this learner: each exercise's standing, and whether they
        # tried it (the block's data-attempted); the rest is content.
        standing = tuple((item["state"], bool(item["result"])) for item in context["items"])
        key = (slug, get_catalog().version, standing, context.get("unavailable"))
        return render_once(self.template, context, key=key)

    def context(self, slug: str, exercises: list) -> dict:
        items = [
            {
                "exercise": e,
                "state": self.learner.state(e.slug),
                "result": self.learner.results.get(e.slug),
            }
            for e in exercises
        ]
        return {"items": items, "passed": sum(item["state"] == "passed" for item in items)}

    def __iter__(self) -> Iterator[str]:
        return iter(self._lessons())

    def __len__(self) -> int:
        return len(self._lessons())


class Badges(_ByLesson):
    """`{{ exercise_badges|lookup:lesson.slug }}`: "exercise passed", "1 of 2 exercises"."""

    template = "exercises/_badge.html"


class Blocks(_ByLesson):
    """`{{ exercise_blocks|lookup:lesson.slug }}`: the lesson's exercises, editor and all."""

    template = "exercises/_lesson_exercises.html"

    def context(self, slug: str, exercises: list) -> dict:
        lesson = get_lessons().lessons.get(slug)
        reason = running.unavailable()
        return {
            **super().context(slug, exercises),
            # A lesson with demos has the waterfall's templates on the page already.
            "panel_parts": not (lesson and lesson.demos),
            "unavailable": reason and unavailable_message(reason),
        }


class Standings(_ByLesson):
    """`exercise_standings[lesson slug]`: the learner's standing on each of the lesson's
    exercises, for a lesson page kept whole whose learner's part arrives separately
    (lessons/pages.py learner_part): [{"slug", "standing" (HTML), "attempted"}]."""

    template = "exercises/_state.html"

    def __getitem__(self, slug: str) -> list[dict]:
        exercises = self._lessons().get(slug)
        if not exercises:
            raise KeyError(slug)
        return [
            {
                "slug": item["exercise"].slug,
                "standing": render_once(self.template, item, key=item["state"]),
                "attempted": bool(item["result"]),
            }
            for item in self.context(slug, exercises)["items"]
        ]


def practice_summary(request: HttpRequest, learner: _Learner) -> SafeString:
    """The practice page's exercises section: passed N of M, and per lesson."""
    lessons = get_lessons().lessons
    rows: dict[str, dict] = {}
    for exercise in get_catalog().ordered():
        lesson = lessons.get(exercise.lesson)
        row = rows.setdefault(exercise.lesson, {"lesson": lesson, "items": []})
        row["items"].append({"exercise": exercise, "state": learner.state(exercise.slug)})
    for row in rows.values():
        row["passed"] = sum(item["state"] == "passed" for item in row["items"])
    total = sum(len(row["items"]) for row in rows.values())
    passed = sum(row["passed"] for row in rows.values())
    return render_to_string(
        "exercises/_practice_summary.html",
        {"rows": list(rows.values()), "passed": passed, "total": total},
        request,
    )


def exercises(request: HttpRequest) -> dict:
    learner = _Learner(request)
    return {
        "exercise_badges": Badges(request, learner),
        "exercise_blocks": Blocks(request, learner),
        "exercise_standings": Standings(request, learner),
        "exercise_summary": SimpleLazyObject(lambda: practice_summary(request, learner)),
    }
