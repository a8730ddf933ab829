"""Recording what a learner does, and reading it back as progress."""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import DateTimeField, F, JSONField, Q, Value
from django.http import HttpRequest

from . import clock, forms, scheduling
from .learners import learner_rows, merge
from .models import DemoRun, ExerciseResult, Learner, Prediction, Progress, Review


class BadImport(ValueError):
    """An uploaded progress file is not one this site wrote."""


def record_read(learner: Learner, lesson: str) -> None:
    progress, _ = Progress.objects.get_or_create(learner=learner, lesson=lesson)
    if progress.read_at is None:
        Progress.objects.filter(pk=progress.pk, read_at__isnull=True).update(read_at=clock.now())


class ReviewClosed(ValueError):
    """A changed rating for a review the learner has since moved past; the message says why."""


@dataclass(frozen=True)
class Recorded:
    review: Review
    created: bool  # False when the same review_id was already recorded
    changed: bool = False  # True when that review's rating was replaced


def record_review(
    learner: Learner,
    *,
    lesson: str,
    rating: int,
    review_id: uuid.UUID,
    duration_ms: int = 0,
    answer: str = "",
    checked_points: list[int] | None = None,
    mock: str = "",
) -> Recorded:
    """Apply one rating to the lesson's schedule, once per review_id. The same review_id
    with another rating replaces the earlier one (a mis-click undone): the schedule is
    worked out again from the card as it was before that review.

    Several tabs may rate at the same moment: the progress row is locked (PostgreSQL) or the
    transaction holds SQLite's write lock from its start (IMMEDIATE), so no update is lost.
    """
    existing = Review.objects.filter(learner=learner, review_id=review_id).first()
    if existing and existing.rating == rating:
        return Recorded(existing, False)
    details = {
        "duration_ms": duration_ms,
        "answer": answer[: forms.MAX_ANSWER],
        "checked_points": checked_points or [],
    }
    if existing:
        return _change_rating(existing, rating, details)
    Progress.objects.get_or_create(learner=learner, lesson=lesson)
    try:
        with transaction.atomic():
            progress = Progress.objects.select_for_update().get(learner=learner, lesson=lesson)
            now = clock.now()
            before = progress.card
            card = scheduling.review(before, rating, now)
            progress.card = card.to_dict()
            progress.due = card.due
            progress.reviews += 1
            progress.last_rating = rating
            progress.last_reviewed = now
            progress.read_at = progress.read_at or now
            progress.save()
            review = Review.objects.create(
                learner=learner,
                review_id=review_id,
                lesson=lesson,
                rating=rating,
                reviewed_at=now,
                mock=mock,
                due_after=card.due,
                card_before=before,
                **details,
            )
    except IntegrityError:  # a concurrent request with the same review_id won the race
        return Recorded(Review.objects.get(learner=learner, review_id=review_id), False)
    return Recorded(review, True)


def _change_rating(review: Review, rating: int, details: dict) -> Recorded:
    with transaction.atomic():
        progress = Progress.objects.select_for_update().get(
            learner=review.learner, lesson=review.lesson
        )
        review.refresh_from_db()
        later = Review.objects.filter(
            learner=review.learner, lesson=review.lesson, reviewed_at__gt=review.reviewed_at
        )
        if review.card_before is None:
            raise ReviewClosed("this rating was recorded elsewhere and can no longer change")
        if later.exists() or progress.last_reviewed != review.reviewed_at:
            raise ReviewClosed(
                "this question has been rated again since; only the latest rating can change"
            )
        card = scheduling.review(review.card_before, rating, review.reviewed_at)
        progress.card = card.to_dict()
        progress.due = card.due
        progress.last_rating = rating
        progress.save(update_fields=["card", "due", "last_rating"])
        review.rating = rating
        review.due_after = card.due
        for name, value in details.items():
            setattr(review, name, value)
        review.save()
    return Recorded(review, False, changed=True)


