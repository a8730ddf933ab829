from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from practice.learners import current_learner
from practice.progress import lesson_states, summary

from .catalog import get_catalog
from .search import MAX_QUERY_LENGTH, search
from .tracks import TRACKS


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    catalog = get_catalog()
    learner = current_learner(request)
    return render(
        request,
        "lessons/home.html",
        {
            "tracks": catalog.tracks(),
            "states": lesson_states(learner),
            "summary": summary(learner),
            # Instructors see broken lesson files right where they look; learners don't.
            "problems": catalog.problems if settings.DEBUG else [],
        },
    )


@require_GET
def track_detail(request: HttpRequest, track: str) -> HttpResponse:
    catalog = get_catalog()
    lessons = catalog.track_lessons(track)
    if track not in TRACKS or not lessons:
        raise Http404("No such track.")
    states = lesson_states(current_learner(request))
    return render(
        request,
        "lessons/track.html",
        {"track": TRACKS[track], "lessons": lessons, "states": states},
    )


@require_GET
def lesson_detail(request: HttpRequest, slug: str) -> HttpResponse:
    catalog = get_catalog()
    lesson = catalog.lessons.get(slug)
    if lesson is None:
        raise Http404("No such lesson.")
    previous, following = catalog.neighbours(lesson)
    return render(
        request,
        "lessons/lesson.html",
        {
            "lesson": lesson,
            "track": TRACKS[lesson.track],
            "previous": previous,
            "next": following,
            "related": catalog.related(lesson),
            "state": lesson_states(current_learner(request)).get(lesson.slug),
        },
    )


@require_GET
def search_view(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:MAX_QUERY_LENGTH]
    results = search(get_catalog(), query) if query else []
    return render(request, "lessons/search.html", {"query": query, "results": results})
