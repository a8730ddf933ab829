"""When a QuerySet runs its SQL: a script of QuerySet operations, one span per line.

Each line of the script is a span labelled with the code it runs; the SQL that line fired is
recorded inside it, so the waterfall shows which line hit the database and which didn't.
"""

import contextlib
import pickle

from django.core.exceptions import SynchronousOnlyOperation

from ..models import Author, Book
from ..registry import Demo, Param

querysets = Demo(
    id="querysets",
    order=105,
    title="When does a QuerySet hit the database?",
    description="A script of QuerySet operations run line by line: which lines build a "
    "query, which evaluate it, what the result cache saves, iterator() and the async ORM.",
    params={
        "author": Param(1, 1, 20, "whose books the script reads (one of the 20 seeded authors)"),
        "chunk_size": Param(5, 1, 20, "iterator(chunk_size=...) for the prefetching loop"),
    },
    compare=False,
)


def shelf(params) -> str:
    return f"Author {params['author']:02d}"


def script_result(trace) -> dict:
    """Each line the script ran, with how many queries it sent (or what it raised)."""
    lines = []
    for span in trace.spans:
        sent = len(span.sql)
        outcome = span.detail if not span.ok else f"{sent} {'query' if sent == 1 else 'queries'}"
        lines.append(f"{span.label}  → {outcome}")
    return {"lines": lines, "queries": len(trace.sql)}


@querysets.variant("lazy", title="building a QuerySet sends nothing")
def building_is_lazy(request, params, trace):
    name = shelf(params)
    with trace.span("books = Book.objects.filter(author__name=name)", "db"):
        books = Book.objects.filter(author__name=name)
    with trace.span('books = books.exclude(pages__lt=150).order_by("-year")', "db"):
        books = books.exclude(pages__lt=150).order_by("-year")
    with trace.span("newest = books[:3]", "db"):
        newest = books[:3]  # a slice without a step: still a lazy QuerySet, now with LIMIT 3
    with trace.span('titles = newest.values_list("title", flat=True)', "db"):
        titles = newest.values_list("title", flat=True)
    with trace.span("list(titles)", "db"):
        list(titles)  # the first line that needs rows: one query with all of the above
    return script_result(trace)


@querysets.variant("triggers", title="what evaluates a QuerySet")
def what_evaluates(request, params, trace):
    name = shelf(params)

    def fresh():
        return Book.objects.filter(author__name=name)  # a new, unevaluated `books` each line

    with trace.span("for b in books: ...", "db"):
        for _ in fresh():
            pass
    with trace.span("len(books)", "db"):
        len(fresh())
    with trace.span("if books: ...", "db"):
        bool(fresh())
    with trace.span("list(books)", "db"):
        list(fresh())
    with trace.span("repr(books)  # print(), the shell, a log line", "db"):
        repr(fresh())  # a query with LIMIT 21 of its own; books stays unevaluated
    with trace.span("books[::2]  # a slice with a step", "db"):
        fresh()[::2]  # fetches the rows and returns a list
    with trace.span("books[0]", "db"):
        fresh()[0]  # LIMIT 1, and nothing cached
    with trace.span("book = books.first()", "db"):
        book = fresh().first()  # LIMIT 1 again
    with trace.span("book in books", "db"):
        book in fresh()  # noqa: B015  (the membership test is the point)
    with trace.span("pickle.dumps(books)", "db"):
        pickle.dumps(fresh())  # pickling stores the rows, so it fetches them first
    with trace.span("books.count()  # asks the database, caches nothing", "db"):
        fresh().count()
    with trace.span("books.exists()  # asks the database, caches nothing", "db"):
        fresh().exists()
    return script_result(trace)


