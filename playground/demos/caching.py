"""Caching a slow computation, invalidating it, and a stampede on a cold key."""

import asyncio
import time
import uuid

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.http import JsonResponse
from django.views.decorators.cache import cache_page

from ..models import Book, CachedBook
from ..registry import Demo, Param

caching = Demo(
    id="caching",
    order=120,
    title="Caching and cache stampedes",
    description="A slow computation uncached, with the per-view cache and with "
    "get_or_set; invalidation on save; a stampede on a cold key with and without a "
    "guard; the async cache API.",
    params={
        "work_ms": Param(200, 20, 1000, "how long the slow computation takes"),
        "clients": Param(10, 2, 50, "requests arriving together on a cold key"),
    },
    compare=False,
)


def fresh_key(name: str) -> str:
    return f"playground:{name}:{uuid.uuid4().hex}"  # every run starts on a cold key


def slow_report(work_ms: int) -> dict:
    time.sleep(work_ms / 1000)  # stands in for an expensive query or API call
    return {"computed_at": time.time()}


@caching.variant("uncached", title="no cache")
def without_cache(request, params, trace):
    for attempt in (1, 2):
        with trace.span(f"request {attempt}: compute", "cpu"):
            slow_report(params["work_ms"])
    return {"computed": 2}


@caching.variant("per-view", title="cache_page")
def with_cache_page(request, params, trace):
    @cache_page(60, key_prefix=fresh_key("page"))
    def report_view(request):
        with trace.span("view body runs", "cpu"):
            return JsonResponse(slow_report(params["work_ms"]))

    for attempt in (1, 2):
        with trace.span(f"request {attempt}", "cpu") as span:
            response = report_view(request)
            span.detail = "served from cache" if attempt == 2 else "rendered and stored"
    return {"cache_control": response.get("Cache-Control", "")}


@caching.variant("get-or-set", title="cache.get_or_set")
def with_get_or_set(request, params, trace):
    key, computed = fresh_key("report"), []

    def compute():
        computed.append(1)
        return slow_report(params["work_ms"])

    for attempt in (1, 2):
        with trace.span(f"request {attempt}: cache.get_or_set", "cpu"):
            cache.get_or_set(key, compute, timeout=60)
    return {"computed": len(computed)}


def author_books_key(author_id: int) -> str:
    return f"playground:author-books:{author_id}"


@receiver(post_save, sender=CachedBook)
@receiver(post_delete, sender=CachedBook)
def forget_author_books(sender, instance, **kwargs):
    # A book changed: the cached count for its author is wrong now.
    cache.delete(author_books_key(instance.author_id))


@caching.variant("invalidate", title="invalidate on save")
def invalidate_on_save(request, params, trace):
    author_id = Book.objects.values_list("author_id", flat=True).first()
    key, counts = author_books_key(author_id), []

    def count_books():
        with trace.span("miss: count the books", "db"):
            return Book.objects.filter(author_id=author_id).count()

    cache.delete(key)
    counts.append(cache.get_or_set(key, count_books, 60))
    counts.append(cache.get_or_set(key, count_books, 60))  # a hit: no span
    with trace.span("save a new book (post_save deletes the key)", "db"):
        book = CachedBook.objects.create(
            title="Fresh", author_id=author_id, year=2025, pages=10, is_demo_scratch=True
        )
    try:
        counts.append(cache.get_or_set(key, count_books, 60))
    finally:
        book.delete()
    return {"counts_seen": counts}


async def cold_key_requests(params, trace, *, guarded: bool) -> dict:
    key, lock = fresh_key("stampede"), fresh_key("lock")
    backend_hits = 0

    async def request(number: int):
        nonlocal backend_hits
        with trace.span(f"request {number}", "cpu") as span:
            value = await cache.aget(key)
            if value is not None:
                span.detail = "hit"
                return
            if guarded and not await cache.aadd(lock, number, timeout=30):
                # Someone else is computing: wait for their result instead. Polling the
                # cache (not an asyncio.Event) works across worker processes too.
                while (value := await cache.aget(key)) is None:  # noqa: ASYNC110
                    await asyncio.sleep(0.01)
                span.detail = "waited for the first request's result"
                return
            backend_hits += 1
            await asyncio.sleep(params["work_ms"] / 1000)  # the slow backend
            await cache.aset(key, {"ready": True}, 60)
            span.detail = "miss: hit the backend"

    await asyncio.gather(*(request(n + 1) for n in range(params["clients"])))
    await cache.adelete_many([key, lock])
    return {"requests": params["clients"], "backend_hits": backend_hits}


@caching.variant("stampede", title="cold key, no guard")
async def stampede(request, params, trace):
    return await cold_key_requests(params, trace, guarded=False)


@caching.variant("guarded", title="cold key, cache.add guard")
async def stampede_guarded(request, params, trace):
    return await cold_key_requests(params, trace, guarded=True)
