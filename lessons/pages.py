"""Lesson pages from cache: the page is rendered once per lesson and content version.

The rendered page (the lesson, its demo panels, the HTML shell) is kept in this process, keyed
by the lesson's slug and the catalog's version, with holes where only the request knows what
goes: who is signed in (the header), the learner's own badges and their exercises' standing.
A request fills the holes from the context processors that own them (practice/, exercises/),
which keep their own small renders per standing, so no template work is redone for content
that didn't change.

The CSRF token is not on the page (it would make every copy differ and leak one reader's token
to the next): scripts read it from the csrftoken cookie, which the page sets.

A reader with no session (not signed in, no progress yet) gets what every such reader gets: that
page is kept whole, as bytes and compressed once, and served without filling anything
(reader_response). It holds nothing secret and echoes nothing from the request, so one
compressed copy for all is safe (no BREACH: there is no secret to guess).

A learner who has a session but is not signed in gets the same page kept whole, marked
data-yours: their own part (their badges, their exercises' standing) arrives separately, from
learner_part() as JSON (static/js/site/yours.js puts it in place). So their page costs no query
and no thread either; only the small JSON call reads the session and the database. A signed-in
learner (the signed-in cookie says so: lessons/middleware.py) gets the page filled here, with
their name in the header and no flash of "Log in".
"""

import gzip
import hashlib
import re
import secrets
import threading
import time
from collections.abc import Hashable
from dataclasses import dataclass, field
from importlib import import_module

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.middleware.gzip import re_accepts_gzip
from django.template import engines
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.autoreload import file_changed
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.safestring import SafeString

from .catalog import Catalog
from .parsing import Lesson
from .templatetags.lessons import lookup
from .tracks import TRACKS

# The lesson template's per-request values: mappings by lesson slug, each filled by the context
# processor that owns it (practice/context_processors.py, exercises/context_processors.py).
PER_REQUEST = ("progress_badges", "exercise_badges", "exercise_blocks")
# And the shell's: who is signed in (base.html prints the hole instead of _account_link.html).
ACCOUNT_LINK = "account_link"
# The article's: where a page kept whole for learners fetches their own part (data-yours).
LEARNER_PART = "learner_part"
# Set while a signed-in user's session lasts (lessons/middleware.py): their pages are filled
# here. It says only which copy to serve; whether anyone is signed in, the session says.
SIGNED_IN_COOKIE = "signedin"

# A marker no lesson can contain: nh3 drops comments from lesson HTML, and the token is new in
# every process.
_TOKEN = secrets.token_hex(8)
_HOLE = re.compile(rf"<!--hole-{_TOKEN}:(\w+)-->")


@dataclass(frozen=True)
class CachedPage:
    # Text and hole names alternate: text, name, text, ..., text.
    parts: tuple[str, ...]
    digest: str  # of the text, for the ETag


class _Holes:
    """Stands in for a per-request mapping while the page is rendered for the cache."""

    def __init__(self, name: str) -> None:
        self.marker = SafeString(f"<!--hole-{_TOKEN}:{name}-->")

    def __getitem__(self, key: str) -> SafeString:
        return self.marker

    def __bool__(self) -> bool:
        return True

    def __html__(self) -> str:  # printed as it is, like a SafeString
        return self.marker

    __str__ = __html__


@dataclass(frozen=True)
class WholePage:
    """A page kept whole: its body, compressed and not, and its ETag."""

    body: bytes
    compressed: bytes
    etag: str

    @classmethod
    def of(cls, page: CachedPage, filled: list[str]) -> "WholePage":
        body = "".join(filled).encode()
        return cls(body, gzip.compress(body, compresslevel=6, mtime=0), _etag(page, filled))


# What a newcomer's holes print can change with no new content version (whether exercises can
# run here just now): a page kept whole is made again from the next newcomer after this long.
KEEP_SECONDS = 30


@dataclass(frozen=True)
class KeptPages:
    """A lesson's pages kept whole: for a reader with no session, and for a learner with one
    (the same page, marked to fetch their own part)."""

    reader: WholePage
    learner: WholePage
    made: float = field(default_factory=time.monotonic)

    def fresh(self) -> bool:
        return time.monotonic() - self.made < KEEP_SECONDS


_pages: dict[tuple[str, str], CachedPage] = {}
_whole: dict[tuple[str, str], KeptPages] = {}
_lock = threading.Lock()
_making = threading.Lock()


