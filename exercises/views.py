"""The exercise pages and the exercises JSON API. Thin views: the work is in catalog, running,
the sandbox and progress (the learner's results, kept by practice)."""

import asyncio
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import sync_to_async
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from lessons.catalog import get_catalog as get_lessons
from lessons.tracks import TRACKS
from ops.ratelimit import client_address

from . import progress, running
from .admission import Refused, admit, unavailable_message
from .catalog import get_catalog
from .parsing import Exercise
from .pool import QueueFull
from .sandbox import SandboxUnavailable

# Runs wait for their turn and for their sandbox on threads of their own, not on the event
# loop's default executor that other sync_to_async(thread_sensitive=False) work shares. There
# are as many as the queue admits, so an admitted run never waits for a thread.
_run_threads = ThreadPoolExecutor(
    max_workers=settings.EXERCISES_POOL_SIZE + settings.EXERCISES_MAX_QUEUE + 1,
    thread_name_prefix="exercise-run",
)


def _exercise(slug: str) -> Exercise:
    exercise = get_catalog().exercises.get(slug)
    if exercise is None:
        raise Http404(f"no exercise {slug!r}")
    return exercise


def _error(status: int, message: str, retry_after: int | None = None) -> JsonResponse:
    response = JsonResponse({"error": message}, status=status)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


# --- Pages


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """Every exercise, by track, with the learner's standing on each."""
    results = progress.results(request)
    lessons = get_lessons().lessons
    tracks: dict[str, dict] = {}
    for exercise in get_catalog().ordered():
        track = tracks.setdefault(
            exercise.track, {"track": TRACKS[exercise.track], "exercises": []}
        )
        track["exercises"].append(
            {
                "exercise": exercise,
                "lesson": lessons.get(exercise.lesson),
                "state": progress.state(results.get(exercise.slug)),
            }
        )
    passed = sum(item["state"] == "passed" for t in tracks.values() for item in t["exercises"])
    return render(
        request,
        "exercises/home.html",
        {
            "tracks": list(tracks.values()),
            "passed": passed,
            "total": len(get_catalog().exercises),
            "unavailable": running.unavailable(),
        },
    )


@require_safe
def page(request: HttpRequest, slug: str) -> HttpResponse:
    exercise = _exercise(slug)
    reason = running.unavailable()
    if reason is None:
        running.warm()
    lesson = get_lessons().lessons.get(exercise.lesson)
    result = progress.results(request).get(exercise.slug)
    return render(
        request,
        "exercises/exercise.html",
        {
            "exercise": exercise,
            "lesson": lesson,
            "result": result,
            "state": progress.state(result),
            "unavailable": reason and unavailable_message(reason),
        },
    )


# --- The JSON API


@require_safe
def index(request: HttpRequest) -> JsonResponse:
    exercises = [
        {
            "slug": e.slug,
            "title": e.title,
            "track": e.track,
            "lesson": e.lesson,
            "level": e.level,
        }
        for e in get_catalog().ordered()
    ]
    return JsonResponse({"exercises": exercises, "unavailable": running.unavailable()})


@require_safe
def detail(request: HttpRequest, slug: str) -> JsonResponse:
    try:
        exercise = _exercise(slug)
    except Http404 as exc:
        return _error(404, str(exc))
    reason = running.unavailable()
    if reason is None:
        running.warm()  # the learner is about to press Run: have a sandbox ready
    result = progress.results(request).get(exercise.slug)
    return JsonResponse(
        {
            "slug": exercise.slug,
            "title": exercise.title,
            "track": exercise.track,
            "lesson": exercise.lesson,
            "level": exercise.level,
            "task_html": exercise.task_html,
            "starter": exercise.starter,
            "checks": [check.name for check in exercise.checks],
            "unavailable": reason,
            "attempted": result is not None,
            "passed": bool(result and result["passed"]),
        }
    )


@require_safe
@never_cache
def solution(request: HttpRequest, slug: str) -> JsonResponse:
    """The reference solution, for a learner who has run this exercise at least once."""
    try:
        exercise = _exercise(slug)
    except Http404 as exc:
        return _error(404, str(exc))
    if not progress.attempted(request, slug):
        return _error(403, "Run your code at least once first: the solution opens after a try.")
    return JsonResponse({"slug": exercise.slug, "solution": exercise.solution})


@require_safe
def status(request: HttpRequest) -> JsonResponse:
    key = request.GET.get("ticket", "")[:64]
    response = JsonResponse({"unavailable": running.unavailable(), **running.queue_status(key)})
    response["Cache-Control"] = "no-store"
    return response


@require_POST
async def run(request: HttpRequest, slug: str) -> JsonResponse:
    try:
        exercise, code, key = await sync_to_async(admit)(request, slug)
        loop = asyncio.get_running_loop()
        with running.client_shares.hold(client_address(request)):
            report = await loop.run_in_executor(_run_threads, running.submit, exercise, code, key)
    except Refused as exc:
        return _error(exc.status, exc.message, exc.retry_after)
    except QueueFull as exc:
        return _error(429, exc.message, exc.retry_after)
    except SandboxUnavailable as exc:
        return _error(503, unavailable_message(str(exc)))
    # Every run that reached a sandbox is an attempt (and opens the solution); a pass is progress.
    await sync_to_async(progress.record)(request, exercise, report.status)
    response = JsonResponse(report.as_json())
    response["Cache-Control"] = "no-store"
    return response
