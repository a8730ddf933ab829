import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.settings import BASE_DIR, database
from ops.environment import boolean


def test_sqlite_default_uses_wal_and_immediate_transactions():
    options = database("sqlite:///db.sqlite3")["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in options["init_command"]


def test_database_url_postgres_uses_pool_and_no_persistent_connections():
    db = database("postgres://lab:s%40cret@db.local:5433/interview")
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["NAME"], db["USER"], db["PASSWORD"]) == ("interview", "lab", "s@cret")
    assert (db["HOST"], db["PORT"]) == ("db.local", "5433")
    assert db["CONN_MAX_AGE"] == 0
    assert db["OPTIONS"]["pool"]["timeout"] == 10


def test_database_url_sqlite_paths():
    assert str(database("sqlite:////tmp/x.db")["NAME"]) == "/tmp/x.db"
    assert database("sqlite:///data/x.db")["NAME"] == BASE_DIR / "data/x.db"


def test_database_url_rejects_unknown_scheme():
    with pytest.raises(ImproperlyConfigured, match="not supported"):
        database("mysql://x")


@pytest.mark.parametrize(("word", "value"), [("1", True), ("ON", True), ("OFF", False)])
def test_boolean_reads_django_environs_words(monkeypatch, word, value):
    monkeypatch.setenv("X_FLAG", word)
    assert boolean("X_FLAG", not value) is value


def test_an_empty_boolean_is_its_default(monkeypatch):
    monkeypatch.setenv("X_FLAG", "")
    assert boolean("X_FLAG", True) is True and boolean("X_FLAG", False) is False


def test_boolean_rejects_nonsense(monkeypatch):
    monkeypatch.setenv("X_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="X_FLAG"):
        boolean("X_FLAG", False)


@pytest.mark.parametrize(
    ("word", "printed"), [("OFF", "0"), ("off", "0"), ("On", "1"), (None, "1")]
)
def test_the_shell_reads_booleans_through_the_same_code(monkeypatch, word, printed):
    env = {"PATH": "/usr/bin:/bin"} | ({"DJANGO_DEBUG": word} if word is not None else {})
    result = subprocess.run(
        [sys.executable, "-m", "ops.environment", "bool", "DJANGO_DEBUG", "1"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.stdout.strip() == printed, result.stderr


def test_daphne_is_first_app():
    from django.conf import settings

    assert settings.INSTALLED_APPS[0] == "daphne"
    assert settings.ASGI_APPLICATION == "config.asgi.application"
