"""Whether a run request may go ahead: the exercise exists, the body is valid, this server can
make a sandbox, the client is within its rate. One function, so the async view makes one thread
hop for all of it; each refusal is an exception with the status to answer."""

from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest

from playground import limits

from . import running
from .catalog import get_catalog
from .forms import BadBody, RunForm
from .parsing import Exercise


@dataclass
class Refused(Exception):
    status: int
    message: str
    retry_after: int | None = None


def admit(request: HttpRequest, slug: str) -> tuple[Exercise, str, str]:
    """The exercise, the code to run and the run's ticket key, or Refused (404, 400, 503 or
    429)."""
    exercise = get_catalog().exercises.get(slug)
    if exercise is None:
        raise Refused(404, f"no exercise {slug!r}")
    try:
        form = RunForm.from_json(request.body)
    except BadBody as exc:
        raise Refused(400, str(exc)) from None
    if not form.is_valid():
        raise Refused(400, form.error_message())
    reason = running.unavailable()
    if reason:
        raise Refused(503, unavailable_message(reason))
    try:
        limits.check_rate(
            request,
            scope="exercises",
            limit=settings.EXERCISES_RATE_LIMIT,
            window=settings.EXERCISES_RATE_WINDOW,
            what="exercise runs",
        )
    except limits.DemoRefused as refusal:
        raise Refused(refusal.status, refusal.message, refusal.retry_after) from None
    return exercise, form.cleaned_data["code"], form.cleaned_data["ticket"]


def unavailable_message(reason: str) -> str:
    return f"Exercises cannot run on this server: {reason}."
