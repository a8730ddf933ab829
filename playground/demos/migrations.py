"""What a migration operation locks: a schema change on a throwaway table in one connection
while the app reads and writes the same table from two others.

The operation is Django's own: the schema editor a migration uses runs it (AddField,
AlterField, AddIndex, AddIndexConcurrently do exactly these calls), on a model made for the
run. Inside the migration's transaction the demo reads, from pg_locks, the lock the operation
holds, then keeps the transaction open for hold_ms, as the rest of a migration would. Every
wait is bounded: the migration by lock_timeout, the app's queries too.
"""

import asyncio
import contextlib
import threading
import time
import uuid
import weakref
from collections.abc import AsyncIterator, Callable
from typing import Any

from asgiref.sync import sync_to_async
from django.apps.registry import Apps
from django.contrib.postgres.functions import RandomUUID
from django.db import DatabaseError, models

from ..registry import Demo, Param
from ..routers import atomic, connection

migration_locks = Demo(
    id="migration-locks",
    order=107,
    title="What a migration locks while it runs",
    description="A schema change on a throwaway table of some thousands of rows in one "
    "connection, while a read and a write from two others try the same table: which of them "
    "waited, how long, and the lock the operation held. Runs take turns, one at a time.",
    params={
        "rows": Param(5000, 1000, 20000, "rows in the throwaway table"),
        "hold_ms": Param(
            300,
            50,
            1000,
            "how long the migration's transaction stays open after "
            "the operation, as the rest of a migration would keep it",
        ),
    },
    compare=False,
    database_notes={
        "sqlite": "This server's demos run on SQLite: there are no table locks to read, only the "
        "database's one write lock, taken when the migration's transaction begins. So the read "
        "never waits (WAL lets it read the last committed state) and the write waits for the whole "
        "migration, whatever the operation. What SQLite does show is the SQL: a column with a "
        "default, or NOT NULL, makes Django rebuild the table (new__..., copy, drop, rename). "
        "The variants that only PostgreSQL tells apart (a volatile default, the NOT NULL backfill, "
        "CREATE INDEX CONCURRENTLY) are shown on PostgreSQL only.",
        "postgresql": "This server's demos run on PostgreSQL: each operation's table lock is real, "
        "read from pg_locks while the migration holds it. What SQLite would show instead (the "
        "table rebuild Django sends there for a default) is not shown here.",
    },
)

LOCK_TIMEOUT = "2s"  # the migration gives up rather than queue for longer
APP_LOCK_TIMEOUT = "3s"  # nor does the app wait longer than this for its query
SEEN_LOCK_SECONDS = 2  # how long the app looks for the concurrent build's lock


def throwaway_model(table: str, **fields: models.Field) -> type[models.Model]:
    """A model for the run's table, in a registry of its own, never Django's app registry."""
    meta = type("Meta", (), {"app_label": "playground", "db_table": table, "apps": Apps()})
    attrs: dict[str, Any] = {
        "__module__": __name__,
        "Meta": meta,
        "name": models.CharField(max_length=40),
        "amount": models.IntegerField(),
        **fields,
    }
    return type("Migrating", (models.Model,), attrs)


def new_field(model: type[models.Model], name: str) -> models.Field:
    return model._meta.get_field(name)


def create_table(trace, rows: int, **columns: models.Field) -> str:
    """A real table (the other connections must see it) of `rows` rows; drop_table() drops it."""
    table = f"demo_migrate_{uuid.uuid4().hex[:10]}"
    with trace.span(f"set-up: a throwaway table of {rows} rows", "db"):
        with connection.schema_editor() as editor:
            editor.create_model(throwaway_model(table, **columns))
        with connection.cursor() as cursor:
            cursor.execute(
                "WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < %s) "
                f"INSERT INTO {table} (name, amount) SELECT 'row ' || n, n FROM seq",
                [rows],
            )
    connection.close()  # back to the pool while the other connections work
    return table


def drop_table(trace, table: str) -> None:
    try:
        with trace.span("clean-up: DROP TABLE", "db"), connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
    finally:
        connection.close()


# One run at a time per server process: a run holds up to four connections and, on SQLite,
# the demos' write lock, so a load run of fifty queues here instead of draining the
# connection pool every other request needs. (One lock per event loop: tests run several.)
_turns: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock]" = (
    weakref.WeakKeyDictionary()
)


@contextlib.asynccontextmanager
async def throwaway_table(trace, rows: int, **columns: models.Field) -> AsyncIterator[str]:
    async with _turns.setdefault(asyncio.get_running_loop(), asyncio.Lock()):
        table = await sync_to_async(create_table)(trace, rows, **columns)
        try:
            yield table
        finally:
            await sync_to_async(drop_table)(trace, table)


