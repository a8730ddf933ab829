"""The exercises JSON API. Thin views: the work is in catalog, running and the sandbox."""

import asyncio
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import sync_to_async
from django.conf import settings
from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.http import require_GET, require_POST

from . import running
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


@require_GET
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


@require_GET
def detail(request: HttpRequest, slug: str) -> JsonResponse:
    try:
        exercise = _exercise(slug)
    except Http404 as exc:
        return _error(404, str(exc))
    reason = running.unavailable()
    if reason is None:
        running.warm()  # the learner is about to press Run: have a sandbox ready
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
        }
    )


@require_GET
def status(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"unavailable": running.unavailable(), **running.queue_status()})


@require_POST
async def run(request: HttpRequest, slug: str) -> JsonResponse:
    try:
        exercise, code = await sync_to_async(admit)(request, slug)
        loop = asyncio.get_running_loop()
        report = await loop.run_in_executor(_run_threads, running.submit, exercise, code)
    except Refused as exc:
        return _error(exc.status, exc.message, exc.retry_after)
    except QueueFull as exc:
        return _error(429, exc.message, exc.retry_after)
    except SandboxUnavailable as exc:
        return _error(503, unavailable_message(str(exc)))
    response = JsonResponse(report.as_json())
    response["Cache-Control"] = "no-store"
    return response
