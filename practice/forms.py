"""One form per JSON body the practice API and the progress import accept.

A JSON body is parsed once (`read_json`) and each object in it is validated by a Django form
whose fields are strict about types: a list where text belongs, a string where a number
belongs, a date in year 1 or NaN in a card is a clear error naming the field, never a 500.
"""

import json
import math
import uuid
from datetime import UTC, datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_datetime
from fsrs import Card, State
from fsrs.scheduler import MAX_DIFFICULTY, MIN_DIFFICULTY, STABILITY_MIN

from lessons.catalog import get_catalog
from playground.registry import ParamError, get_demo

from . import scheduling

MAX_ANSWER = 5000
MAX_POINTS = 8  # a lesson lists at most 8 key points
MAX_REVIEW_MS = 86_400_000
EARLIEST = datetime(2020, 1, 1, tzinfo=UTC)
LATEST_YEAR = 2100


class BadBody(ValueError):
    """A request body that is not the JSON this endpoint takes; the message says why."""


class NotJSON(BadBody):
    """Text that does not parse as JSON; `line` and `column` say where it stops parsing."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.line, self.column = line, column


def read_json(raw: bytes | str) -> Any:
    """Parse JSON, refusing NaN and Infinity (not JSON) and nesting too deep to parse."""

    def no_constants(name: str) -> None:
        raise BadBody(f"{name} is not a JSON number")

    try:
        return json.loads(raw or b"{}", parse_constant=no_constants)
    except RecursionError:
        raise BadBody("the JSON is nested too deeply") from None
    except json.JSONDecodeError as exc:
        raise NotJSON("the request body must be JSON", exc.lineno, exc.colno) from None
    except (ValueError, UnicodeDecodeError) as exc:
        if isinstance(exc, BadBody):
            raise
        raise BadBody("the request body must be JSON") from None


def read_object(raw: bytes | str) -> dict:
    data = read_json(raw)
    if not isinstance(data, dict):
        raise BadBody("the request body must be a JSON object")
    return data


# --- Strict fields: JSON values arrive typed, and the type is part of what is checked.


MESSAGES = {
    "required": "is required",
    "max_length": "must be at most %(limit_value)d characters",
    "min_value": "must be at least %(limit_value)s",
    "max_value": "must be at most %(limit_value)s",
}


class TextField(forms.CharField):
    default_error_messages = MESSAGES

    def to_python(self, value):
        if value not in self.empty_values and not isinstance(value, str):
            raise ValidationError("must be text", code="type")
        return super().to_python(value)


class WholeNumberField(forms.IntegerField):
    default_error_messages = MESSAGES

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError("must be a whole number", code="type")
        return value


class NumberField(forms.FloatField):
    default_error_messages = MESSAGES

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValidationError("must be a number", code="type")
        if not math.isfinite(value):
            raise ValidationError("must be a finite number", code="type")
        return float(value)


class MomentField(forms.Field):
    """An ISO 8601 date and time with its timezone, in a sane range."""

    default_error_messages = MESSAGES

    def to_python(self, value):
        if value in self.empty_values:
            return None
        moment = parse_datetime(value) if isinstance(value, str) else None
        if moment is None or moment.tzinfo is None:
            raise ValidationError(f"must be a date and time with a timezone, not {value!r}")
        if moment < EARLIEST or moment.year > LATEST_YEAR:
            raise ValidationError(f"must lie between 2020 and {LATEST_YEAR}, not {value!r}")
        return moment


class TruthField(forms.Field):
    """true or false, as JSON has them (not "yes", not 1)."""

    def to_python(self, value):
        if not isinstance(value, bool):
            raise ValidationError("must be true or false", code="type")
        return value

    def validate(self, value):
        pass  # False is a value here, not a missing one


class ObjectField(forms.Field):
    default_error_messages = MESSAGES

    def to_python(self, value):
        if value in (None, ""):
            return {}
        if not isinstance(value, dict):
            raise ValidationError("must be an object", code="type")
        return value


class PointsField(forms.Field):
    """The key points a learner ticked: a short list of indexes."""

    def to_python(self, value):
        if value is None:
            return []
        if not isinstance(value, list) or len(value) > MAX_POINTS:
            raise ValidationError(f"must be a list of at most {MAX_POINTS} numbers")
        if any(isinstance(p, bool) or not isinstance(p, int) for p in value):
            raise ValidationError(f"must be a list of at most {MAX_POINTS} numbers")
        if any(not 0 <= p < MAX_POINTS for p in value):
            raise ValidationError(f"must hold numbers from 0 to {MAX_POINTS - 1}")
        return sorted(set(value))


class RatingField(WholeNumberField):
    def to_python(self, value):
        try:
            rating = super().to_python(value)
        except ValidationError:
            rating = 0
        if rating is not None and rating not in scheduling.RATINGS:
            raise ValidationError("must be 1 (Again), 2 (Hard), 3 (Good) or 4 (Easy)")
        return rating

    def validate(self, value):
        if value is None and self.required:
            raise ValidationError("must be 1 (Again), 2 (Hard), 3 (Good) or 4 (Easy)")


class IdField(forms.UUIDField):
    def to_python(self, value):
        if value in self.empty_values:
            return None
        if not isinstance(value, str):
            raise ValidationError("must be a UUID chosen by the page")
        try:
            return uuid.UUID(value)
        except ValueError:
            raise ValidationError("must be a UUID chosen by the page") from None


# --- Forms


class JSONForm(forms.Form):
    """A form over one JSON object; `problem()` says what is wrong with it in one line."""

    def __init__(self, data: dict, **kwargs) -> None:
        super().__init__(data=data, **kwargs)

    def problem(self) -> str:
        """Every field's first error, as one line: 'rating must be ...; answer is required'."""
        return "; ".join(
            errors[0] if field == "__all__" else f"{field} {errors[0]}"
            for field, errors in self.errors.items()
        )