def storage_of(table: str) -> int:
    """Where the table's rows live: a rewrite puts them in a new file (PostgreSQL) or under a
    new root page (SQLite), so a change of this number means every row was copied."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT relfilenode FROM pg_class WHERE oid = %s::regclass", [table])
        else:
            cursor.execute("SELECT rootpage FROM sqlite_master WHERE name = %s", [table])
        return cursor.fetchone()[0]


def locks_held(table: str, *, other_than_me: bool = False) -> list[str]:
    """The table-level locks on `table`, from pg_locks: this connection's, or everyone else's."""
    if connection.vendor != "postgresql":
        return ["the database's write lock (SQLite has one per database file)"]
    pid_test = "<> pg_backend_pid()" if other_than_me else "= pg_backend_pid()"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT mode FROM pg_locks"
            f" WHERE relation = %s::regclass AND granted AND pid {pid_test}",
            [table],
        )
        return sorted({mode for (mode,) in cursor.fetchall()})


def app_query(trace, label: str, sql: str) -> None:
    """One of the app's queries, on its own connection, bounded by a lock_timeout of its own."""
    try:
        with trace.span(label, "db") as span:
            if connection.vendor == "postgresql":
                with atomic(), connection.cursor() as cursor:
                    cursor.execute(f"SET LOCAL lock_timeout = '{APP_LOCK_TIMEOUT}'")
                    cursor.execute(sql)
            else:  # autocommit: a transaction here would take SQLite's write lock at BEGIN
                with connection.cursor() as cursor:
                    cursor.execute(sql)
            span.detail = "ran"
    except DatabaseError:
        pass  # the span records the error
    finally:
        connection.close()


Operation = Callable[[Any, str], None]  # (schema editor, table) -> None


def migrate(trace, table: str, operation: Operation, hold_ms: int, locked: threading.Event) -> dict:
    """The migration: the operation in a transaction, its lock read, the transaction held open."""
    seen: dict = {"locks": [], "rewritten": None}
    try:
        before = storage_of(table)
        with connection.schema_editor() as editor:  # atomic, as a migration is by default
            with trace.span("migration: the operation", "db") as span:
                if connection.vendor == "postgresql":
                    editor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
                operation(editor, table)
                seen["locks"] = locks_held(table)
                span.detail = ", ".join(seen["locks"])
            locked.set()
            with trace.span("migration: open until COMMIT", "sleep"):
                time.sleep(hold_ms / 1000)
        seen["rewritten"] = storage_of(table) != before
    except DatabaseError:
        pass  # the span records the error
    finally:
        locked.set()
        connection.close()
    return seen


READ = "app: SELECT count(*)"
WRITE = "app: UPDATE one row"


def took_ms(trace, label: str) -> float | None:
    """How long the app's query took (None if it failed), waiting included."""
    span = next(span for span in trace.spans if span.label == label)
    return round(span.end_ms - span.start_ms, 1) if span.ok else None


def verdict(read: float | None, write: float | None, hold_ms: int) -> dict:
    blocked = [
        name for name, ms in (("read", read), ("write", write)) if ms is None or ms > hold_ms / 2
    ]
    if not blocked:
        return {"text": "Neither the read nor the write waited for the migration.", "ok": True}
    return {
        "text": f"The {' and the '.join(blocked)} waited for the migration to commit "
        f"(read {read} ms, write {write} ms; its transaction stayed open {hold_ms} ms).",
        "ok": False,
    }


def outcome(trace, seen: dict, hold_ms: int) -> dict:
    read, write = took_ms(trace, READ), took_ms(trace, WRITE)
    return {
        "verdict": verdict(read, write, hold_ms),
        "lock_held": seen["locks"],
        "table_rewritten": seen["rewritten"],
        "read_took_ms": read,
        "write_took_ms": write,
        "database": connection.vendor,
    }


async def app_after(event: threading.Event, trace, label: str, sql: str) -> None:
    """The app's query, sent once the migration holds its lock (or has given up)."""
    await sync_to_async(event.wait, thread_sensitive=False)(5)
    await sync_to_async(app_query, thread_sensitive=False)(trace, label, sql)


async def run_migration(params, trace, operation: Operation, **columns: models.Field) -> dict:
    """Migrate the throwaway table while the app reads and writes it; report who waited."""
    hold_ms = params["hold_ms"]
    async with throwaway_table(trace, params["rows"], **columns) as table:
        locked = threading.Event()
        seen, _, _ = await asyncio.gather(
            sync_to_async(migrate, thread_sensitive=False)(
                trace, table, operation, hold_ms, locked
            ),
            app_after(locked, trace, READ, f"SELECT count(*) FROM {table}"),
            app_after(locked, trace, WRITE, f"UPDATE {table} SET amount = amount + 1 WHERE id = 1"),
        )
        return outcome(trace, seen, hold_ms)


def add_field(name: str, field: models.Field, **existing: models.Field) -> Operation:
    """AddField: the schema editor call the operation makes, from the model before to after."""

    def operation(editor, table: str) -> None:
        after = throwaway_model(
            table, **{k: f.clone() for k, f in existing.items()}, **{name: field.clone()}
        )
        before = throwaway_model(table, **{k: f.clone() for k, f in existing.items()})
        editor.add_field(before, after._meta.get_field(name))

    return operation


