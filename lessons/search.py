"""Search lessons by title, tags, body text and the identifiers used in their code."""

import re
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .catalog import Catalog
from .parsing import Lesson

SNIPPET_RADIUS = 90
MAX_QUERY_LENGTH = 200


@dataclass(frozen=True)
class Result:
    lesson: Lesson
    score: int
    snippet: SafeString


def search(catalog: Catalog, query: str) -> list[Result]:
    terms = [term.lower() for term in query[:MAX_QUERY_LENGTH].split() if term]
    if not terms:
        return []
    results = []
    for lesson in catalog.lessons.values():
        title, tags = lesson.title.lower(), [tag.lower() for tag in lesson.tags]
        identifiers = {name.lower() for name in lesson.identifiers}
        text = lesson.text.lower()
        score = 0
        for term in terms:
            in_title = term in title
            in_tags = any(term in tag for tag in tags)
            in_code = term in identifiers
            in_text = term in text
            if not (in_title or in_tags or in_code or in_text):
                break
            score += 8 * in_title + 4 * in_tags + 3 * in_code + min(text.count(term), 10)
        else:
            results.append(Result(lesson, score, _snippet(lesson.text, terms)))
    return sorted(results, key=lambda r: (-r.score, r.lesson.title))


def _snippet(text: str, terms: list[str]) -> SafeString:
    """A window of `text` around the first matching term, matches in <mark>."""
    lowered = text.lower()
    positions = [lowered.find(term) for term in terms if term in lowered]
    if not positions:
        window, prefix, suffix = text[: 2 * SNIPPET_RADIUS], "", "…"
    else:
        at = min(positions)
        start, end = max(0, at - SNIPPET_RADIUS), min(len(text), at + SNIPPET_RADIUS)
        window = text[start:end]
        prefix, suffix = ("…" if start else ""), ("…" if end < len(text) else "")
    pattern = re.compile("|".join(re.escape(term) for term in terms), re.IGNORECASE)
    pieces, last = [], 0
    for match in pattern.finditer(window):
        pieces.append(escape(window[last : match.start()]))
        pieces.append(f"<mark>{escape(match.group(0))}</mark>")
        last = match.end()
    pieces.append(escape(window[last:]))
    return mark_safe(prefix + "".join(pieces) + suffix)  # every piece is escaped above
