"""The async ORM: every a-method, the thread each query really ran on, and the wrong way."""

import asyncio

from django.core.exceptions import SynchronousOnlyOperation

from ..models import Author, Book
from ..registry import Demo, Param

async_orm = Demo(
    id="async-orm",
    order=50,
    title="The async ORM",
    description="aget, acreate, acount, aexists, afirst, async for, aiterator, asave and "
    "adelete, each query with the thread it ran on.",
    params={"rows": Param(20, 1, 200, "how many rows to read")},
    compare=False,
)


@async_orm.variant("async", title="async view, async ORM")
async def orm_async(request, params, trace):
    books = Book.objects.filter(is_demo_scratch=False)
    with trace.span("acount()", "db"):
        total = await books.acount()
    with trace.span("aexists()", "db"):
        await books.filter(year__gte=2020).aexists()
    with trace.span("afirst()", "db"):
        first = await books.afirst()
    with trace.span("aget(pk=...)", "db"):
        book = await Book.objects.aget(pk=first.pk)
    with trace.span("async for", "db"):
        # Fetches every row of the slice before the loop body first runs.
        titles = [b.title async for b in books[: params["rows"]]]
    with trace.span("aiterator(chunk_size=50)", "db"):
        pages = 0
        async for b in books[: params["rows"]].aiterator(chunk_size=50):
            pages += b.pages
    with trace.span("acreate()", "db"):
        scratch = await Book.objects.acreate(
            title="Scratch copy",
            author_id=book.author_id,
            year=2024,
            pages=100,
            is_demo_scratch=True,
        )
    try:
        with trace.span("asave()", "db"):
            scratch.pages += 1
            await scratch.asave()
    finally:
        with trace.span("adelete()", "db"):
            await scratch.adelete()
    return {"rows": len(titles), "total_books": total, "pages_read": pages}


@async_orm.variant("sync", title="sync view, sync ORM")
def orm_sync(request, params, trace):
    books = Book.objects.filter(is_demo_scratch=False)
    with trace.span("count()", "db"):
        total = books.count()
    with trace.span("exists()", "db"):
        books.filter(year__gte=2020).exists()
    with trace.span("first()", "db"):
        first = books.first()
    with trace.span("get(pk=...)", "db"):
        book = Book.objects.get(pk=first.pk)
    with trace.span("for", "db"):
        titles = [b.title for b in books[: params["rows"]]]
    with trace.span("iterator(chunk_size=50)", "db"):
        pages = sum(b.pages for b in books[: params["rows"]].iterator(chunk_size=50))
    with trace.span("create()", "db"):
        scratch = Book.objects.create(
            title="Scratch copy",
            author_id=book.author_id,
            year=2024,
            pages=100,
            is_demo_scratch=True,
        )
    try:
        with trace.span("save()", "db"):
            scratch.pages += 1
            scratch.save()
    finally:
        with trace.span("delete()", "db"):
            scratch.delete()
    return {"rows": len(titles), "total_books": total, "pages_read": pages}


@async_orm.variant("wrong-way", title="async view, sync ORM (wrong)")
async def orm_wrong_way(request, params, trace):
    errors = []
    try:
        with trace.span("Book.objects.count()", "db"):
            Book.objects.count()  # wrong: the sync ORM, called on the event loop
    except SynchronousOnlyOperation as exc:
        errors.append(f"SynchronousOnlyOperation: {exc}")
    book = await Book.objects.afirst()  # fetched correctly, but without its author
    try:
        with trace.span("book.author (lazy foreign key)", "db"):
            book.author.name  # noqa: B018 - wrong: a lazy relation is a sync query too
    except SynchronousOnlyOperation as exc:
        errors.append(f"SynchronousOnlyOperation: {exc}")
    return {"error": errors[0] if errors else "", "errors": errors}


@async_orm.variant("gather", title="asyncio.gather over async ORM calls")
async def orm_gather(request, params, trace):
    authors = [a async for a in Author.objects.order_by("id")[:5]]

    async def books_by(author):
        with trace.span(f"acount() {author.name}", "db"):
            return await Book.objects.filter(author=author, year__gte=1990).acount()

    # Gathered, but each acount() is sync_to_async(count) on the same thread:
    # the queries still run one after another.
    counts = await asyncio.gather(*(books_by(author) for author in authors))
    return {"counts": counts}
