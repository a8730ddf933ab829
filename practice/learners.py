"""Who is practising: the session's anonymous learner, or the logged-in user's."""

from datetime import timedelta

from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.db.models import Q
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import timezone

from .models import DemoRun, ExerciseResult, Learner, Prediction, Progress, Review

SESSION_KEY = "learner_id"


def current_learner(request: HttpRequest) -> Learner | None:
    """The learner for this request, if one exists yet (reading creates none)."""
    if request.user.is_authenticated:
        return Learner.objects.filter(user=request.user).first()
    learner_id = request.session.get(SESSION_KEY)
    if not learner_id:
        return None
    return Learner.objects.filter(pk=learner_id, user__isnull=True).first()


def learner_rows(request: HttpRequest) -> Q | None:
    """A filter on a `learner` foreign key for the rows of this request's learner, without
    reading the learner itself (as current_learner() would find them); None without one."""
    if request.user.is_authenticated:
        return Q(learner__user=request.user)
    learner_id = request.session.get(SESSION_KEY)
    if not learner_id:
        return None
    return Q(learner_id=learner_id, learner__user__isnull=True)


def ensure_learner(request: HttpRequest) -> Learner:
    """The learner for this request, created on the first thing they do."""
    if request.user.is_authenticated:
        learner, _ = Learner.objects.get_or_create(user=request.user)
    else:
        learner = current_learner(request)
        if learner is None:
            learner = Learner.objects.create()
            request.session[SESSION_KEY] = str(learner.pk)
    seen(learner)
    return learner


def seen(learner: Learner) -> None:
    """Note that the learner is active (at most one write a day)."""
    now = timezone.now()
    if now - learner.last_seen > timedelta(days=1):
        Learner.objects.filter(pk=learner.pk).update(last_seen=now)
        learner.last_seen = now


def clean_stale(days: int) -> int:
    """Delete anonymous learners who wrote nothing for `days` days, with everything they
    did; return how many. Accounts are never deleted."""
    cutoff = timezone.now() - timedelta(days=days)
    stale = Learner.objects.filter(user__isnull=True, last_seen__lt=cutoff)
    deleted, per_model = stale.delete()
    return per_model.get(Learner._meta.label, 0)


@transaction.atomic
def merge(source: Learner, target: Learner) -> None:
    """Move everything `source` did onto `target`, keeping the more advanced card per lesson."""
    if source.pk == target.pk:
        return
    theirs = {p.lesson: p for p in Progress.objects.select_for_update().filter(learner=target)}
    for mine in Progress.objects.filter(learner=source):
        other = theirs.get(mine.lesson)
        if other is None:
            mine.learner = target
            mine.save(update_fields=["learner"])
            continue
        if (mine.last_reviewed or mine.read_at) and (
            other.last_reviewed is None
            or (mine.last_reviewed and mine.last_reviewed > other.last_reviewed)
        ):
            for name in ("card", "due", "last_rating", "last_reviewed"):
                setattr(other, name, getattr(mine, name))
        other.reviews += mine.reviews
        reads = [t for t in (mine.read_at, other.read_at) if t]
        other.read_at = min(reads) if reads else None
        other.save()
    # One UPDATE each, whatever the number of rows: a review the target already has (the same
    # file imported twice) stays behind and goes with the source.
    already = Review.objects.filter(learner=target).values("review_id")
    Review.objects.filter(learner=source).exclude(review_id__in=already).update(learner=target)
    DemoRun.objects.filter(learner=source).update(learner=target)
    _merge_exercise_results(source, target)
    _merge_predictions(source, target)
    source.delete()


def _merge_exercise_results(source: Learner, target: Learner) -> None:
    theirs = {
        r.exercise: r for r in ExerciseResult.objects.select_for_update().filter(learner=target)
    }
    for mine in ExerciseResult.objects.filter(learner=source):
        other = theirs.get(mine.exercise)
        if other is None:
            mine.learner = target
            mine.save(update_fields=["learner"])
            continue
        other.attempts += mine.attempts
        other.passes += mine.passes
        if mine.last_attempt_at > other.last_attempt_at:
            other.last_attempt_at, other.last_status = mine.last_attempt_at, mine.last_status
            other.lesson = mine.lesson
        other.first_attempt_at = min(other.first_attempt_at, mine.first_attempt_at)
        passes = [t for t in (mine.passed_at, other.passed_at) if t]
        other.passed_at = min(passes) if passes else None
        other.save()


def _merge_predictions(source: Learner, target: Learner) -> None:
    """Per quiz, a prediction the target has stands: the first answer recorded is the
    prediction, and nothing merged in (an imported file, whatever dates it claims) replaces
    it. Only quizzes the target has not answered take the source's prediction."""
    theirs = Prediction.objects.select_for_update().filter(learner=target)
    answered = set(theirs.values_list("lesson", "quiz"))
    for mine in Prediction.objects.filter(learner=source):
        if (mine.lesson, mine.quiz) in answered:
            continue
        mine.learner = target
        mine.save(update_fields=["learner"])


@receiver(user_logged_in)
def keep_anonymous_progress(sender, request, user, **kwargs) -> None:
    """Logging in must not lose what the learner did before: fold it into the account."""
    if request is None:
        return
    learner_id = request.session.pop(SESSION_KEY, None)
    anonymous = (
        Learner.objects.filter(pk=learner_id, user__isnull=True).first() if learner_id else None
    )
    account, _ = Learner.objects.get_or_create(user=user)
    if anonymous is not None:
        merge(anonymous, account)
