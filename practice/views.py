"""Practice pages and their small JSON API. Sync views: each write is a short transaction,
and transactions belong in sync code."""

import json
import random
import uuid

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.forms import UserCreationForm
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lessons.catalog import get_catalog
from lessons.tracks import TRACKS
from playground.registry import DEMOS

from . import clock, progress, scheduling
from .learners import current_learner, ensure_learner

MAX_MOCK_QUESTIONS = 20


def _body(request: HttpRequest) -> dict:
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise ValueError("the request body must be JSON") from None
    if not isinstance(data, dict):
        raise ValueError("the request body must be a JSON object")
    return data


def _lesson_post(request: HttpRequest):
    """The JSON body of a practice API call and the lesson it names, or the 4xx to answer."""
    try:
        data = _body(request)
    except ValueError as exc:
        return None, None, _bad(str(exc))
    slug = data.get("lesson")
    lesson = get_catalog().lessons.get(slug) if isinstance(slug, str) else None
    if lesson is None:
        return None, None, JsonResponse({"error": f"unknown lesson {slug!r}"}, status=404)
    return data, lesson, None


def _bad(message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=400)


def queue(learner) -> tuple[list, list, list]:
    """(due now, never practised, coming up), each a list of (lesson, state)."""
    catalog, states = get_catalog(), progress.lesson_states(learner)
    due, new, upcoming = [], [], []
    for _track, lessons in catalog.tracks():
        for lesson in lessons:
            state = states.get(lesson.slug)
            if state is None or not state["practised"]:
                new.append((lesson, state))
            elif state["due"]:
                due.append((lesson, state))
            else:
                upcoming.append((lesson, state))
    due.sort(key=lambda item: item[1]["due_at"])
    upcoming.sort(key=lambda item: item[1]["due_at"])
    return due, new, upcoming


def next_in_queue(learner, after: str) -> str | None:
    due, _, _ = queue(learner)
    slugs = [lesson.slug for lesson, _ in due if lesson.slug != after]
    return reverse("practice:question", args=[slugs[0]]) + "?queue=1" if slugs else None


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    learner = current_learner(request)
    due, new, upcoming = queue(learner)
    return render(
        request,
        "practice/home.html",
        {
            "due": due,
            "new": new,
            "upcoming": upcoming[:10],
            "summary": progress.summary(learner),
            "tracks": [track for track, _ in get_catalog().tracks()],
            "now": clock.now(),
        },
    )


@require_GET
def question(request: HttpRequest, slug: str) -> HttpResponse:
    lesson = get_catalog().lessons.get(slug)
    if lesson is None:
        raise Http404("No such lesson.")
    learner = current_learner(request)
    state = progress.lesson_states(learner).get(slug)
    card = {}
    if learner is not None:
        card = next((p.card for p in learner.progress.filter(lesson=slug)), {})
    intervals = scheduling.preview(card, clock.now())
    return render(
        request,
        "practice/question.html",
        {
            "lesson": lesson,
            "state": state,
            "ratings": [
                {
                    "value": value,
                    "label": label,
                    "comes_back": scheduling.humanise(intervals[value]),
                }
                for value, label in scheduling.RATINGS.items()
            ],
            "evidence": evidence(learner, slug),
            "in_queue": request.GET.get("queue") == "1",
        },
    )


def evidence(learner, slug: str) -> list[str]:
    """Sentences quoting the learner's own demo figures from this lesson."""
    runs = progress.latest_demo_runs(learner, slug)
    sentences = []
    for demo_id in dict.fromkeys(run.demo for run in runs):
        demo = DEMOS.get(demo_id)
        if demo is None:
            continue
        mine = [run for run in runs if run.demo == demo_id]
        params = ", ".join(f"{k} {v}" for k, v in mine[-1].params.items() if k in demo.params)
        parts = "; ".join(
            f"{demo.variant_title(run.variant)} took {run.total_ms:.0f} ms" for run in mine
        )
        sentences.append(f"Your {demo.title.lower()} run ({params}): {parts}.")
    return sentences


@require_GET
def mock(request: HttpRequest) -> HttpResponse:
    catalog = get_catalog()
    track = request.GET.get("track", "all")
    if track != "all" and track not in TRACKS:
        raise Http404("No such track.")
    pool = [lesson for lesson in catalog.lessons.values() if track in ("all", lesson.track)]
    try:
        count = int(request.GET.get("n", 5))
    except ValueError:
        count = 5
    count = max(1, min(count, MAX_MOCK_QUESTIONS, len(pool)))
    chosen = random.sample(pool, count) if pool else []
    return render(
        request,
        "practice/mock.html",
        {
            "questions": chosen,
            "track": TRACKS.get(track),
            "mock_id": uuid.uuid4().hex,
            "ratings": [{"value": v, "label": label} for v, label in scheduling.RATINGS.items()],
        },
    )


