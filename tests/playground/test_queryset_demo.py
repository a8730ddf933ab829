"""The QuerySet-evaluation demo against the real server: which line of each script sent SQL
(on SQLite in the main run, and on PostgreSQL too when `./run test` finds one)."""

import math

import pytest

from tests.playground.test_database_demos import run

pytestmark = pytest.mark.database


def queries_per_line(body: dict) -> dict[str, int]:
    """Each line the script ran (its span's label) and how many queries that line sent."""
    return {span["label"]: len(span.get("sql", [])) for span in body["spans"]}


def test_building_sends_nothing_until_the_rows_are_needed(asgi_server):
    body = run(asgi_server, "querysets/lazy")
    lines = queries_per_line(body)
    assert list(lines.values()) == [0, 0, 0, 0, 1]
    [query] = body["sql"]
    # Every step before list() is in the one statement it sent.
    assert "LIMIT 3" in query["sql"] and "ORDER BY" in query["sql"]


def test_every_trigger_sends_one_query(asgi_server):
    body = run(asgi_server, "querysets/triggers")
    lines = queries_per_line(body)
    assert len(lines) == 12 and set(lines.values()) == {1}
    repr_sql = body["spans"][4]["sql"][0]["sql"]
    assert body["spans"][4]["label"].startswith("repr(books)") and "LIMIT 21" in repr_sql


def test_the_result_cache_answers_until_a_new_queryset_is_made(asgi_server):
    body = run(asgi_server, "querysets/cache")
    lines = queries_per_line(body)
    assert list(lines.values()) == [0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1]
    assert body["result"]["queries"] == 3 and body["result"]["books"] == 10


def test_checking_before_the_loop_costs_two_extra_queries(asgi_server):
    wrong = run(asgi_server, "querysets/check-then-loop")["result"]
    right = run(asgi_server, "querysets/evaluate-once")["result"]
    assert (wrong["queries"], right["queries"]) == (3, 1)
    assert wrong["listed"] == right["listed"] == 10


@pytest.mark.parametrize("chunk_size", [5, 7])
def test_iterator_caches_nothing_and_prefetches_per_chunk(asgi_server, chunk_size):
    body = run(asgi_server, f"querysets/iterator?chunk_size={chunk_size}")
    spans = body["spans"]
    assert [len(span.get("sql", [])) for span in spans[:4]] == [0, 1, 1, 1]
    refused = spans[4]
    assert not refused["ok"] and refused["detail"].startswith("ValueError: chunk_size must")
    authors = 20  # seeded
    assert len(spans[5]["sql"]) == 1 + math.ceil(authors / chunk_size)


def test_async_building_is_fine_and_evaluating_is_refused(asgi_server):
    body = run(asgi_server, "querysets/async")
    spans = {span["label"]: span for span in body["spans"]}
    assert spans["if books:"]["detail"].startswith("SynchronousOnlyOperation")
    assert list(queries_per_line(body).values()) == [0, 0, 1, 1, 0, 0, 1]
    # Each query ran on a worker thread, not on the event loop that awaited it.
    loop_thread = spans["books = Book.objects.filter(author__name=name)"]["thread"]
    assert all(query["thread"] != loop_thread for query in body["sql"])
