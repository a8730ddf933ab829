"""The exercise catalog: every file under EXERCISES_DIR, parsed and cached like the lessons.

In development `get_catalog()` stats the files on each call and re-reads only what changed, so
an instructor sees an edited exercise on the next request; in production (LESSONS_RELOAD off)
they are read once, at start-up. A broken file is reported (path and line) and left
out; the other exercises keep being served. Each exercise must belong to a lesson that exists,
so the catalog is rebuilt when the lessons change too.
"""

import hashlib
import logging
import threading
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from django.conf import settings

from lessons.catalog import _signature, load_content_file
from lessons.catalog import get_catalog as get_lessons
from lessons.parsing import Problem

from .parsing import Exercise, parse_exercise

logger = logging.getLogger(__name__)


@dataclass
class Catalog:
    exercises: dict[str, Exercise] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    signature: tuple = ()

    @cached_property
    def version(self) -> str:
        """Changes whenever an exercise or lesson file does: what cached renders are keyed by."""
        return hashlib.blake2b(repr(self.signature).encode(), digest_size=12).hexdigest()

    def ordered(self) -> list[Exercise]:
        return list(self._ordered)

    @cached_property
    def _ordered(self) -> tuple[Exercise, ...]:
        # Sorted once per catalog: pages ask on every request.
        from lessons.tracks import TRACKS

        return tuple(
            sorted(
                self.exercises.values(),
                key=lambda e: (TRACKS[e.track].order, e.order, e.slug),
            )
        )

    @cached_property
    def by_lesson(self) -> dict[str, tuple[Exercise, ...]]:
        """Lesson slug -> its exercises, in order; no key for a lesson without any."""
        lessons: dict[str, list[Exercise]] = {}
        for exercise in self._ordered:
            lessons.setdefault(exercise.lesson, []).append(exercise)
        return {slug: tuple(exercises) for slug, exercises in lessons.items()}

    def for_lesson(self, lesson: str) -> list[Exercise]:
        return list(self.by_lesson.get(lesson, ()))


class _Loader:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._catalog = Catalog()
        self._files: dict[Path, tuple[tuple[int, int], Exercise | list[Problem]]] = {}

    def current(self, root: Path) -> Catalog | None:
        """The catalog last read, if it was read from `root` for the current lessons."""
        signature = self._catalog.signature
        if signature and signature[0] == str(root) and signature[2] == get_lessons().signature:
            return self._catalog
        return None

    def get(self, root: Path) -> Catalog:
        lessons = get_lessons()
        signature = (str(root), _signature(root) if root.is_dir() else (), lessons.signature)
        if signature == self._catalog.signature:
            return self._catalog
        with self._lock:
            if signature != self._catalog.signature:
                self._catalog = self._build(root, signature, set(lessons.lessons), lessons)
            return self._catalog

    def _build(self, root: Path, signature: tuple, lesson_slugs: set[str], lessons) -> Catalog:
        files = {}
        for name, mtime_ns, size in signature[1]:
            path = Path(name)
            cached = self._files.get(path)
            if cached and cached[0] == (mtime_ns, size):
                files[path] = cached
            else:
                files[path] = ((mtime_ns, size), _load_file(path, root))
        self._files = files
        catalog = Catalog(signature=signature)
        for _path, (_, result) in sorted(files.items()):
            if isinstance(result, list):
                catalog.problems.extend(result)
                continue
            display = result.display_path
            lesson = lessons.lessons.get(result.lesson)
            if lesson is None:
                catalog.problems.append(
                    Problem(display, result.lines.get("lesson", 1),
                            f"lesson '{result.lesson}' does not exist")
                )  # fmt: skip
                continue
            if lesson.track != result.track:
                catalog.problems.append(
                    Problem(display, result.lines.get("track", 1),
                            f"lesson '{lesson.slug}' is in track '{lesson.track}', "
                            f"not '{result.track}'")
                )  # fmt: skip
                continue
            if result.slug in catalog.exercises:
                other = catalog.exercises[result.slug].display_path
                catalog.problems.append(
                    Problem(display, 1, f"slug '{result.slug}' is also used by {other}")
                )
                continue
            catalog.exercises[result.slug] = result
        for problem in catalog.problems:
            logger.warning("exercise problem: %s", problem)
        return catalog


def _load_file(path: Path, root: Path) -> Exercise | list[Problem]:
    return load_content_file(path, root, parse_exercise, kind="exercise", verb="load")


_loader = _Loader()


def get_catalog() -> Catalog:
    """The catalog. With LESSONS_RELOAD (on in development) every call looks for changed
    files; without it (production) they are read once and the catalog is kept."""
    root = Path(settings.EXERCISES_DIR)
    kept = None if settings.LESSONS_RELOAD else _loader.current(root)
    return kept or _loader.get(root)