@migration_locks.variant("add-nullable", title="AddField: a nullable column")
async def add_nullable(request, params, trace):
    # ALTER TABLE ... ADD COLUMN "score" integer NULL: a catalog change, no row touched.
    return await run_migration(params, trace, add_field("score", models.IntegerField(null=True)))


@migration_locks.variant("add-default", title="AddField: NOT NULL with a constant default")
async def add_with_default(request, params, trace):
    # PostgreSQL 11+ stores the constant default in the catalog: no rewrite.
    # SQLite: Django rebuilds the table (CREATE new__..., INSERT ... SELECT, DROP, RENAME).
    return await run_migration(params, trace, add_field("score", models.IntegerField(default=0)))


@migration_locks.variant(
    "add-volatile-default",
    title="AddField: a volatile db_default (gen_random_uuid())",
    databases=frozenset({"postgresql"}),
)
async def add_volatile_default(request, params, trace):
    # Every row needs its own value: PostgreSQL rewrites the whole table under the lock.
    field = models.UUIDField(db_default=RandomUUID())
    return await run_migration(params, trace, add_field("ref", field))


@migration_locks.variant(
    "not-null-backfill",
    title="AlterField: null=True to NOT NULL with a default",
    databases=frozenset({"postgresql"}),
)
async def not_null_backfill(request, params, trace):
    # Django's four steps in one transaction: SET DEFAULT, UPDATE every NULL row,
    # SET NOT NULL (a full scan), DROP DEFAULT; the lock is held throughout.
    def operation(editor, table: str) -> None:
        before = throwaway_model(table, score=models.IntegerField(null=True))
        after = throwaway_model(table, score=models.IntegerField(default=0))
        editor.alter_field(
            before, before._meta.get_field("score"), after._meta.get_field("score"), strict=True
        )

    return await run_migration(params, trace, operation, score=models.IntegerField(null=True))


def index_on_amount(table: str) -> models.Index:
    return models.Index(fields=["amount"], name=f"{table}_amount")


@migration_locks.variant("add-index", title="AddIndex: CREATE INDEX")
async def add_index(request, params, trace):
    def operation(editor, table: str) -> None:
        editor.add_index(throwaway_model(table), index_on_amount(table))

    return await run_migration(params, trace, operation)


def request_in_flight(trace, table: str, hold_ms: int, opened: threading.Event, seen: dict) -> None:
    """A request's transaction that wrote a row before the build began and stays open: it sees
    the build's lock in pg_locks, and the build has to wait for it to end."""
    try:
        with trace.span("app: a request in flight", "db") as span:
            started = time.monotonic()
            with atomic(), connection.cursor() as cursor:
                cursor.execute(f"UPDATE {table} SET amount = amount + 1 WHERE id = 2")
                opened.set()
                deadline = started + SEEN_LOCK_SECONDS
                while not seen["locks"] and time.monotonic() < deadline:
                    seen["locks"] = locks_held(table, other_than_me=True)
                    time.sleep(0.01)
                seen["building"].set()
                time.sleep(max(0.0, hold_ms / 1000 - (time.monotonic() - started)))
            span.detail = "saw " + (", ".join(seen["locks"]) or "no lock")
    finally:
        opened.set()
        seen["building"].set()
        connection.close()


def build_concurrently(trace, table: str, opened: threading.Event) -> None:
    """AddIndexConcurrently's call: outside any transaction (the migration has atomic = False)."""
    opened.wait(5)
    try:
        with (
            trace.span("migration: CREATE INDEX CONCURRENTLY", "db"),
            connection.schema_editor(atomic=False) as editor,
        ):
            editor.execute(f"SET lock_timeout = '{LOCK_TIMEOUT}'")
            try:
                editor.add_index(throwaway_model(table), index_on_amount(table), concurrently=True)
            finally:
                editor.execute("RESET lock_timeout")  # a pooled connection outlives this run
    except DatabaseError:
        pass  # the span records the error
    finally:
        connection.close()


@migration_locks.variant(
    "add-index-concurrently",
    title="AddIndexConcurrently: CREATE INDEX CONCURRENTLY",
    databases=frozenset({"postgresql"}),
)
async def add_index_concurrently(request, params, trace):
    hold_ms = params["hold_ms"]
    async with throwaway_table(trace, params["rows"]) as table:
        opened = threading.Event()
        seen: dict = {"locks": [], "rewritten": False, "building": threading.Event()}
        await asyncio.gather(
            sync_to_async(request_in_flight, thread_sensitive=False)(
                trace, table, hold_ms, opened, seen
            ),
            sync_to_async(build_concurrently, thread_sensitive=False)(trace, table, opened),
            app_after(seen["building"], trace, READ, f"SELECT count(*) FROM {table}"),
            app_after(
                seen["building"],
                trace,
                WRITE,
                f"UPDATE {table} SET amount = amount + 1 WHERE id = 1",
            ),
        )
        result = outcome(trace, seen, hold_ms)
        build = next(s for s in trace.spans if s.label == "migration: CREATE INDEX CONCURRENTLY")
        result["index_build_took_ms"] = round(build.end_ms - build.start_ms, 1)
        return result