class LessonForm(JSONForm):
    lesson = TextField(max_length=100)

    def clean_lesson(self) -> str:
        slug = self.cleaned_data["lesson"]
        if slug not in get_catalog().lessons:
            raise ValidationError(f"{slug!r} is not a lesson here", code="unknown_lesson")
        return slug

    def unknown_lesson(self) -> bool:
        errors = self.errors.as_data().get("lesson", [])
        return any(error.code == "unknown_lesson" for error in errors)


class ReviewForm(LessonForm):
    rating = RatingField()
    review_id = IdField()
    duration_ms = WholeNumberField(required=False, min_value=0, max_value=MAX_REVIEW_MS)
    answer = TextField(required=False, max_length=MAX_ANSWER, strip=False)
    checked_points = PointsField(required=False)
    mock = TextField(required=False, max_length=40)

    def clean_duration_ms(self) -> int:
        return self.cleaned_data["duration_ms"] or 0


class ImportedReviewForm(ReviewForm):
    reviewed_at = MomentField()
    due_after = MomentField()


class CardForm(JSONForm):
    """A lesson's FSRS card in a progress file, as `fsrs.Card.to_dict()` writes it. Every field
    is checked for its type and range, then the card must take each rating: a card that loads
    but cannot be scheduled would break the question for good."""

    card_id = WholeNumberField(min_value=0, max_value=2**53)
    state = WholeNumberField(min_value=State.Learning.value, max_value=State.Relearning.value)
    step = WholeNumberField(required=False, min_value=0)
    stability = NumberField(
        required=False, min_value=STABILITY_MIN, max_value=scheduling.scheduler.maximum_interval
    )
    difficulty = NumberField(required=False, min_value=MIN_DIFFICULTY, max_value=MAX_DIFFICULTY)
    due = MomentField()
    last_review = MomentField(required=False)

    def clean(self) -> dict:
        data = super().clean()
        if self.errors:
            return data
        state, step = State(data["state"]), data["step"]
        steps = {
            State.Learning: scheduling.scheduler.learning_steps,
            State.Relearning: scheduling.scheduler.relearning_steps,
        }
        if state == State.Review and step is not None:
            raise ValidationError("a card in review has no step (step must be null)")
        if state in steps and (step is None or step >= len(steps[state])):
            raise ValidationError(
                f"a card in {state.name.lower()} has a step from 0 to {len(steps[state]) - 1}"
            )
        if (data["stability"] is None) != (data["difficulty"] is None):
            raise ValidationError("stability and difficulty are both set or both null")
        try:
            scheduling.checked(self.card())
        except scheduling.BadCard as exc:
            raise ValidationError(str(exc)) from None
        return data

    def card(self) -> Card:
        data = self.cleaned_data
        return Card(
            card_id=data["card_id"],
            state=State(data["state"]),
            step=data["step"],
            stability=data["stability"],
            difficulty=data["difficulty"],
            due=data["due"].astimezone(UTC),
            last_review=data["last_review"] and data["last_review"].astimezone(UTC),
        )