def cached_page(catalog: Catalog, lesson: Lesson) -> CachedPage:
    key = (lesson.slug, catalog.version)
    page = _pages.get(key)
    if page is None:
        page = render_page(catalog, lesson)
        with _lock:
            # Pages of an older catalog are dropped as the new one's are made.
            for stale in [k for k in _pages if k[1] != catalog.version]:
                del _pages[stale]
                _whole.pop(stale, None)
            _pages[key] = page
    return page


_fragments: dict[tuple, SafeString] = {}
MAX_FRAGMENTS = 4096


def render_once(template: str, context: dict, *, key: Hashable) -> SafeString:
    """A small render that depends only on `key` (a badge per standing, a lesson's exercises
    per the learner's standing on each, the header's link per user name), made once per
    process."""
    full_key = (template, key)
    html = _fragments.get(full_key)
    if html is None:
        if len(_fragments) > MAX_FRAGMENTS:  # old content versions, many user names
            _fragments.clear()
        html = _fragments[full_key] = render_to_string(template, context)
    return html


def clear() -> None:
    with _lock:
        _pages.clear()
        _whole.clear()
        _fragments.clear()


def warm(catalog: Catalog) -> None:
    """Render every lesson's page, and keep it whole, now (production does at start-up), not
    on a first request."""
    for lesson in catalog.lessons.values():
        kept_pages(catalog, lesson)


def render_page(catalog: Catalog, lesson: Lesson) -> CachedPage:
    """The page of `lesson`, holes and all: the uncached render."""
    previous, following = catalog.neighbours(lesson)
    number, count = catalog.position(lesson)
    context = {
        "lesson": lesson,
        "track": TRACKS[lesson.track],
        "previous": previous,
        "next": following,
        "number": number,
        "count": count,
        # At a track's end, the way on is the next track.
        "next_track": None if following else catalog.next_track(lesson.track),
        "related": catalog.related(lesson),
        **{name: _Holes(name) for name in (*PER_REQUEST, ACCOUNT_LINK, LEARNER_PART)},
    }
    # No request: nothing the page prints depends on who asked (the shell's nav marks the
    # practice, playground and exercises pages, never a lesson; who is signed in is a hole).
    html = render_to_string("lessons/lesson.html", context)
    parts = tuple(_HOLE.split(html))
    digest = hashlib.blake2b("".join(parts[::2]).encode(), digest_size=16).hexdigest()
    return CachedPage(parts=parts, digest=digest)


def per_request_values(request: HttpRequest) -> dict:
    """What the template's context processors give this request (each lazy: nothing is read
    until a hole asks)."""
    values: dict = {}
    for processor in engines["django"].engine.template_context_processors:
        values.update(processor(request))
    return values


def lesson_response(
    request: HttpRequest, catalog: Catalog, lesson: Lesson, *, keep: bool = False
) -> HttpResponse:
    """The lesson page for this request, or 304: with `keep` (production), the page kept whole
    where this request gets that (made now if it is missing or old: in a thread, as what its
    holes print may need I/O); otherwise the cached page with its holes filled."""
    if keep:
        response = reader_response(request, kept_pages(catalog, lesson))
        if response is not None:
            return response
    page = cached_page(catalog, lesson)
    filled = _filled(page, per_request_values(request), request, lesson)
    return _page_response(request, HttpResponse("".join(filled)), _etag(page, filled))


def _filled(page: CachedPage, values: dict, request: HttpRequest, lesson: Lesson) -> list[str]:
    return [
        part if index % 2 == 0 else _fill(part, values, request, lesson)
        for index, part in enumerate(page.parts)
    ]


def kept_pages(catalog: Catalog, lesson: Lesson) -> KeptPages:
    """The lesson's pages kept whole, made again when missing or older than KEEP_SECONDS:
    filled as for a newcomer, once for every reader without a session, and once marked for
    every learner not signed in, whose own part arrives separately."""
    key = (lesson.slug, catalog.version)
    kept = _whole.get(key)
    if kept is not None and kept.fresh():
        return kept
    with _making:  # the requests that found it old wait for one of them to make it
        kept = _whole.get(key)
        if kept is not None and kept.fresh():
            return kept
        page = cached_page(catalog, lesson)
        newcomer = _newcomer()
        filled = _filled(page, per_request_values(newcomer), newcomer, lesson)
        learner = [
            _yours_attribute(lesson) if index % 2 and part == LEARNER_PART else filled[index]
            for index, part in enumerate(page.parts)
        ]
        kept = KeptPages(WholePage.of(page, filled), WholePage.of(page, learner))
        with _lock:
            _whole[key] = kept
        return kept