@dataclass(frozen=True)
class Predicted:
    prediction: Prediction
    created: bool  # False when this quiz was answered before: the first answer stands

    def sentence(self, *, predicted: int, predicted_right: int) -> str:
        """What the quiz says under its verdict about this prediction."""
        tally = f"predicted right {predicted_right} of {predicted}"
        if not self.created:
            return f"Your first answer to this quiz stays your prediction: {tally}."
        if self.prediction.right:
            return f"Kept in your practice record: {tally}."
        return f"Kept in your practice record ({tally}): this question is now due for review."


def record_prediction(
    learner: Learner, *, lesson: str, quiz: int, choice: int, right: bool
) -> Predicted:
    """Keep the learner's first answer to a lesson's quiz. A wrong prediction brings the
    question forward: it is due now, whatever its schedule said."""
    now = clock.now()
    try:
        with transaction.atomic():
            prediction, created = Prediction.objects.get_or_create(
                learner=learner,
                lesson=lesson,
                quiz=quiz,
                defaults={"choice": choice, "right": right, "predicted_at": now},
            )
    except IntegrityError:  # the same quiz answered twice at once: the other one is first
        prediction, created = (
            Prediction.objects.get(learner=learner, lesson=lesson, quiz=quiz),
            False,
        )
    if created and not right:
        Progress.objects.get_or_create(learner=learner, lesson=lesson)
        Progress.objects.filter(learner=learner, lesson=lesson).exclude(due__lte=now).update(
            due=now
        )
    return Predicted(prediction, created)


def prediction_counts(learner: Learner | None) -> dict[str, int]:
    """How many quizzes the learner predicted, and how many of those rightly."""
    if learner is None:
        return {"predicted": 0, "predicted_right": 0}
    rows = Prediction.objects.filter(learner=learner)
    return {"predicted": rows.count(), "predicted_right": rows.filter(right=True).count()}


def mispredicted_lessons(learner: Learner | None) -> set[str]:
    """Lessons with a wrong prediction not yet followed by a review of the question."""
    if learner is None:
        return set()
    reviewed = {
        p.lesson: p.last_reviewed
        for p in Progress.objects.filter(learner=learner, last_reviewed__isnull=False)
    }
    return {
        lesson
        for lesson, when in Prediction.objects.filter(learner=learner, right=False).values_list(
            "lesson", "predicted_at"
        )
        if lesson not in reviewed or reviewed[lesson] < when
    }


KEEP_DEMO_RUNS = 40  # per learner and lesson: the newest runs are the ones quoted


def record_demo_run(
    learner: Learner, *, lesson: str, demo: str, variant: str, params: dict, total_ms: float
) -> DemoRun:
    run = DemoRun.objects.create(
        learner=learner,
        lesson=lesson,
        demo=demo,
        variant=variant,
        params=params,
        total_ms=total_ms,
        created=clock.now(),
    )
    older = DemoRun.objects.filter(learner=learner, lesson=lesson).order_by("-created", "-pk")
    stale = list(older.values_list("pk", flat=True)[KEEP_DEMO_RUNS:])
    if stale:
        DemoRun.objects.filter(pk__in=stale).delete()
    return run


def lesson_states(learner: Learner | None) -> dict[str, dict]:
    """Per lesson slug: read, practised, due, mastered, next due."""
    if learner is None:
        return {}
    now = clock.now()
    return {
        p.lesson: _lesson_state(
            read_at=p.read_at, reviews=p.reviews, due=p.due, card=p.card, now=now
        )
        for p in Progress.objects.filter(learner=learner)
    }


def _lesson_state(
    *, read_at: datetime | None, reviews: int, due: datetime | None, card: dict, now: datetime
) -> dict:
    return {
        "read": read_at is not None,
        "practised": reviews > 0,
        "due": due is not None and due <= now,
        "mastered": scheduling.is_mastered(card),
        "due_at": due,
        "reviews": reviews,
    }


def _exercise_result(
    *, lesson: str, attempts: int, passes: int, last_status: str, passed_at: datetime | None
) -> dict:
    return {
        "lesson": lesson,
        "attempts": attempts,
        "passes": passes,
        "passed": passes > 0,
        "last_status": last_status,
        "passed_at": passed_at,
    }