@querysets.variant("cache", title="the result cache: reused, then thrown away")
def result_cache(request, params, trace):
    name = shelf(params)
    with trace.span("books = Book.objects.filter(author__name=name)", "db"):
        books = Book.objects.filter(author__name=name)
    with trace.span("for book in books: ...", "db"):
        titles = [book.title for book in books]  # fills books' result cache
    with trace.span("len(books)", "db"):
        len(books)
    with trace.span("if books: ...", "db"):
        bool(books)
    with trace.span("books[0]", "db"):
        first = books[0]
    with trace.span("books.count()", "db"):
        books.count()
    with trace.span("books.exists()", "db"):
        books.exists()
    with trace.span("books.first()  # ordered by Meta.ordering", "db"):
        books.first()
    with trace.span("first in books", "db"):
        first in books  # noqa: B015
    with trace.span("books.filter(year__gte=2000)  then iterate", "db"):
        list(books.filter(year__gte=2000))  # a new QuerySet with a new, empty cache
    with trace.span("books.all()  then iterate", "db"):
        list(books.all())  # all() is a copy too: its cache starts empty
    return {**script_result(trace), "books": len(titles)}


@querysets.variant("check-then-loop", title="wrong: check, count, then loop")
def check_then_loop(request, params, trace):
    books = Book.objects.filter(author__name=shelf(params))
    with trace.span("if books.exists():", "db"):
        found = books.exists()
    with trace.span("total = books.count()", "db"):
        total = books.count()
    with trace.span("for book in books: ...", "db"):
        titles = [book.title for book in books] if found else []
    return {**script_result(trace), "books": total, "listed": len(titles)}


@querysets.variant("evaluate-once", title="right: evaluate once, then use the list")
def evaluate_once(request, params, trace):
    with trace.span("books = list(Book.objects.filter(author__name=name))", "db"):
        books = list(Book.objects.filter(author__name=shelf(params)))
    with trace.span("if books:", "db"):
        found = bool(books)
    with trace.span("total = len(books)", "db"):
        total = len(books)
    with trace.span("for book in books: ...", "db"):
        titles = [book.title for book in books] if found else []
    return {**script_result(trace), "books": total, "listed": len(titles)}


@querysets.variant("iterator", title="iterator(): streams rows, caches none")
def streaming_iterator(request, params, trace):
    chunk = params["chunk_size"]
    with trace.span("books = Book.objects.filter(author__name=name)", "db"):
        books = Book.objects.filter(author__name=shelf(params))
    with trace.span("for book in books.iterator(): ...", "db"):
        sum(book.pages for book in books.iterator())
    with trace.span("for book in books.iterator(): ...  # again", "db"):
        sum(book.pages for book in books.iterator())  # nothing was kept: a second query
    with trace.span("len(books)", "db"):
        len(books)  # iterator() never filled books' own cache
    authors = Author.objects.prefetch_related("books")
    with contextlib.suppress(ValueError), trace.span("authors.iterator()", "db"):
        authors.iterator()  # with prefetch_related, chunk_size is required (5.0+)
    with trace.span(f"for a in authors.iterator(chunk_size={chunk}): ...", "db"):
        # One query for the authors, then one prefetch query per chunk of them.
        shelves = sum(len(author.books.all()) for author in authors.iterator(chunk_size=chunk))
    return {**script_result(trace), "books_prefetched": shelves}


@querysets.variant("async", title="in an async view")
async def in_async_code(request, params, trace):
    with trace.span("books = Book.objects.filter(author__name=name)", "db"):
        books = Book.objects.filter(author__name=shelf(params))  # building is fine on the loop
    with contextlib.suppress(SynchronousOnlyOperation), trace.span("if books:", "db"):
        bool(books)  # evaluating is a sync database call: refused on the event loop
    with trace.span("await books.acount()", "db"):
        await books.acount()
    with trace.span("[book async for book in books]", "db"):
        titles = [book.title async for book in books]  # fills the result cache
    with trace.span("len(books)  # already fetched: no query, no error", "db"):
        len(books)
    with trace.span("await books.aexists()", "db"):
        await books.aexists()
    with trace.span("async for book in books.aiterator(): ...", "db"):
        async for _ in books.aiterator():
            pass
    return {**script_result(trace), "books": len(titles)}
