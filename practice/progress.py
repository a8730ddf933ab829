"""Recording what a learner does, and reading it back as progress."""

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils.dateparse import parse_datetime

from . import clock, scheduling
from .models import DemoRun, Learner, Progress, Review

MAX_ANSWER = 5000


class BadImport(ValueError):
    """An uploaded progress file is not one this site wrote."""


def record_read(learner: Learner, lesson: str) -> None:
    progress, _ = Progress.objects.get_or_create(learner=learner, lesson=lesson)
    if progress.read_at is None:
        Progress.objects.filter(pk=progress.pk, read_at__isnull=True).update(read_at=clock.now())


@dataclass(frozen=True)
class Recorded:
    review: Review
    created: bool  # False when the same review_id was already recorded


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
    """Apply one rating to the lesson's schedule, exactly once per review_id.

    Several tabs may rate at the same moment: the progress row is locked (PostgreSQL) or the
    transaction holds SQLite's write lock from its start (IMMEDIATE), so no update is lost.
    """
    existing = Review.objects.filter(learner=learner, review_id=review_id).first()
    if existing:
        return Recorded(existing, False)
    Progress.objects.get_or_create(learner=learner, lesson=lesson)
    try:
        with transaction.atomic():
            progress = Progress.objects.select_for_update().get(learner=learner, lesson=lesson)
            now = clock.now()
            card = scheduling.review(progress.card, rating, now)
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
                duration_ms=duration_ms,
                answer=answer[:MAX_ANSWER],
                checked_points=checked_points or [],
                mock=mock,
                due_after=card.due,
            )
    except IntegrityError:  # a concurrent request with the same review_id won the race
        return Recorded(Review.objects.get(learner=learner, review_id=review_id), False)
    return Recorded(review, True)


def record_demo_run(
    learner: Learner, *, lesson: str, demo: str, variant: str, params: dict, total_ms: float
) -> DemoRun:
    return DemoRun.objects.create(
        learner=learner,
        lesson=lesson,
        demo=demo,
        variant=variant,
        params=params,
        total_ms=total_ms,
        created=clock.now(),
    )


def lesson_states(learner: Learner | None) -> dict[str, dict]:
    """Per lesson slug: read, practised, due, mastered, next due."""
    if learner is None:
        return {}
    now = clock.now()
    return {
        p.lesson: {
            "read": p.read_at is not None,
            "practised": p.reviews > 0,
            "due": p.due is not None and p.due <= now,
            "mastered": scheduling.is_mastered(p.card),
            "due_at": p.due,
            "reviews": p.reviews,
        }
        for p in Progress.objects.filter(learner=learner)
    }


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
    }


def latest_demo_runs(learner: Learner | None, lesson: str) -> list[DemoRun]:
    """The newest run of each demo variant the learner ran from this lesson."""
    if learner is None:
        return []
    newest: dict[tuple[str, str], DemoRun] = {}
    for run in DemoRun.objects.filter(learner=learner, lesson=lesson):
        newest[run.demo, run.variant] = run
    return list(newest.values())


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
    return data


def import_into(learner: Learner, data: object, known_lessons: set[str]) -> dict:
    """Merge an exported file into `learner`; raise BadImport saying what is wrong."""
    if not isinstance(data, dict) or data.get("format") != "interview-lab-progress":
        raise BadImport("this is not an Interview Lab progress file")
    if data.get("version") != EXPORT_VERSION:
        raise BadImport(f"unsupported progress file version {data.get('version')!r}")
    staging = Learner.objects.create()
    try:
        with transaction.atomic():
            for item in _list(data, "progress"):
                lesson = _lesson(item, known_lessons)
                card = item.get("card") or {}
                if not isinstance(card, dict):
                    raise BadImport(f"progress for {lesson}: card must be an object")
                if card:
                    try:
                        scheduling.card_from(card)
                    except (KeyError, TypeError, ValueError):
                        raise BadImport(f"progress for {lesson}: not a valid card") from None
                Progress.objects.create(
                    learner=staging,
                    lesson=lesson,
                    card=card,
                    read_at=_when(item.get("read_at")),
                    due=_when(item.get("due")),
                    reviews=_int(item.get("reviews", 0), 0, 100_000, "reviews"),
                    last_rating=_rating(item.get("last_rating"), optional=True),
                    last_reviewed=_when(item.get("last_reviewed")),
                )
            for item in _list(data, "reviews"):
                try:
                    review_id = uuid.UUID(str(item.get("review_id")))
                except ValueError:
                    raise BadImport("a review has no valid review_id") from None
                Review.objects.create(
                    learner=staging,
                    review_id=review_id,
                    lesson=_lesson(item, known_lessons),
                    rating=_rating(item.get("rating")),
                    reviewed_at=_when(item.get("reviewed_at"), required=True),
                    duration_ms=_int(item.get("duration_ms", 0), 0, 86_400_000, "duration_ms"),
                    answer=str(item.get("answer", ""))[:MAX_ANSWER],
                    checked_points=[
                        p for p in item.get("checked_points", []) if isinstance(p, int)
                    ],
                    mock=str(item.get("mock", ""))[:40],
                    due_after=_when(item.get("due_after"), required=True),
                )
            for item in _list(data, "demo_runs"):
                DemoRun.objects.create(
                    learner=staging,
                    lesson=_lesson(item, known_lessons),
                    demo=str(item.get("demo", ""))[:40],
                    variant=str(item.get("variant", ""))[:40],
                    params=item.get("params") if isinstance(item.get("params"), dict) else {},
                    total_ms=float(_int(item.get("total_ms", 0), 0, 10_000_000, "total_ms")),
                    created=_when(item.get("created"), required=True),
                )
    except BadImport:
        staging.delete()
        raise
    from .learners import merge

    counts = {
        "progress": len(data["progress"]),
        "reviews": len(data["reviews"]),
        "demo_runs": len(data["demo_runs"]),
    }
    merge(staging, learner)
    return counts


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _list(data: dict, key: str) -> list[dict]:
    items = data.get(key, [])
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise BadImport(f"{key} must be a list of objects")
    data[key] = items
    return items


def _lesson(item: dict, known: set[str]) -> str:
    lesson = item.get("lesson")
    if lesson not in known:
        raise BadImport(f"unknown lesson {lesson!r}")
    return lesson


def _when(value: object, required: bool = False) -> datetime | None:
    if value in (None, "") and not required:
        return None
    moment = parse_datetime(value) if isinstance(value, str) else None
    if moment is None or moment.tzinfo is None:
        raise BadImport(f"not a date and time with a timezone: {value!r}")
    return moment


def _int(value: object, low: int, high: int, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise BadImport(f"{name} must be a number from {low} to {high}")
    return int(value)


def _rating(value: object, optional: bool = False) -> int | None:
    if optional and value is None:
        return None
    if value not in scheduling.RATINGS or isinstance(value, bool):
        raise BadImport(f"rating must be 1, 2, 3 or 4, not {value!r}")
    return value


def today() -> date:
    return clock.now().date()