@dataclass(frozen=True)
class PageRecords:
    """What pages show of a learner: lesson_states() and exercise_results(), read together."""

    lessons: dict[str, dict]
    exercises: dict[str, dict]


# Both tables as one row shape, so that one query (a UNION ALL) reads them together.
_ROW = (
    "r_kind",
    "r_name",
    "r_lesson",
    "r_at",
    "r_due",
    "r_count",
    "r_passes",
    "r_status",
    "r_card",
)


def page_records(request: HttpRequest) -> PageRecords:
    """The request's learner's lesson states and exercise results in one query, read once per
    request (a page's badges, blocks and summary share it); no query without a learner."""
    cached = getattr(request, "_page_records", None)
    if cached is not None:
        return cached
    owner = learner_rows(request)
    records = PageRecords({}, {}) if owner is None else _read_records(owner)
    request._page_records = records
    return records


def _read_records(owner: Q) -> PageRecords:
    lessons = Progress.objects.filter(owner).annotate(
        r_kind=Value("lesson"),
        r_name=F("lesson"),
        r_lesson=F("lesson"),
        r_at=F("read_at"),
        r_due=F("due"),
        r_count=F("reviews"),
        r_passes=Value(0),
        r_status=Value(""),
        r_card=F("card"),
    )
    exercises = ExerciseResult.objects.filter(owner).annotate(
        r_kind=Value("exercise"),
        r_name=F("exercise"),
        r_lesson=F("lesson"),
        r_at=F("passed_at"),
        r_due=Value(None, output_field=DateTimeField()),
        r_count=F("attempts"),
        r_passes=F("passes"),
        r_status=F("last_status"),
        r_card=Value(None, output_field=JSONField()),
    )
    now = clock.now()
    records = PageRecords({}, {})
    rows = lessons.values_list(*_ROW).union(exercises.values_list(*_ROW), all=True)
    for kind, name, lesson, at, due, count, passes, status, card in rows:
        if kind == "lesson":
            records.lessons[name] = _lesson_state(
                read_at=at, reviews=count, due=due, card=card or {}, now=now
            )
        else:
            records.exercises[name] = _exercise_result(
                lesson=lesson, attempts=count, passes=passes, last_status=status, passed_at=at
            )
    return records


def streak(learner: Learner | None) -> int:
    """Consecutive days, ending today or yesterday, with at least one review."""
    if learner is None:
        return 0
    days = {
        moment.date()
        for moment in Review.objects.filter(learner=learner).values_list("reviewed_at", flat=True)
    }
    day = clock.now().date()
    if day not in days:
        day -= timedelta(days=1)
    count = 0
    while day in days:
        count += 1
        day -= timedelta(days=1)
    return count


def summary(learner: Learner | None) -> dict:
    states = lesson_states(learner)
    return {
        "read": sum(s["read"] for s in states.values()),
        "practised": sum(s["practised"] for s in states.values()),
        "due": sum(s["due"] for s in states.values()),
        "mastered": sum(s["mastered"] for s in states.values()),
        "reviews": sum(s["reviews"] for s in states.values()),
        "demos_run": DemoRun.objects.filter(learner=learner).count() if learner else 0,
        "streak": streak(learner),
        **prediction_counts(learner),
    }


def latest_demo_runs(learner: Learner | None, lesson: str) -> list[DemoRun]:
    """The newest run of each demo variant the learner ran from this lesson."""
    if learner is None:
        return []
    newest: dict[tuple[str, str], DemoRun] = {}
    for run in DemoRun.objects.filter(learner=learner, lesson=lesson):
        newest[run.demo, run.variant] = run
    return list(newest.values())


# --- Exercises: the exercises app records its runs here and reads them back (practice knows
# nothing of exercises beyond their slugs and lessons).

EXERCISE_STATUSES = ("pass", "fail", "error", "timeout")


