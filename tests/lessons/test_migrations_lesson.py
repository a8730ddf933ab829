"""The zero-downtime migrations lesson's code blocks, run on Django 5.2: the timeouts its
migration sets, AddIndexConcurrently refusing an atomic migration, and the batched,
reversible backfill against a real table."""

from types import SimpleNamespace

import pytest
from django.apps.registry import Apps
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import NotSupportedError, connection, migrations, models
from django.test.utils import CaptureQueriesContext

from tests.helpers import lesson_code

SLUG = "migrations-without-downtime"


def test_the_timeouts_migration_sets_lock_timeout_first():
    migration = lesson_code(SLUG, "SET LOCAL lock_timeout")["Migration"]
    first, second = migration.operations
    assert isinstance(first, migrations.RunSQL) and first.reversible
    assert "SET LOCAL lock_timeout = '3s'" in first.sql
    assert isinstance(second, migrations.AddField) and second.field.null


@pytest.mark.database
@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="lock_timeout is PostgreSQL's")
def test_set_local_lasts_for_the_transaction():
    migration = lesson_code(SLUG, "SET LOCAL lock_timeout")["Migration"]
    with connection.cursor() as cursor:  # the test's transaction stands for the migration's
        cursor.execute(migration.operations[0].sql)
        cursor.execute("SHOW lock_timeout")
        assert cursor.fetchone() == ("3s",)
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone() == ("1min",)


@pytest.mark.django_db  # a test runs inside a transaction, as an atomic migration does
def test_add_index_concurrently_refuses_to_run_inside_a_transaction():
    migration = lesson_code(SLUG, "AddIndexConcurrently(")["Migration"]
    [operation] = migration.operations
    assert migration.atomic is False and isinstance(operation, AddIndexConcurrently)
    assert connection.in_atomic_block
    editor = SimpleNamespace(connection=connection)  # it checks before it touches anything
    with pytest.raises(NotSupportedError, match="set atomic = False on the migration"):
        operation.database_forwards("shop", editor, None, None)


def order_model() -> type[models.Model]:
    meta = type("Meta", (), {"app_label": "shop", "db_table": "lesson_shop_order", "apps": Apps()})
    attrs = {"__module__": __name__, "Meta": meta, "gift_wrap": models.BooleanField(null=True)}
    return type("Order", (models.Model,), attrs)


@pytest.fixture
def orders(transactional_db):
    """A real shop_order table of 2,500 rows whose new column is still NULL."""
    order = order_model()
    with connection.schema_editor() as editor:
        editor.create_model(order)
    try:
        order.objects.bulk_create([order() for _ in range(2500)])
        yield order
    finally:
        with connection.schema_editor() as editor:
            editor.delete_model(order)


def test_the_backfill_runs_in_batches_and_reverses(orders):
    code = lesson_code(SLUG, "def backfill_gift_wrap(")
    apps = SimpleNamespace(get_model=lambda app, name: orders)
    editor = SimpleNamespace(connection=connection)
    with CaptureQueriesContext(connection) as sent:
        code["backfill_gift_wrap"](apps, editor)
    updates = [q["sql"] for q in sent if q["sql"].startswith("UPDATE")]
    assert len(updates) == 3  # 1,000 + 1,000 + 500 rows, each batch its own transaction
    assert orders.objects.filter(gift_wrap=False).count() == 2500

    code["backfill_gift_wrap"](apps, editor)  # run again: nothing left to do, nothing breaks
    code["clear_gift_wrap"](apps, editor)
    assert orders.objects.filter(gift_wrap__isnull=True).count() == 2500

    migration = code["Migration"]
    [operation] = migration.operations
    assert migration.atomic is False and operation.reversible
    assert not migrations.RunPython(code["backfill_gift_wrap"]).reversible
    assert migrations.RunPython(code["backfill_gift_wrap"], migrations.RunPython.noop).reversible
