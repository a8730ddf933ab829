from asgiref.sync import sync_to_async
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from .catalog import get_catalog
from .pages import fresh_kept_pages, learner_part, lesson_response, reader_response
from .parsing import Lesson
from .search import MAX_QUERY_LENGTH, search
from .tracks import TRACKS


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    catalog = get_catalog()
    return render(
        request,
        "lessons/home.html",
        {
            "tracks": catalog.tracks(),
            "start_here": catalog.start_here(),
            # Instructors see broken lesson files right where they look; learners don't.
            "problems": catalog.problems if settings.DEBUG else [],
        },
    )


@require_safe
def track_detail(request: HttpRequest, track: str) -> HttpResponse:
    catalog = get_catalog()
    lessons = catalog.track_lessons(track)
    if track not in TRACKS or not lessons:
        raise Http404("No such track.")
    return render(request, "lessons/track.html", {"track": TRACKS[track], "lessons": lessons})


@require_safe
async def lesson_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """A reader with no session, or a learner not signed in, gets the page kept whole, here on
    the event loop; a signed-in learner's is filled with their own progress, which means the
    database: in a thread."""
    if not settings.LESSONS_RELOAD:  # else finding the catalog reads files: not on the loop
        catalog = get_catalog()
        lesson = catalog.lessons.get(slug)
        if lesson is None:
            raise Http404("No such lesson.")
        response = reader_response(request, fresh_kept_pages(catalog, lesson))
        if response is not None:
            return response
    return await sync_to_async(lesson_page)(request, slug)


def lesson_page(request: HttpRequest, slug: str) -> HttpResponse:
    keep = not settings.LESSONS_RELOAD
    return lesson_response(request, get_catalog(), _lesson(slug), keep=keep)


@require_safe
async def lesson_yours(request: HttpRequest, slug: str) -> JsonResponse:
    """The learner's own part of a lesson page kept whole (its data-yours): one thread, one
    query."""
    response = JsonResponse(await sync_to_async(_learner_part)(request, slug))
    response["Cache-Control"] = "no-store"
    return response


def _learner_part(request: HttpRequest, slug: str) -> dict:
    return learner_part(request, _lesson(slug))


def _lesson(slug: str) -> Lesson:
    lesson = get_catalog().lessons.get(slug)
    if lesson is None:
        raise Http404("No such lesson.")
    return lesson


@require_safe
def robots_txt(request: HttpRequest) -> HttpResponse:
    """Crawl the lessons; leave the APIs, the practice pages and accounts alone."""
    lines = [
        "User-agent: *",
        "Disallow: /playground/api/",
        "Disallow: /playground/upstream/",
        "Disallow: /practice/",
        "Disallow: /accounts/",
        "Disallow: /search/",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")


@require_safe
def search_view(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:MAX_QUERY_LENGTH]
    results = search(get_catalog(), query) if query else []
    return render(request, "lessons/search.html", {"query": query, "results": results})
