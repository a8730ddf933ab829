"""The exercise database: created at warm-up, filled from the exercise's data, read back."""

from django.core import mail
from django.db import connection

from .models import MODELS

ROWS = 100  # rows of each table that the checks see


def create_tables() -> None:
    with connection.schema_editor() as editor:
        for model in MODELS.values():
            editor.create_model(model)


def load(data: dict) -> None:
    """`data` maps a model name to its rows: {"Account": [{"owner": "ada", "balance": 100}]}."""
    for name, rows in data.items():
        model = MODELS.get(name)
        if model is None:
            raise ValueError(f"no table {name!r} (there are: {', '.join(MODELS)})")
        model.objects.bulk_create(model(**row) for row in rows)
    connection.close()


def read() -> dict:
    """Every table's rows (the first ROWS, by id) and the mails sent, as plain JSON values."""
    try:
        snapshot: dict = {
            name: [_plain(row) for row in model.objects.order_by("pk").values()[:ROWS]]
            for name, model in MODELS.items()
        }
    finally:
        connection.close()
    snapshot["outbox"] = [
        {"subject": m.subject, "to": list(m.to), "body": m.body[:1000]}
        for m in getattr(mail, "outbox", [])[:ROWS]
    ]
    return snapshot


def _plain(row: dict) -> dict:
    return {
        key: value if isinstance(value, int | float | str | bool | None) else str(value)
        for key, value in row.items()
    }
