import uuid
from datetime import timedelta

import pytest

from practice import scheduling
from practice.learners import merge
from practice.models import DemoRun, Learner, Progress, Review
from practice.progress import (
    BadImport,
    ReviewClosed,
    export,
    import_into,
    lesson_states,
    read_import,
    record_demo_run,
    record_read,
    record_review,
    streak,
    summary,
)

pytestmark = pytest.mark.django_db
LESSONS = {"async-views", "async-orm"}


def rate(learner, rating, lesson="async-views", review_id=None):
    return record_review(learner, lesson=lesson, rating=rating, review_id=review_id or uuid.uuid4())


def test_a_review_schedules_the_question_and_counts_once():
    learner = Learner.objects.create()
    review_id = uuid.uuid4()
    first = rate(learner, 3, review_id=review_id)
    again = rate(learner, 3, review_id=review_id)
    assert first.created and not again.created
    progress = Progress.objects.get(learner=learner, lesson="async-views")
    assert progress.reviews == 1
    assert progress.due == first.review.due_after
    assert Review.objects.count() == 1


def test_ratings_space_the_question_out():
    learner = Learner.objects.create()
    again = rate(learner, 1).review
    easy = rate(learner, 4, lesson="async-orm").review
    assert easy.due_after - easy.reviewed_at > again.due_after - again.reviewed_at


def test_preview_matches_what_a_rating_then_does(settings, tmp_path):
    learner = Learner.objects.create()
    clock_file = tmp_path / "clock"
    clock_file.write_text("0")
    settings.PRACTICE_CLOCK_FILE = str(clock_file)
    progress = Progress.objects.create(learner=learner, lesson="async-views")
    from practice import clock

    promised = scheduling.preview(progress.card, clock.now())[3]
    review = rate(learner, 3).review
    assert abs((review.due_after - review.reviewed_at) - promised) < timedelta(seconds=1)


def test_states_streak_and_summary(settings, tmp_path):
    clock_file = tmp_path / "clock"
    settings.PRACTICE_CLOCK_FILE = str(clock_file)
    learner = Learner.objects.create()
    clock_file.write_text(str(-86400))  # yesterday
    rate(learner, 3)
    clock_file.write_text("0")
    rate(learner, 3, lesson="async-orm")
    record_read(learner, "async-views")
    states = lesson_states(learner)
    assert states["async-views"]["read"] and states["async-views"]["practised"]
    assert not states["async-views"]["mastered"]
    assert streak(learner) == 2
    clock_file.write_text(str(3 * 86400))  # three days later: due, streak broken
    assert lesson_states(learner)["async-views"]["due"]
    assert streak(learner) == 0
    assert summary(learner)["reviews"] == 2


def test_merge_keeps_everything():
    anonymous, account = Learner.objects.create(), Learner.objects.create()
    rate(anonymous, 3)
    rate(account, 1, lesson="async-orm")
    record_demo_run(
        anonymous,
        lesson="async-views",
        demo="fanout",
        variant="async",
        params={"calls": 3},
        total_ms=305.0,
    )
    merge(anonymous, account)
    assert not Learner.objects.filter(pk=anonymous.pk).exists()
    assert set(Progress.objects.filter(learner=account).values_list("lesson", flat=True)) == LESSONS
    assert Review.objects.filter(learner=account).count() == 2
    assert DemoRun.objects.filter(learner=account).count() == 1


def test_export_then_import_restores_progress():
    source = Learner.objects.create()
    rate(source, 4)
    record_read(source, "async-orm")
    data = export(source)
    target = Learner.objects.create()
    counts = import_into(target, read_import(data))
    assert counts == {"progress": 2, "reviews": 1, "demo_runs": 0, "exercises": 0, "predictions": 0}
    assert export(target)["progress"] == data["progress"]
    # Importing the same file again adds no review twice.
    import_into(target, read_import(export(source)))
    assert Review.objects.filter(learner=target).count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "not an Interview Lab progress file"),
        ({"format": "interview-lab-progress", "version": 99}, "unsupported"),
        ({"format": "interview-lab-progress", "version": 1, "progress": "x"}, "must be a list"),
        (
            {"format": "interview-lab-progress", "version": 1, "progress": [{"lesson": "nope"}]},
            "unknown lesson",
        ),
        (
            {
                "format": "interview-lab-progress",
                "version": 1,
                "reviews": [{"review_id": "x", "lesson": "async-views"}],
            },
            "review_id",
        ),
        (
            {
                "format": "interview-lab-progress",
                "version": 1,
                "reviews": [{"review_id": str(uuid.uuid4()), "lesson": "async-views", "rating": 7}],
            },
            "rating must be",
        ),
    ],
)
def test_bad_imports_change_nothing(data, message):
    learner = Learner.objects.create()
    with pytest.raises(BadImport, match=message):
        import_into(learner, read_import(data))
    assert Learner.objects.count() == 1
    assert Progress.objects.count() == Review.objects.count() == 0


def test_a_changed_rating_replaces_the_earlier_one_and_its_schedule():
    learner = Learner.objects.create()
    review_id = uuid.uuid4()
    first = rate(learner, 1, review_id=review_id).review  # a mis-click: Again
    changed = rate(learner, 4, review_id=review_id)
    assert not changed.created and changed.changed
    stored = Review.objects.get()
    assert stored.rating == 4
    progress = Progress.objects.get(learner=learner, lesson="async-views")
    assert progress.reviews == 1 and progress.last_rating == 4
    # The schedule is Easy's from the card before the review, not Again's then Easy's.
    easy = scheduling.review({}, 4, first.reviewed_at)
    assert progress.due == stored.due_after == easy.due
    assert stored.due_after - first.due_after > timedelta(days=1)


def test_only_the_latest_rating_of_a_question_can_change():
    learner = Learner.objects.create()
    earlier = uuid.uuid4()
    rate(learner, 3, review_id=earlier)
    rate(learner, 3)
    with pytest.raises(ReviewClosed, match="rated again since"):
        rate(learner, 1, review_id=earlier)
    assert [r.rating for r in Review.objects.all()] == [3, 3]