@require_POST
def api_review(request: HttpRequest) -> JsonResponse:
    data, lesson, error = _lesson_post(request)
    if error:
        return error
    rating = data.get("rating")
    if isinstance(rating, bool) or rating not in scheduling.RATINGS:
        return _bad("rating must be 1 (Again), 2 (Hard), 3 (Good) or 4 (Easy)")
    try:
        review_id = uuid.UUID(str(data.get("review_id")))
    except ValueError:
        return _bad("review_id must be a UUID chosen by the page")
    duration = data.get("duration_ms", 0)
    if (
        isinstance(duration, bool)
        or not isinstance(duration, int)
        or not 0 <= duration <= 86_400_000
    ):
        return _bad("duration_ms must be a whole number of milliseconds")
    answer = data.get("answer", "")
    if not isinstance(answer, str) or len(answer) > progress.MAX_ANSWER:
        return _bad(f"answer must be text of at most {progress.MAX_ANSWER} characters")
    points = data.get("checked_points", [])
    if not isinstance(points, list) or not all(isinstance(p, int) for p in points):
        return _bad("checked_points must be a list of numbers")
    mock_id = data.get("mock", "")
    if not isinstance(mock_id, str) or len(mock_id) > 40:
        return _bad("mock must be a short id")
    learner = ensure_learner(request)
    recorded = progress.record_review(
        learner,
        lesson=lesson.slug,
        rating=rating,
        review_id=review_id,
        duration_ms=duration,
        answer=answer,
        checked_points=points,
        mock=mock_id,
    )
    due = recorded.review.due_after
    return JsonResponse(
        {
            "recorded": recorded.created,
            "lesson": lesson.slug,
            "rating": rating,
            "due": due.isoformat(),
            "comes_back_in": scheduling.humanise(due - clock.now()),
            "next": next_in_queue(learner, lesson.slug),
        },
        status=201 if recorded.created else 200,
    )


@require_POST
def api_read(request: HttpRequest) -> JsonResponse:
    _, lesson, error = _lesson_post(request)
    if error:
        return error
    progress.record_read(ensure_learner(request), lesson.slug)
    return JsonResponse({"lesson": lesson.slug, "read": True})


@require_POST
def api_demo_run(request: HttpRequest) -> JsonResponse:
    data, lesson, error = _lesson_post(request)
    if error:
        return error
    demo = DEMOS.get(data.get("demo"))
    if demo is None or data.get("variant") not in demo.variants:
        return _bad("demo and variant must name a playground demo")
    total = data.get("total_ms")
    if isinstance(total, bool) or not isinstance(total, int | float) or not 0 <= total <= 600_000:
        return _bad("total_ms must be a number of milliseconds")
    try:
        params = demo.parse(data.get("params") or {})
    except ValueError as exc:
        return _bad(str(exc))
    progress.record_demo_run(
        ensure_learner(request),
        lesson=lesson.slug,
        demo=demo.id,
        variant=data["variant"],
        params=params,
        total_ms=float(total),
    )
    return JsonResponse({"recorded": True}, status=201)


@require_GET
def export(request: HttpRequest) -> JsonResponse:
    response = JsonResponse(
        progress.export(current_learner(request)), json_dumps_params={"indent": 2}
    )
    stamp = clock.now().strftime("%Y-%m-%d")
    response["Content-Disposition"] = f'attachment; filename="interview-lab-progress-{stamp}.json"'
    return response


@require_POST
def import_progress(request: HttpRequest) -> HttpResponse:
    upload = request.FILES.get("file")
    wants_json = request.content_type == "application/json"
    try:
        raw = upload.read() if upload else request.body
        if upload and upload.size > 5 * 1024 * 1024:
            raise progress.BadImport("the file is larger than 5 MB")
        data = json.loads(raw)
        counts = progress.import_into(ensure_learner(request), data, set(get_catalog().lessons))
    except (ValueError, progress.BadImport) as exc:
        message = f"Could not import: {exc}"
        if wants_json:
            return _bad(message)
        messages.error(request, message)
        return redirect("practice:home")
    message = (
        f"Imported {counts['progress']} lessons, {counts['reviews']} reviews and "
        f"{counts['demo_runs']} demo runs."
    )
    if wants_json:
        return JsonResponse({"imported": counts})
    messages.success(request, message)
    return redirect("practice:home")


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    form = UserCreationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user)  # keeps the anonymous progress (see learners.py)
        messages.success(request, "Account created. Your progress is saved to it.")
        return redirect("practice:home")
    return render(request, "registration/signup.html", {"form": form})