class ImportedProgressForm(LessonForm):
    read_at = MomentField(required=False)
    card = ObjectField(required=False)
    due = MomentField(required=False)
    reviews = WholeNumberField(required=False, min_value=0, max_value=100_000)
    last_rating = RatingField(required=False)
    last_reviewed = MomentField(required=False)

    def clean_card(self) -> dict:
        card = self.cleaned_data["card"]
        if not card:
            return {}
        form = CardForm(card)
        if not form.is_valid():
            raise ValidationError(f"is not a valid schedule card: {form.problem()}")
        return form.card().to_dict()

    def clean_reviews(self) -> int:
        return self.cleaned_data["reviews"] or 0


class DemoRunForm(LessonForm):
    demo = TextField(max_length=40)
    variant = TextField(max_length=40)
    params = ObjectField(required=False)
    total_ms = NumberField(min_value=0, max_value=600_000)

    def clean(self) -> dict:
        data = super().clean()
        demo = get_demo(data.get("demo", ""))
        if "demo" in data and (demo is None or data.get("variant") not in demo.variants):
            raise ValidationError("demo and variant must name a playground demo")
        if demo is not None and "params" in data:
            try:
                data["params"] = demo.parse(data["params"])
            except ParamError as exc:
                raise ValidationError(f"params: {exc}") from None
        return data


class ImportedDemoRunForm(DemoRunForm):
    created = MomentField()


MAX_QUIZZES = 50  # quizzes in one lesson, options in one quiz: far above any lesson's
MAX_OPTIONS = 20


class QuizAnswerForm(LessonForm):
    """Which quiz of the lesson (its number, from 1) and which option (from 0)."""

    quiz = WholeNumberField(min_value=1, max_value=MAX_QUIZZES)
    choice = WholeNumberField(min_value=0, max_value=MAX_OPTIONS - 1)


class PredictionForm(QuizAnswerForm):
    """A quiz answered on a lesson page. Whether it was right is worked out here, from the
    lesson, not taken from the page."""

    def clean(self) -> dict:
        data = super().clean()
        lesson = get_catalog().lessons.get(data.get("lesson", ""))
        number, choice = data.get("quiz"), data.get("choice")
        if lesson is None or number is None or choice is None:
            return data
        if number > len(lesson.quizzes):
            raise ValidationError(f"the lesson has {len(lesson.quizzes)} quizzes, not {number}")
        quiz = lesson.quizzes[number - 1]
        if choice >= len(quiz.options):
            raise ValidationError(
                f"quiz {number} has {len(quiz.options)} options, not {choice + 1}"
            )
        data["right"] = choice == quiz.answer
        return data


class ImportedPredictionForm(QuizAnswerForm):
    """A prediction in a progress file: kept as it was judged then, though the lesson's
    quizzes may have changed since."""

    right = TruthField()
    predicted_at = MomentField()


class ImportedExerciseForm(LessonForm):
    """An exercise's results in a progress file. Practice does not know the exercises: the slug
    must look like one and its lesson must exist; results for an exercise this site does not
    have are kept and shown nowhere."""

    exercise = forms.SlugField(max_length=100)
    attempts = WholeNumberField(min_value=1, max_value=1_000_000)
    passes = WholeNumberField(min_value=0, max_value=1_000_000)
    last_status = forms.ChoiceField(
        choices=[(status, status) for status in ("pass", "fail", "error", "timeout")]
    )
    first_attempt_at = MomentField()
    last_attempt_at = MomentField()
    passed_at = MomentField(required=False)

    def clean_exercise(self) -> str:
        value = self.data.get("exercise")
        if not isinstance(value, str):
            raise ValidationError("must be text")
        return self.cleaned_data["exercise"]

    def clean_last_status(self) -> str:
        if not isinstance(self.data.get("last_status"), str):
            raise ValidationError("must be text")
        return self.cleaned_data["last_status"]

    def clean(self) -> dict:
        data = super().clean()
        attempts, passes = data.get("attempts"), data.get("passes")
        if attempts is not None and passes is not None and passes > attempts:
            raise ValidationError("passes cannot outnumber attempts")
        if passes is not None and bool(passes) != bool(data.get("passed_at")):
            raise ValidationError("passed_at is set exactly when passes is more than 0")
        first, last = data.get("first_attempt_at"), data.get("last_attempt_at")
        if first and last and first > last:
            raise ValidationError("first_attempt_at comes after last_attempt_at")
        return data
