"""The query lesson's subquery and keyset examples, and its SQLite parameter-limit claim."""

import sqlite3

import pytest
from django.db import connection

from playground.models import Author, Book
from tests.helpers import lesson_code


@pytest.fixture
def shelf(db):
    le_guin = Author.objects.create(name="Le Guin")
    Author.objects.create(name="Nobody Yet")
    Book.objects.create(title="Lathe", author=le_guin, year=1971, pages=184)
    Book.objects.create(title="Dispossessed", author=le_guin, year=1974, pages=387)
    Book.objects.create(title="Earthsea Omnibus", author=le_guin, year=1974, pages=700)


def test_subqueries_annotate_and_filter_in_one_query(shelf, django_assert_num_queries):
    code = lesson_code("query-optimisation", "def authors_with_latest_title(")
    with django_assert_num_queries(1):
        rows = {
            a.name: (a.latest_title, a.has_long_book) for a in code["authors_with_latest_title"]()
        }
    # 1974 has two books: the higher pk breaks the tie.
    assert rows == {"Le Guin": ("Earthsea Omnibus", True), "Nobody Yet": (None, False)}
    assert [a.name for a in code["authors_without_books"]()] == ["Nobody Yet"]


@pytest.mark.django_db
def test_keyset_pages_cover_every_row_once_even_when_rows_arrive_meanwhile():
    author = Author.objects.create(name="Prolific")
    for number in range(25):
        Book.objects.create(title=f"B{number}", author=author, year=2000 + number % 4, pages=1)
    books_after = lesson_code("query-optimisation", "def books_after(")["books_after"]
    expected = list(Book.objects.order_by("year", "pk"))
    seen, cursor = [], None
    while page := books_after(cursor, size=7):
        seen += page
        cursor = (page[-1].year, page[-1].pk)
        # A row sorting before the cursor: OFFSET paging would now repeat a row.
        Book.objects.create(title="late", author=author, year=1990, pages=1)
    assert seen == expected


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's limits")
def test_django_assumes_999_parameters_while_sqlite_allows_more():
    assert connection.features.max_query_params == 999
    probe = sqlite3.connect(":memory:")
    assert sqlite3.sqlite_version_info >= (3, 32)
    assert probe.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) >= 32_766


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's limits")
@pytest.mark.django_db
def test_in_bulk_splits_1000_ids_into_two_queries_on_sqlite(django_assert_num_queries):
    with django_assert_num_queries(2):
        Book.objects.in_bulk(list(range(1, 1001)))
