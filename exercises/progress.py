"""A learner's exercise results, kept by practice: the one place exercises reaches into it.

Exercises depends on practice, never the other way round: practice stores the counts
(`practice.progress.record_exercise_run`) and knows nothing else of exercises; this module and
the context processor bring them to the pages."""

from django.http import HttpRequest

from practice import progress
from practice.learners import current_learner, ensure_learner

from .parsing import Exercise


def record(request: HttpRequest, exercise: Exercise, status: str) -> None:
    """One run that reached a sandbox: it is an attempt, and a pass if every check passed."""
    learner = ensure_learner(request)
    progress.record_exercise_run(
        learner, exercise=exercise.slug, lesson=exercise.lesson, status=status
    )


def results(request: HttpRequest) -> dict[str, dict]:
    return progress.exercise_results(current_learner(request))


def page_results(request: HttpRequest) -> dict[str, dict]:
    """results(), read with the lesson states in the page's one query for the learner."""
    return progress.page_records(request).exercises


def attempted(request: HttpRequest, slug: str) -> bool:
    return progress.exercise_attempted(current_learner(request), slug)


def state(result: dict | None) -> str:
    """new, tried or passed: how a list or a block shows the learner's standing."""
    if not result:
        return "new"
    return "passed" if result["passed"] else "tried"