def fresh_kept_pages(catalog: Catalog, lesson: Lesson) -> KeptPages | None:
    """The lesson's pages kept whole if they are there and fresh (no work: for the loop)."""
    kept = _whole.get((lesson.slug, catalog.version))
    return kept if kept is not None and kept.fresh() else None


def _newcomer() -> HttpRequest:
    """A request as from a reader with no session: what the holes print for every one."""
    request = HttpRequest()
    request.user = AnonymousUser()
    request.session = import_module(settings.SESSION_ENGINE).SessionStore()
    return request


def _etag(page: CachedPage, filled: list[str]) -> str:
    # The body is the cached text and what filled its holes: hashing those is hashing the body.
    source = "\x00".join([page.digest, *filled[1::2]]).encode()
    return f'"{hashlib.blake2b(source, digest_size=16).hexdigest()}"'


def _yours_attribute(lesson: Lesson) -> str:
    url = reverse("lessons:yours", args=[lesson.slug])
    return f' data-yours="{url}"'


def has_session(request: HttpRequest) -> bool:
    return settings.SESSION_COOKIE_NAME in request.COOKIES


def reader_response(request: HttpRequest, kept: KeptPages | None) -> HttpResponse | None:
    """The page kept whole (no template, no database, no compression work) for a reader with
    no session, or for a learner who isn't signed in; None for a signed-in learner, or when
    there is none kept."""
    if kept is None:
        return None
    if not has_session(request):
        whole = kept.reader
    elif SIGNED_IN_COOKIE not in request.COOKIES:
        whole = kept.learner
    else:
        return None
    if re_accepts_gzip.search(request.headers.get("Accept-Encoding", "")):
        response = HttpResponse(whole.compressed)
        response["Content-Encoding"] = "gzip"
        etag = f"W/{whole.etag}"  # as GZipMiddleware marks what it compresses
    else:
        response = HttpResponse(whole.body)
        etag = whole.etag
    # Which copy depends on these; the session middleware adds Cookie only when it reads one.
    patch_vary_headers(response, ("Accept-Encoding", "Cookie"))
    return _page_response(request, response, etag)


def learner_part(request: HttpRequest, lesson: Lesson) -> dict:
    """What a page kept whole leaves to arrive (data-yours): who is signed in, the learner's
    badges for the lesson and their standing on each of its exercises, as HTML the page's
    script puts in place. One query, for the learner's records."""
    values = per_request_values(request)
    return {
        "account_link": _fill(ACCOUNT_LINK, values, request, lesson),
        "badges": " ".join(
            str(lookup(values.get(name), lesson.slug))
            for name in ("progress_badges", "exercise_badges")
        ),
        "exercises": lookup(values.get("exercise_standings"), lesson.slug) or [],
    }


def _page_response(request: HttpRequest, response: HttpResponse, etag: str) -> HttpResponse:
    response["ETag"] = etag
    # The page shows the learner's own progress: browsers may keep it, shared caches may not,
    # and a kept copy is checked (If-None-Match) before it is shown again.
    patch_cache_control(response, private=True, no_cache=True)
    get_token(request)  # sets the csrftoken cookie the page's scripts post with
    # 304 when the browser's copy is this page (a weak match: compression makes the ETag weak).
    return get_conditional_response(request, etag=etag, response=response)


def _fill(hole: str, values: dict, request: HttpRequest, lesson: Lesson) -> str:
    if hole == LEARNER_PART:
        return ""  # a filled page has the learner's part already
    if hole == ACCOUNT_LINK:
        user = request.user
        name = user.get_username() if user.is_authenticated else ""
        return render_once("_account_link.html", {"user": user}, key=name)
    return str(lookup(values.get(hole), lesson.slug))


@receiver(file_changed)
def _template_changed(sender, file_path, **kwargs) -> None:
    """In development, an edited template shows on the next reload, as Django's own template
    cache does (django.template.autoreload)."""
    if file_path.suffix == ".html":
        clear()
