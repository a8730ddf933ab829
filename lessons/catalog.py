"""The lesson catalog: every Markdown file under LESSONS_DIR, parsed, rendered and cached.

In development each request asks `get_catalog()`, which stats the lesson files and rebuilds
only what changed, so an instructor sees an edited or new file on the next reload, with no
restart. In production (LESSONS_RELOAD off) the files are read once, at start-up. A broken file
is reported (path and line) and left out; the other lessons keep being served.
"""

import hashlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TypeVar

from django.conf import settings

from .parsing import ContentFileError, Lesson, Problem, parse_lesson
from .tracks import START_HERE, TRACKS, Track

logger = logging.getLogger(__name__)

Signature = tuple[tuple[str, int, int], ...]


@dataclass
class Catalog:
    lessons: dict[str, Lesson] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    signature: Signature = ()

    @cached_property
    def version(self) -> str:
        """Changes whenever a lesson file does: what cached pages are keyed by."""
        return hashlib.blake2b(repr(self.signature).encode(), digest_size=12).hexdigest()

    def track_lessons(self, track: str) -> list[Lesson]:
        return sorted(
            (lesson for lesson in self.lessons.values() if lesson.track == track),
            key=lambda lesson: (lesson.order, lesson.slug),
        )

    def tracks(self) -> list[tuple[Track, list[Lesson]]]:
        """Tracks that have lessons, in order, each with its lessons."""
        result = []
        for track in sorted(TRACKS.values(), key=lambda t: t.order):
            lessons = self.track_lessons(track.slug)
            if lessons:
                result.append((track, lessons))
        return result

    def neighbours(self, lesson: Lesson) -> tuple[Lesson | None, Lesson | None]:
        siblings = self.track_lessons(lesson.track)
        index = siblings.index(lesson)
        previous = siblings[index - 1] if index > 0 else None
        following = siblings[index + 1] if index + 1 < len(siblings) else None
        return previous, following

    def position(self, lesson: Lesson) -> tuple[int, int]:
        """Where `lesson` sits in its track: (n, N) for "lesson n of N"."""
        siblings = self.track_lessons(lesson.track)
        return siblings.index(lesson) + 1, len(siblings)

    def next_track(self, track: str) -> tuple[Track, Lesson] | None:
        """The track after `track` that has lessons, and its first lesson."""
        later = [(t, lessons) for t, lessons in self.tracks() if t.order > TRACKS[track].order]
        return (later[0][0], later[0][1][0]) if later else None

    def start_here(self) -> list[tuple[Lesson, str]]:
        """The start-here path's lessons, each with why it comes where it does."""
        return [(self.lessons[s.slug], s.why) for s in START_HERE if s.slug in self.lessons]

    def related(self, lesson: Lesson) -> list[Lesson]:
        return [self.lessons[slug] for slug in lesson.related if slug in self.lessons]


class _Loader:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._catalog = Catalog()
        self._root: Path | None = None
        # path -> ((mtime_ns, size), Lesson or the file's problems)
        self._files: dict[Path, tuple[tuple[int, int], Lesson | list[Problem]]] = {}

    def loaded(self, root: Path) -> bool:
        return self._root == root

    def current(self) -> Catalog:
        return self._catalog

    def get(self, root: Path) -> Catalog:
        signature = _signature(root)
        catalog = self._catalog
        if signature == catalog.signature and root == self._root:
            return catalog
        with self._lock:
            if signature != self._catalog.signature or root != self._root:
                self._catalog = self._build(root, signature)
                self._root = root
            return self._catalog

    def _build(self, root: Path, signature: Signature) -> Catalog:
        if root != self._root:
            self._files.clear()
        files: dict[Path, tuple[tuple[int, int], Lesson | list[Problem]]] = {}
        for name, mtime_ns, size in signature:
            path = Path(name)
            cached = self._files.get(path)
            if cached and cached[0] == (mtime_ns, size):
                files[path] = cached
            else:
                files[path] = ((mtime_ns, size), _load_file(path, root))
        self._files = files

        catalog = Catalog(signature=signature)
        for path, (_, result) in files.items():
            if isinstance(result, list):
                catalog.problems.extend(result)
                continue
            if result.slug in catalog.lessons:
                other = catalog.lessons[result.slug].path
                catalog.problems.append(
                    Problem(
                        _display(path, root), 1, f"slug '{result.slug}' is also used by {other}"
                    )
                )
                continue
            catalog.lessons[result.slug] = result
        for lesson in catalog.lessons.values():
            for slug in lesson.related:
                if slug not in catalog.lessons:
                    catalog.problems.append(
                        Problem(
                            _display(lesson.path, root),
                            lesson.related_line,
                            f"related lesson '{slug}' does not exist",
                        )
                    )
        for problem in catalog.problems:
            logger.warning("lesson problem: %s", problem)
        return catalog


def _signature(root: Path) -> Signature:
    entries = []
    for path in sorted(root.rglob("*.md")):
        try:
            stat = path.stat()
        except FileNotFoundError:  # removed while we looked
            continue
        entries.append((str(path), stat.st_mtime_ns, stat.st_size))
    return tuple(entries)


def _display(path: Path, root: Path) -> Path:
    """The path an instructor recognises: relative to the project when inside it."""
    for base in (Path(settings.BASE_DIR), root.parent):
        try:
            return path.relative_to(base)
        except ValueError:
            continue
    return path


T = TypeVar("T")


def load_content_file(
    path: Path, root: Path, parse: Callable[..., T], *, kind: str, verb: str
) -> T | list[Problem]:
    """One lesson or exercise file, parsed, or the problems that keep it out of the catalog
    (`kind` names it, `verb` is what parsing does to it: "render", "load")."""
    display = _display(path, root)
    if path.parent.parent != root:
        return [Problem(display, 1, f"{kind}s live one folder deep: content/<track>/NN-slug.md")]
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [Problem(display, 1, f"cannot read {kind} file: {exc}")]
    try:
        return parse(path, text, display_path=display)
    except ContentFileError as exc:
        return exc.problems
    except Exception as exc:  # a broken file must never take the site down
        logger.exception("could not %s %s", verb, display)
        return [Problem(display, 1, f"could not {verb} this {kind}: {exc!r}")]


def _load_file(path: Path, root: Path) -> Lesson | list[Problem]:
    return load_content_file(path, root, parse_lesson, kind="lesson", verb="render")


_loader = _Loader()


def get_catalog() -> Catalog:
    """The catalog. With LESSONS_RELOAD (on in development) every call looks for changed
    files; without it (production) the files are read once and the catalog is kept."""
    root = Path(settings.LESSONS_DIR)
    if not settings.LESSONS_RELOAD and _loader.loaded(root):
        return _loader.current()
    return _loader.get(root)
