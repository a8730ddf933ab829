"""The QuerySet-evaluation lesson's examples and claims, counted query by query on Django 5.2."""

import math
import pickle

import pytest
from asgiref.sync import async_to_sync
from django.core.exceptions import SynchronousOnlyOperation
from django.db import connections
from django.test.utils import CaptureQueriesContext

from playground.models import Author, Book
from playground.routers import demo_alias
from tests.helpers import lesson_code

SLUG = "queryset-evaluation"


@pytest.fixture
def shelf(db):
    authors = [Author.objects.create(name=f"Writer {n}") for n in range(7)]
    for number, author in enumerate(authors):
        for book in range(3):
            Book.objects.create(
                title=f"T{number}-{book}", author=author, year=2000 + book, pages=100 + 50 * book
            )
    return authors


def queries(run) -> tuple[object, int]:
    """What `run()` returns, and how many queries it sent to the demos' database."""
    with CaptureQueriesContext(connections[demo_alias()]) as captured:
        value = run()
    return value, len(captured)


def test_building_in_steps_sends_one_query_at_the_end(shelf):
    long_titles = lesson_code(SLUG, "def long_titles(")["long_titles"]
    titles, sent = queries(lambda: long_titles("Writer 0", 1))
    assert (titles, sent) == (["T0-2"], 1)


def test_evaluating_once_then_reusing_the_list(shelf):
    summary = lesson_code(SLUG, "def shelf_summary(")["shelf_summary"]
    assert queries(lambda: summary("Writer 1")) == (
        {"books": 3, "titles": ["T1-0", "T1-1", "T1-2"]},
        1,
    )
    assert queries(lambda: summary("Nobody")) == ({"books": 0, "titles": []}, 1)


def test_exists_alone_is_one_query_and_the_wasteful_shape_is_three(shelf, capsys):
    code = lesson_code(SLUG, "def list_books_wasteful(")
    assert queries(lambda: code["has_books"]("Writer 2")) == (True, 1)
    titles, sent = queries(lambda: code["list_books_wasteful"]("Writer 2"))
    assert (len(titles), sent) == (3, 3)
    assert capsys.readouterr().out == "3 books\n"


def test_iterator_examples_stream_and_prefetch_per_chunk(shelf):
    code = lesson_code(SLUG, "def total_pages(")
    pages, sent = queries(code["total_pages"])
    assert (pages, sent) == (7 * (100 + 150 + 200), 1)
    per_author, sent = queries(code["books_per_author"])
    assert set(per_author.values()) == {3} and sent == 1 + math.ceil(len(shelf) / 100)


def test_iterator_prefetches_once_per_chunk(shelf):
    authors = Author.objects.prefetch_related("books")
    _, sent = queries(lambda: [len(a.books.all()) for a in authors.iterator(chunk_size=2)])
    assert sent == 1 + math.ceil(len(shelf) / 2)
    with pytest.raises(ValueError, match="chunk_size must be provided"):
        authors.iterator()


def test_repr_queries_a_copy_and_leaves_the_queryset_unevaluated(shelf):
    books = Book.objects.all()
    text, sent = queries(lambda: repr(books))
    assert sent == 1 and text.startswith("<QuerySet [")
    assert books._result_cache is None
    _, sent = queries(lambda: list(books))
    assert sent == 1


def test_pickling_evaluates_and_the_unpickled_copy_needs_no_query(shelf):
    books = Book.objects.filter(author=shelf[0])
    data, sent = queries(lambda: pickle.dumps(books))
    assert sent == 1 and books._result_cache is not None
    restored, sent = queries(lambda: [b.title for b in pickle.loads(data)])
    assert (restored, sent) == (["T0-0", "T0-1", "T0-2"], 0)


def test_slices_with_and_without_a_step(shelf):
    books = Book.objects.all()
    page, sent = queries(lambda: books[2:4])
    assert sent == 0 and page.query.low_mark == 2
    stepped, sent = queries(lambda: books[::2])
    assert isinstance(stepped, list) and sent == 1 and books._result_cache is None
    with pytest.raises(TypeError, match="Cannot filter a query once a slice has been taken"):
        page.filter(year=2000)
    with pytest.raises(ValueError, match="Negative indexing"):
        books[-1]


def test_count_exists_and_first_use_a_filled_cache(shelf):
    books = Book.objects.filter(author=shelf[3])
    _, sent = queries(lambda: list(books))
    assert sent == 1
    answers, sent = queries(
        lambda: (books.count(), books.exists(), books.first().title, len(books))
    )
    assert answers == (3, True, "T3-0", 3) and sent == 0
    _, sent = queries(lambda: (list(books.all()), list(books.filter(year=2000))))
    assert sent == 2


@pytest.mark.django_db(transaction=True)
def test_the_async_example_and_the_refusal_on_the_loop(shelf):
    author_titles = lesson_code(SLUG, "async def author_titles(")["author_titles"]
    assert async_to_sync(author_titles)("Writer 4") == ["T4-0", "T4-1", "T4-2"]
    assert async_to_sync(author_titles)("Nobody") == []

    async def evaluate_on_the_loop():
        books = Book.objects.all()
        with pytest.raises(SynchronousOnlyOperation):
            bool(books)
        fetched = [book async for book in books]
        return len(books) == len(fetched)  # answered from the cache: no connection needed

    assert async_to_sync(evaluate_on_the_loop)()


def test_first_on_an_unordered_evaluated_queryset_queries_again(shelf):
    authors = Author.objects.all()  # Author has no Meta.ordering
    list(authors)
    _, sent = queries(lambda: (authors.count(), authors[0]))
    assert sent == 0
    _, sent = queries(authors.first)  # order_by("pk") is a new QuerySet
    assert sent == 1


def test_update_and_delete_empty_the_querysets_own_cache_but_not_earlier_lists(shelf):
    books = Book.objects.filter(author=shelf[5])
    earlier = list(books)
    books.update(pages=999)
    (pages, count), sent = queries(lambda: ([book.pages for book in books], len(books)))
    assert (pages, count, sent) == ([999, 999, 999], 3, 1)
    assert {book.pages for book in earlier} == {100, 150, 200}
    books.delete()
    assert queries(lambda: len(books)) == (0, 1)
