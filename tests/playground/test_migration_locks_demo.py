"""The migration-locks demo in-process: each variant's SQL, lock, rewrite and who waited, on
SQLite in the fast lane and again on PostgreSQL (this module is marked `database`)."""

import asyncio
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

import pytest
from asgiref.sync import async_to_sync
from django.db import connections, transaction
from django.utils.connection import ConnectionProxy

from config.settings import sqlite_database
from playground.demos import migrations as demo
from playground.registry import DEMOS
from playground.tracing import Trace, current_trace

ON_POSTGRES = connections["default"].vendor == "postgresql"
# On PostgreSQL the demo runs on the test database, committing as a server would.
pytestmark = [pytest.mark.database] + [pytest.mark.django_db(transaction=True)] * ON_POSTGRES

HOLD_MS = 300
ALIAS = "migration_demo"


async def in_a_trace(variant: str) -> tuple[Trace, dict]:
    """Run one variant as the runner does, in a trace of its own."""
    migration_locks = DEMOS["migration-locks"]
    params = migration_locks.parse({"rows": 2000, "hold_ms": HOLD_MS})
    trace = Trace()
    token = current_trace.set(trace)
    try:
        return trace, await migration_locks.variants[variant].func(None, params, trace)
    finally:
        current_trace.reset(token)


def traced(variant: str) -> dict:
    """One variant's run, as the API would return it."""
    trace, result = async_to_sync(in_a_trace)(variant)
    return {"result": result, "spans": [span.as_json() for span in trace.spans]}


def table_names() -> list[str]:
    with demo.connection.cursor() as cursor:
        return demo.connection.introspection.table_names(cursor)


@pytest.fixture
def run(request, tmp_path: Path, monkeypatch, django_db_blocker) -> Iterator[Callable]:
    """`run(variant)` -> the demo's answer. On PostgreSQL through the API, on the test
    database. On SQLite the test database lives in memory, where a second connection gets
    "database schema is locked" at once instead of waiting: there the demo gets a file of its
    own, with the site's SQLite options (WAL, IMMEDIATE, a busy timeout), as a server has."""
    if ON_POSTGRES:
        client = request.getfixturevalue("client")

        def through_the_api(variant: str) -> dict:
            path = f"/playground/api/migration-locks/{variant}?rows=2000&hold_ms={HOLD_MS}"
            response = client.get(path)
            assert response.status_code == 200, response.content
            return response.json()

        through_the_api.tables = table_names
        yield through_the_api
        return
    configured = connections.configure_settings(
        {"default": sqlite_database(tmp_path / "demos.sqlite3")}
    )
    connections.settings[ALIAS] = configured["default"]
    monkeypatch.setattr(demo, "connection", ConnectionProxy(connections, ALIAS))
    monkeypatch.setattr(demo, "atomic", partial(transaction.atomic, using=ALIAS))

    def on_a_file(variant: str) -> dict:
        with django_db_blocker.unblock():
            return traced(variant)

    def unblocked_table_names() -> list[str]:
        with django_db_blocker.unblock():
            return table_names()

    on_a_file.tables = unblocked_table_names
    on_a_file.unblocked = django_db_blocker.unblock
    try:
        yield on_a_file
    finally:
        connections[ALIAS].close()
        delattr(connections._connections, ALIAS)
        del connections.settings[ALIAS]


@pytest.fixture
def vendor() -> str:
    return connections["default"].vendor


def statements(body: dict, label: str) -> list[str]:
    [span] = [span for span in body["spans"] if span["label"] == label]
    return [query["sql"] for query in span.get("sql", [])]


def waited(ms: float | None) -> bool:
    """Did a query wait for the migration? A wait lasts about as long as the transaction stayed
    open; a query that did not wait takes a few milliseconds."""
    assert ms is not None, "the query failed"
    return ms > HOLD_MS / 2


def test_add_nullable_column(run, vendor):
    body = run("add-nullable")
    result = body["result"]
    sql = statements(body, "migration: the operation")
    assert any('ADD COLUMN "score" integer NULL' in s for s in sql)
    assert result["table_rewritten"] is False
    assert waited(result["write_took_ms"])
    if vendor == "postgresql":
        assert result["lock_held"] == ["AccessExclusiveLock"]
        assert waited(result["read_took_ms"])  # ACCESS EXCLUSIVE blocks plain reads too
    else:
        assert not waited(result["read_took_ms"])  # WAL: the read sees the last commit
    assert body["result"]["verdict"]["ok"] is False


