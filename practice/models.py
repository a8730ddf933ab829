import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from .scheduling import RATINGS


class Learner(models.Model):
    """Whoever is practising: an anonymous session at first, tied to an account if they sign up."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="learner",
    )
    created = models.DateTimeField(default=timezone.now)
    # The last day this learner wrote anything; stale anonymous learners are cleaned up
    # (manage.py clean_learners).
    last_seen = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"learner {self.pk}" + (f" ({self.user})" if self.user_id else "")


class Progress(models.Model):
    """One learner's state on one lesson: read, and its spaced-repetition card."""

    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="progress")
    lesson = models.CharField(max_length=100)
    read_at = models.DateTimeField(null=True, blank=True)
    card = models.JSONField(default=dict, blank=True)  # an FSRS card, as fsrs.Card.to_dict()
    due = models.DateTimeField(null=True, blank=True, db_index=True)
    reviews = models.PositiveIntegerField(default=0)
    last_rating = models.PositiveSmallIntegerField(null=True, blank=True)
    last_reviewed = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["learner", "lesson"], name="one_progress_per_lesson")
        ]

    def __str__(self) -> str:
        return f"{self.learner_id} / {self.lesson}"


class Review(models.Model):
    """One self-rated rehearsal of a question."""

    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="reviews")
    review_id = models.UUIDField()  # chosen by the browser, so a retried request counts once
    lesson = models.CharField(max_length=100)
    rating = models.PositiveSmallIntegerField(choices=RATINGS)  # Again, Hard, Good, Easy
    reviewed_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(default=0)
    answer = models.TextField(blank=True)
    checked_points = models.JSONField(default=list, blank=True)
    mock = models.CharField(max_length=40, blank=True)  # the mock interview it belonged to
    due_after = models.DateTimeField()
    # The lesson's FSRS card before this review, so a changed rating can be applied afresh;
    # None for reviews imported or recorded before ratings could be changed.
    card_before = models.JSONField(null=True, blank=True, default=None)

    class Meta:
        ordering = ["reviewed_at"]
        constraints = [
            models.UniqueConstraint(fields=["learner", "review_id"], name="one_review_per_id")
        ]

    def __str__(self) -> str:
        return f"{self.lesson}: {self.get_rating_display()}"


class DemoRun(models.Model):
    """A demo the learner ran from a lesson, kept so the model answer can quote their figures."""

    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="demo_runs")
    lesson = models.CharField(max_length=100)
    demo = models.CharField(max_length=40)
    variant = models.CharField(max_length=40)
    params = models.JSONField(default=dict)
    total_ms = models.FloatField()
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created"]
        indexes = [models.Index(fields=["learner", "lesson"], name="demo_run_learner_lesson")]

    def __str__(self) -> str:
        return f"{self.demo}/{self.variant}: {self.total_ms:.0f} ms"


class ExerciseResult(models.Model):
    """A learner's runs of one exercise: counts and moments, one row per exercise, so the
    storage a learner can fill is bounded by the number of exercises."""

    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="exercise_results")
    exercise = models.CharField(max_length=100)
    lesson = models.CharField(max_length=100)  # the lesson the exercise belongs to
    attempts = models.PositiveIntegerField(default=0)
    passes = models.PositiveIntegerField(default=0)
    last_status = models.CharField(max_length=10, blank=True)  # pass, fail, error, timeout
    first_attempt_at = models.DateTimeField()
    last_attempt_at = models.DateTimeField()
    passed_at = models.DateTimeField(null=True, blank=True)  # the first pass

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "exercise"], name="one_exercise_result_per_exercise"
            )
        ]

    def __str__(self) -> str:
        return f"{self.exercise}: {self.passes} of {self.attempts} passed"


class Prediction(models.Model):
    """A learner's answer to a lesson's "predict before you run" quiz: the first answer is
    the prediction (later ones come after the explanation), one row per quiz."""

    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="predictions")
    lesson = models.CharField(max_length=100)
    quiz = models.PositiveSmallIntegerField()  # the quiz's number in its lesson, from 1
    choice = models.PositiveSmallIntegerField()  # the option picked, from 0
    right = models.BooleanField()
    predicted_at = models.DateTimeField()

    class Meta:
        ordering = ["predicted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "lesson", "quiz"], name="one_prediction_per_quiz"
            )
        ]

    def __str__(self) -> str:
        return f"{self.lesson} quiz {self.quiz}: {'right' if self.right else 'wrong'}"
