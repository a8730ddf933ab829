"""Practice pages and their small JSON API. Sync views: each write is a short transaction,
and transactions belong in sync code."""

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.forms import UserCreationForm
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from lessons.catalog import get_catalog
from ops.ratelimit import CounterUnavailable, client_address, hit
from playground.registry import DEMOS

from . import clock, forms, mock, progress, review_queue, scheduling
from .learners import current_learner, ensure_learner


def _bad(message: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def _over_limit(request: HttpRequest, what: str, limit: int, window: int) -> JsonResponse | None:
    """A 429 once this client has made `limit` writes of this kind in the window."""
    try:
        counted = hit(f"practice:{what}:{client_address(request)}", window)
    except CounterUnavailable:
        return None  # the write itself is bounded; no counter is no reason to lose it
    if counted.count <= limit:
        return None
    message = (
        f"Too many requests: at most {limit} every {window} s. Nothing was recorded; try "
        f"again in {counted.retry_after} s."
    )
    return JsonResponse(
        {"error": message}, status=429, headers={"Retry-After": str(counted.retry_after)}
    )


def _form(request: HttpRequest, form_class: type[forms.LessonForm]):
    """The endpoint's form over the JSON body, and the 4xx to answer if it is not valid."""
    refused = _over_limit(request, "write", settings.PRACTICE_WRITES_PER_MINUTE, 60)
    if refused:
        return None, refused
    try:
        form = form_class(forms.read_object(request.body))
    except forms.BadBody as exc:
        return None, _bad(str(exc))
    if form.is_valid():
        return form, None
    if form.unknown_lesson():
        return None, _bad(f"unknown lesson {form.data.get('lesson')!r}", 404)
    return None, _bad(form.problem())


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    learner = current_learner(request)
    queue = review_queue.build(learner)
    return render(
        request,
        "practice/home.html",
        {
            "due": queue.due,
            "new": queue.new,
            "upcoming": queue.upcoming[:10],
            "summary": progress.summary(learner),
            "tracks": [track for track, _ in get_catalog().tracks()],
        },
    )


@require_safe
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
        # The figure kept is the one that carries the demo's point (its key_figure).
        waits = demo.key_figure == "probe"
        pieces = []
        for run in mine:
            variant = demo.variants.get(run.variant)
            title = variant.title if variant else run.variant
            if waits:
                pieces.append(f"while {title} ran, other users waited up to {run.total_ms:.0f} ms")
            else:
                pieces.append(f"{title} took {run.total_ms:.0f} ms")
        parts = "; ".join(pieces)
        sentences.append(f"Your {demo.title.lower()} run ({params}): {parts}.")
    return sentences


@require_safe
def mock_start(request: HttpRequest) -> HttpResponse:
    """A new interview: its own id, so its questions stay the same on reload."""
    try:
        settings_ = mock.read_settings(request.GET)
    except mock.UnknownMock as exc:
        raise Http404(str(exc)) from None
    url = reverse("practice:mock", args=[mock.new_id()])
    return redirect(f"{url}?{settings_.query()}")


@require_safe
def mock_interview(request: HttpRequest, mock_id: str) -> HttpResponse:
    try:
        chosen = mock.read_settings(request.GET)
        interview = mock.draw(mock_id, chosen)
    except mock.UnknownMock as exc:
        raise Http404(str(exc)) from None
    return render(
        request,
        "practice/mock.html",
        {
            "mock": interview,
            "questions": interview.questions,
            "track": interview.track,
            "mock_query": chosen.query(),
            "ratings": [{"value": v, "label": label} for v, label in scheduling.RATINGS.items()],
        },
    )


@require_POST
def api_review(request: HttpRequest) -> JsonResponse:
    form, error = _form(request, forms.ReviewForm)
    if error:
        return error
    data = form.cleaned_data
    learner = ensure_learner(request)
    try:
        recorded = progress.record_review(learner, **data)
    except progress.ReviewClosed as exc:
        return _bad(f"Not changed: {exc}.", 409)
    due = recorded.review.due_after
    return JsonResponse(
        {
            "recorded": recorded.created,
            "changed": recorded.changed,
            "lesson": data["lesson"],
            "rating": recorded.review.rating,
            "due": due.isoformat(),
            "comes_back_in": scheduling.humanise(due - clock.now()),
            "next": review_queue.next_due(learner, data["lesson"]),
        },
        status=201 if recorded.created else 200,
    )


@require_POST
def api_read(request: HttpRequest) -> JsonResponse:
    form, error = _form(request, forms.LessonForm)
    if error:
        return error
    progress.record_read(ensure_learner(request), form.cleaned_data["lesson"])
    return JsonResponse({"lesson": form.cleaned_data["lesson"], "read": True})


@require_POST
def api_demo_run(request: HttpRequest) -> JsonResponse:
    form, error = _form(request, forms.DemoRunForm)
    if error:
        return error
    progress.record_demo_run(ensure_learner(request), **form.cleaned_data)
    return JsonResponse({"recorded": True}, status=201)


@require_POST
def api_prediction(request: HttpRequest) -> JsonResponse:
    form, error = _form(request, forms.PredictionForm)
    if error:
        return error
    learner = ensure_learner(request)
    predicted = progress.record_prediction(learner, **form.cleaned_data)
    counts = progress.prediction_counts(learner)
    return JsonResponse(
        {
            "recorded": predicted.created,
            "right": predicted.prediction.right,
            "message": predicted.sentence(**counts),
            **counts,
        },
        status=201 if predicted.created else 200,
    )


@require_safe
def export(request: HttpRequest) -> JsonResponse:
    response = JsonResponse(
        progress.export(current_learner(request)), json_dumps_params={"indent": 2}
    )
    stamp = clock.now().strftime("%Y-%m-%d")
    response["Content-Disposition"] = f'attachment; filename="interview-lab-progress-{stamp}.json"'
    return response


@require_POST
def import_progress(request: HttpRequest) -> HttpResponse:
    wants_json = request.content_type == "application/json"
    refused = _over_limit(request, "import", settings.PRACTICE_IMPORTS_PER_HOUR, 3600)
    if refused:
        if wants_json:
            return refused
        messages.error(request, json.loads(refused.content)["error"])
        return redirect("practice:home")
    upload = request.FILES.get("file")
    try:
        if upload:
            cleaned = progress.read_import_file(
                upload.read(), limit=settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            )
        else:
            cleaned = progress.read_import(forms.read_json(request.body))
        # Only a valid file makes a learner: a refused import leaves nothing behind.
        counts = progress.import_into(ensure_learner(request), cleaned)
    except (forms.BadBody, progress.BadImport) as exc:
        message = f"Could not import: {exc}. Your progress is unchanged."
        if wants_json:
            return _bad(message)
        messages.error(request, message)
        return redirect("practice:home")
    message = (
        f"Imported {counts['progress']} lessons, {counts['reviews']} reviews, "
        f"{counts['demo_runs']} demo runs, {counts['exercises']} exercise results and "
        f"{counts['predictions']} predictions."
    )
    if wants_json:
        return JsonResponse({"imported": counts})
    messages.success(request, message)
    return redirect("practice:home")


@require_http_methods(["GET", "HEAD", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    form = UserCreationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user)  # keeps the anonymous progress (see learners.py)
        messages.success(request, "Account created. Your progress is saved to it.")
        return redirect("practice:home")
    return render(request, "registration/signup.html", {"form": form})
