"""A book list with its authors: N+1 queries, then the ways to avoid them."""

from django.db.models import Count

from ..models import Author, Book
from ..registry import Demo, Param
from ..routers import connection

queries = Demo(
    id="queries",
    order=100,
    title="N+1 queries and how to fix them",
    description="The same book list done naively and with select_related, "
    "prefetch_related, only() and an annotation; every query shown; explain() with "
    "and without an index.",
    params={"rows": Param(20, 1, 100, "how many books (or authors) to list")},
    compare=False,
)


def summary(trace) -> dict:
    return {
        "queries": len(trace.sql),
        "sql_ms": round(sum(query["ms"] for query in trace.sql), 3),
    }


@queries.variant("naive", title="naive loop (N+1)")
def books_naive(request, params, trace):
    with trace.span("Book.objects.all()[:rows]", "db"):
        books = list(Book.objects.filter(is_demo_scratch=False)[: params["rows"]])
    lines = []
    for book in books:
        # Each book fetches its author with a query of its own: 1 + N queries.
        with trace.span(f"{book.title}.author", "db"):
            lines.append(f"{book.title} by {book.author.name}")
    return {"rows": len(lines), **summary(trace)}


@queries.variant("select-related", title="select_related() + only()")
def books_select_related(request, params, trace):
    with trace.span("select_related('author').only(...)", "db"):
        # One JOIN instead of N lookups, and only the columns the page shows.
        books = Book.objects.filter(is_demo_scratch=False).select_related("author")
        books = list(books.only("title", "author__name")[: params["rows"]])
    lines = [f"{book.title} by {book.author.name}" for book in books]
    return {"rows": len(lines), **summary(trace)}


@queries.variant("prefetch-related", title="prefetch_related()")
def authors_prefetch_related(request, params, trace):
    with trace.span("prefetch_related('books')", "db"):
        # Two queries whatever the number of authors: authors, then all their books.
        authors = list(Author.objects.prefetch_related("books")[: params["rows"]])
    lines = [f"{author.name}: {len(author.books.all())} books" for author in authors]
    return {"rows": len(lines), **summary(trace)}


@queries.variant("annotate", title="annotate(Count)")
def authors_annotate(request, params, trace):
    with trace.span("annotate(n=Count('books'))", "db"):
        # The database counts; Python receives one number per author.
        authors = list(Author.objects.annotate(n=Count("books"))[: params["rows"]])
    lines = [f"{author.name}: {author.n} books" for author in authors]
    return {"rows": len(lines), **summary(trace)}


@queries.variant("explain", title="explain(): indexed vs not")
def explain_plans(request, params, trace):
    with trace.span("filter(pages__gt=500).explain()", "db"):
        unindexed = Book.objects.filter(pages__gt=500).explain()
    with trace.span("filter(year=2001).explain()", "db"):
        indexed = Book.objects.filter(year=2001).explain()
    return {
        "database": connection.vendor,
        "plans": {"pages (no index)": unindexed, "year (indexed: book_year_idx)": indexed},
        **summary(trace),
    }