def record_exercise_run(learner: Learner, *, exercise: str, lesson: str, status: str) -> None:
    """Count one run of `exercise` that reached a sandbox. One row per exercise, updated in
    place (F() expressions: two tabs running at once lose no count)."""
    if status not in EXERCISE_STATUSES:
        raise ValueError(f"not a run status: {status!r}")
    now = clock.now()
    result, created = ExerciseResult.objects.get_or_create(
        learner=learner,
        exercise=exercise,
        defaults={"lesson": lesson, "first_attempt_at": now, "last_attempt_at": now},
    )
    passed = status == "pass"
    rows = ExerciseResult.objects.filter(pk=result.pk)
    rows.update(
        lesson=lesson,
        attempts=F("attempts") + 1,
        passes=F("passes") + int(passed),
        last_status=status,
        last_attempt_at=now,
    )
    if passed:
        rows.filter(passed_at__isnull=True).update(passed_at=now)


def exercise_results(learner: Learner | None) -> dict[str, dict]:
    """Per exercise slug: attempts, passes, passed, last status, lesson."""
    if learner is None:
        return {}
    return {
        r.exercise: _exercise_result(
            lesson=r.lesson,
            attempts=r.attempts,
            passes=r.passes,
            last_status=r.last_status,
            passed_at=r.passed_at,
        )
        for r in ExerciseResult.objects.filter(learner=learner)
    }


def exercise_attempted(learner: Learner | None, exercise: str) -> bool:
    return (
        learner is not None
        and ExerciseResult.objects.filter(
            learner=learner, exercise=exercise, attempts__gt=0
        ).exists()
    )


# --- Export and import


EXPORT_VERSION = 1


def export(learner: Learner | None) -> dict:
    data = {
        "format": "interview-lab-progress",
        "version": EXPORT_VERSION,
        "exported_at": clock.now().isoformat(),
        "progress": [],
        "reviews": [],
        "demo_runs": [],
        "exercises": [],
        "predictions": [],
    }
    if learner is None:
        return data
    for p in Progress.objects.filter(learner=learner).order_by("lesson"):
        data["progress"].append(
            {
                "lesson": p.lesson,
                "read_at": _iso(p.read_at),
                "card": p.card,
                "due": _iso(p.due),
                "reviews": p.reviews,
                "last_rating": p.last_rating,
                "last_reviewed": _iso(p.last_reviewed),
            }
        )
    for r in Review.objects.filter(learner=learner):
        data["reviews"].append(
            {
                "review_id": str(r.review_id),
                "lesson": r.lesson,
                "rating": r.rating,
                "reviewed_at": r.reviewed_at.isoformat(),
                "duration_ms": r.duration_ms,
                "answer": r.answer,
                "checked_points": r.checked_points,
                "mock": r.mock,
                "due_after": r.due_after.isoformat(),
            }
        )
    for d in DemoRun.objects.filter(learner=learner):
        data["demo_runs"].append(
            {
                "lesson": d.lesson,
                "demo": d.demo,
                "variant": d.variant,
                "params": d.params,
                "total_ms": d.total_ms,
                "created": d.created.isoformat(),
            }
        )
    for e in ExerciseResult.objects.filter(learner=learner).order_by("exercise"):
        data["exercises"].append(
            {
                "exercise": e.exercise,
                "lesson": e.lesson,
                "attempts": e.attempts,
                "passes": e.passes,
                "last_status": e.last_status,
                "first_attempt_at": e.first_attempt_at.isoformat(),
                "last_attempt_at": e.last_attempt_at.isoformat(),
                "passed_at": _iso(e.passed_at),
            }
        )
    for prediction in Prediction.objects.filter(learner=learner).order_by("lesson", "quiz"):
        data["predictions"].append(
            {
                "lesson": prediction.lesson,
                "quiz": prediction.quiz,
                "choice": prediction.choice,
                "right": prediction.right,
                "predicted_at": prediction.predicted_at.isoformat(),
            }
        )
    return data


MAX_IMPORT = {
    "progress": 200,
    "reviews": 5000,
    "demo_runs": 1000,
    "exercises": 200,
    "predictions": 2000,
}
IMPORT_FORMS = {
    "progress": forms.ImportedProgressForm,
    "reviews": forms.ImportedReviewForm,
    "demo_runs": forms.ImportedDemoRunForm,
    "exercises": forms.ImportedExerciseForm,
    "predictions": forms.ImportedPredictionForm,
}