def test_a_constant_default(run, vendor):
    body = run("add-default")
    result = body["result"]
    sql = statements(body, "migration: the operation")
    if vendor == "postgresql":
        assert any('ADD COLUMN "score" integer DEFAULT 0 NOT NULL' in s for s in sql)
        assert any('ALTER COLUMN "score" DROP DEFAULT' in s for s in sql)
        assert result["table_rewritten"] is False  # PostgreSQL 11+: the catalog keeps it
        assert result["lock_held"] == ["AccessExclusiveLock"]
    else:  # Django's SQLite schema editor rebuilds the table
        table = f'"{sql[-1].split()[-1].strip(chr(34))}"'
        assert any(s.startswith('CREATE TABLE "new__demo_migrate_') for s in sql)
        assert any(s.startswith('INSERT INTO "new__demo_migrate_') and ", 0 FROM" in s for s in sql)
        assert any(s.startswith("DROP TABLE ") for s in sql)
        assert sql[-1].startswith('ALTER TABLE "new__') and sql[-1].endswith(f"RENAME TO {table}")
        assert result["table_rewritten"] is True


@pytest.mark.parametrize("variant", ["add-index", "add-nullable", "add-default"])
def test_the_throwaway_table_is_dropped(run, variant):
    body = run(variant)
    assert statements(body, "clean-up: DROP TABLE")[0].startswith("DROP TABLE IF EXISTS demo_")
    table = statements(body, "clean-up: DROP TABLE")[0].split()[-1]
    assert table.startswith("demo_migrate_") and table not in run.tables()


def test_create_index_blocks_writes_not_reads(run, vendor):
    body = run("add-index")
    result = body["result"]
    assert any(s.startswith("CREATE INDEX ") for s in statements(body, "migration: the operation"))
    assert not waited(result["read_took_ms"])
    assert waited(result["write_took_ms"])
    if vendor == "postgresql":
        assert result["lock_held"] == ["ShareLock"]
    assert result["verdict"]["text"].startswith("The write waited")


@pytest.fixture
def postgres_only(vendor):
    if vendor != "postgresql":
        pytest.skip("shown on PostgreSQL only")


def test_a_volatile_default_rewrites_the_table(run, postgres_only):
    body = run("add-volatile-default")
    result = body["result"]
    sql = statements(body, "migration: the operation")
    assert any('ADD COLUMN "ref" uuid DEFAULT' in s and "GEN_RANDOM_UUID()" in s for s in sql)
    assert result["table_rewritten"] is True
    assert "AccessExclusiveLock" in result["lock_held"]
    assert waited(result["read_took_ms"]) and waited(result["write_took_ms"])


def test_not_null_with_a_default_updates_every_row_under_the_lock(run, postgres_only):
    body = run("not-null-backfill")
    sql = statements(body, "migration: the operation")
    assert any(s.startswith("UPDATE ") and "IS NULL" in s for s in sql)
    assert any("SET NOT NULL" in s for s in sql)
    assert "AccessExclusiveLock" in body["result"]["lock_held"]
    assert waited(body["result"]["read_took_ms"])


def test_create_index_concurrently_blocks_neither_and_waits_for_the_open_request(
    run, postgres_only
):
    body = run("add-index-concurrently")
    result = body["result"]
    assert any(
        s.startswith("CREATE INDEX CONCURRENTLY ")
        for s in statements(body, "migration: CREATE INDEX CONCURRENTLY")
    )
    assert result["lock_held"] == ["ShareUpdateExclusiveLock"]
    assert not waited(result["read_took_ms"]) and not waited(result["write_took_ms"])
    # The build could finish only once the request open before it had ended.
    assert result["index_build_took_ms"] > HOLD_MS / 2
    assert result["verdict"]["ok"] is True


def test_two_runs_at_once_take_turns(run):
    """A load run fires many at once: each waits for the one before to drop its table, so a
    server never holds more than one run's connections (or SQLite's write lock) for it."""
    if ON_POSTGRES:
        pytest.skip("the in-process PostgreSQL tests go through the API one request at a time")

    async def both() -> list[tuple[Trace, dict]]:
        return await asyncio.gather(in_a_trace("add-index"), in_a_trace("add-nullable"))

    with run.unblocked():
        runs = async_to_sync(both)()
    # Each span's time on one clock: its trace's start plus its offset.
    spans = [
        (trace.started * 1000 + span.start_ms, trace.started * 1000 + span.end_ms, trace)
        for trace, _ in runs
        for span in trace.spans
    ]
    first, second = sorted(runs, key=lambda r: r[0].spans[0].start_ms + r[0].started * 1000)
    first_ended = max(end for start, end, trace in spans if trace is first[0])
    second_began = min(start for start, end, trace in spans if trace is second[0])
    assert second_began >= first_ended
    assert all(result["read_took_ms"] is not None for _, result in runs)
