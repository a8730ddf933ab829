"""The demos' own database.

On SQLite, one write lock covers a whole file: a locking demo holding a transaction open would
make every learner's rating wait behind it. So when settings define a "demos" database (they
do on SQLite), the playground's models live there and nothing else does. On PostgreSQL, rows
lock one by one and the demos share the one database.
"""

from functools import partial

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils.connection import ConnectionProxy

APP = "playground"


def demo_alias() -> str:
    return "demos" if "demos" in settings.DATABASES else DEFAULT_DB_ALIAS


class DemoDatabaseRouter:
    def db_for_read(self, model, **hints) -> str | None:
        return demo_alias() if model._meta.app_label == APP else None

    db_for_write = db_for_read

    def allow_relation(self, obj1, obj2, **hints) -> bool | None:
        return None

    def allow_migrate(self, db: str, app_label: str, **hints) -> bool | None:
        if "demos" not in settings.DATABASES:
            return None
        return (app_label == APP) == (db == "demos")


# What the demos import instead of django.db's: the same API, on the demos' database.
connection = ConnectionProxy(connections, demo_alias())
atomic = partial(transaction.atomic, using=demo_alias())
on_commit = partial(transaction.on_commit, using=demo_alias())
