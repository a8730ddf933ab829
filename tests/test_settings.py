import pytest
from django.core.exceptions import ImproperlyConfigured

from config.settings import BASE_DIR, database_from_url, env_bool


def test_sqlite_default_uses_wal_and_immediate_transactions():
    from django.conf import settings

    options = settings.DATABASES["default"]["OPTIONS"]
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        assert options["transaction_mode"] == "IMMEDIATE"
        assert "journal_mode=WAL" in options["init_command"]


def test_database_url_postgres_uses_pool_and_no_persistent_connections():
    db = database_from_url("postgres://lab:s%40cret@db.local:5433/interview")
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["NAME"], db["USER"], db["PASSWORD"]) == ("interview", "lab", "s@cret")
    assert (db["HOST"], db["PORT"]) == ("db.local", "5433")
    assert db["CONN_MAX_AGE"] == 0
    assert db["OPTIONS"]["pool"]["timeout"] == 10


def test_database_url_sqlite_paths():
    assert str(database_from_url("sqlite:////tmp/x.db")["NAME"]) == "/tmp/x.db"
    assert database_from_url("sqlite:///data/x.db")["NAME"] == BASE_DIR / "data/x.db"


def test_database_url_rejects_unknown_scheme():
    with pytest.raises(ImproperlyConfigured, match="not supported"):
        database_from_url("mysql://x")


def test_env_bool_rejects_nonsense(monkeypatch):
    monkeypatch.setenv("X_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="X_FLAG"):
        env_bool("X_FLAG", False)


def test_daphne_is_first_app():
    from django.conf import settings

    assert settings.INSTALLED_APPS[0] == "daphne"
    assert settings.ASGI_APPLICATION == "config.asgi.application"