def read_import_file(raw: bytes, *, limit: int) -> dict[str, list[dict]]:
    """Validate the bytes of an uploaded progress file; raise BadImport saying in words what
    is wrong with the file (never a parser's message)."""
    if len(raw) > limit:
        raise BadImport(f"the file is larger than {limit // 1_000_000} MB")
    if not raw.strip():
        raise BadImport("the file is empty")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadImport(
            "the file is not text: a progress file is the JSON the Export button saves"
        ) from None
    try:
        data = forms.read_json(text)
    except forms.NotJSON as exc:
        raise BadImport(
            f"the file is not JSON: it stops making sense at line {exc.line}, column "
            f"{exc.column} (was it cut short or edited?)"
        ) from None
    except forms.BadBody as exc:
        raise BadImport(f"the file is not usable JSON: {exc}") from None
    return read_import(data)


def read_import(data: object) -> dict[str, list[dict]]:
    """Validate a whole progress file before anything is written; raise BadImport saying
    what is wrong and where."""
    if not isinstance(data, dict) or data.get("format") != "interview-lab-progress":
        raise BadImport("this is not an Interview Lab progress file")
    if data.get("version") != EXPORT_VERSION:
        raise BadImport(f"unsupported progress file version {data.get('version')!r}")
    cleaned: dict[str, list[dict]] = {}
    for key, form_class in IMPORT_FORMS.items():
        items = data.get(key, [])
        if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
            raise BadImport(f"{key} must be a list of objects")
        if len(items) > MAX_IMPORT[key]:
            raise BadImport(
                f"{key} holds {len(items)} entries; a progress file has at most {MAX_IMPORT[key]}"
            )
        cleaned[key] = []
        for number, item in enumerate(items, start=1):
            form = form_class(item)
            if not form.is_valid():
                where = f"{key} entry {number}"
                if form.unknown_lesson():
                    raise BadImport(f"{where}: unknown lesson {item.get('lesson')!r}")
                raise BadImport(f"{where}: {form.problem()}")
            cleaned[key].append(form.cleaned_data)
    lessons = [item["lesson"] for item in cleaned["progress"]]
    twice = sorted({slug for slug in lessons if lessons.count(slug) > 1})
    if twice:
        raise BadImport(f"progress lists the lesson {twice[0]!r} more than once")
    exercises = [item["exercise"] for item in cleaned["exercises"]]
    twice = sorted({slug for slug in exercises if exercises.count(slug) > 1})
    if twice:
        raise BadImport(f"exercises lists the exercise {twice[0]!r} more than once")
    quizzes = [(item["lesson"], item["quiz"]) for item in cleaned["predictions"]]
    twice = sorted({quiz for quiz in quizzes if quizzes.count(quiz) > 1})
    if twice:
        raise BadImport(f"predictions lists quiz {twice[0][1]} of {twice[0][0]!r} more than once")
    return cleaned


def import_into(learner: Learner, cleaned: dict[str, list[dict]]) -> dict[str, int]:
    """Merge a progress file that `read_import` validated into `learner`, all or nothing.
    Rows are written in bulk, in one short transaction."""
    with transaction.atomic():
        staging = Learner.objects.create()
        Progress.objects.bulk_create(
            Progress(learner=staging, **item) for item in cleaned["progress"]
        )
        Review.objects.bulk_create(
            Review(learner=staging, **item) for item in _unique_reviews(cleaned["reviews"])
        )
        DemoRun.objects.bulk_create(
            DemoRun(learner=staging, **item) for item in cleaned["demo_runs"]
        )
        ExerciseResult.objects.bulk_create(
            ExerciseResult(learner=staging, **item) for item in cleaned["exercises"]
        )
        Prediction.objects.bulk_create(
            Prediction(learner=staging, **item) for item in cleaned["predictions"]
        )
        merge(staging, learner)
    return {key: len(items) for key, items in cleaned.items()}


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _unique_reviews(items: list[dict]) -> list[dict]:
    seen: dict[uuid.UUID, dict] = {}
    for item in items:
        seen.setdefault(item["review_id"], item)
    return list(seen.values())
