"""Mock interviews: a set of questions drawn once per interview.

The interview's id is in its URL and seeds the draw, so a reload (or a second tab) shows the
same questions in the same order, with nothing to store on the server.
"""

import random
import re
import uuid
from dataclasses import dataclass

from lessons.catalog import get_catalog
from lessons.parsing import Lesson
from lessons.tracks import TRACKS, Track

MAX_QUESTIONS = 20
DEFAULT_QUESTIONS = 5
MOCK_ID = re.compile(r"[0-9a-f]{32}")


class UnknownMock(LookupError):
    """A mock interview URL this site could not have made; the message says why."""


@dataclass(frozen=True)
class Settings:
    track: str  # a track's slug, or "all"
    count: int
    reveal_at_end: bool  # model answers only after the last question, as in an interview

    def query(self) -> str:
        reveal = "end" if self.reveal_at_end else "each"
        return f"track={self.track}&n={self.count}&reveal={reveal}"


@dataclass(frozen=True)
class Mock:
    id: str
    track: Track | None
    questions: list[Lesson]
    reveal_at_end: bool


def read_settings(query) -> Settings:
    """The interview's settings from a query string (a QueryDict); a bad count becomes the
    default, an unknown track is refused."""
    track = query.get("track", "all")
    if track != "all" and track not in TRACKS:
        raise UnknownMock(f"no track {track!r}")
    try:
        count = int(query.get("n", DEFAULT_QUESTIONS))
    except ValueError:
        count = DEFAULT_QUESTIONS
    count = max(1, min(count, MAX_QUESTIONS))
    return Settings(track=track, count=count, reveal_at_end=query.get("reveal") == "end")


def new_id() -> str:
    return uuid.uuid4().hex


def draw(mock_id: str, settings: Settings) -> Mock:
    if not MOCK_ID.fullmatch(mock_id):
        raise UnknownMock("not a mock interview id")
    lessons = get_catalog().lessons.values()
    pool = sorted(
        (lesson for lesson in lessons if settings.track in ("all", lesson.track)),
        key=lambda lesson: lesson.slug,
    )
    count = min(settings.count, len(pool))
    return Mock(
        id=mock_id,
        track=TRACKS.get(settings.track),
        questions=random.Random(mock_id).sample(pool, count),
        reveal_at_end=settings.reveal_at_end,
    )
