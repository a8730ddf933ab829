import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers import RunningServer, start_daphne

# In-process tests may share a Redis with a running site (REDIS_URL): keep their keys apart.
os.environ.setdefault("DJANGO_CACHE_PREFIX", f"test-{uuid.uuid4().hex[:8]}")


# Tests that start a real ASGI server, a browser or a sandbox are marked `server`; the fast
# lane runs everything else, in-process: `.venv/bin/python -m pytest -m "not server"`.
SERVER_FIXTURES = {"asgi_server", "browser", "real_sandbox"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if SERVER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.server)


@pytest.fixture(autouse=True)
def fresh_counters():
    """In-process tests share one process: each starts with empty rate counters and caches."""
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    for alias in ("default", "limits", "sessions"):
        cache = caches[alias]
        if isinstance(cache, RedisCache):
            # Never clear(): on Redis that is FLUSHDB, for every prefix on the server.
            client = cache._cache.get_client(write=True)
            for key in client.scan_iter(f"{cache.key_prefix}:*"):
                client.delete(key)
        else:
            cache.clear()
    from playground.limits import blocking_budget, cpu_budget

    blocking_budget.forget()
    cpu_budget.forget()
    yield


@pytest.fixture
def lessons_dir(tmp_path: Path, settings) -> Path:
    """A scratch copy of the lesson content that the catalog reads instead of the real one."""
    target = tmp_path / "content"
    shutil.copytree(Path(settings.BASE_DIR) / "lessons" / "content", target)
    settings.LESSONS_DIR = target
    return target


@pytest.fixture(scope="session")
def asgi_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """The real Daphne server, started as ./run starts it, on its own database and content."""
    # The suite sends many runs from one address; the rate limit has its own tests. A load run
    # at its cap spends the whole blocking budget: a short window gives it back before the
    # next test runs (the caps, budget / cost, stay the defaults).
    server = start_daphne(
        tmp_path_factory.mktemp("asgi-server"),
        PLAYGROUND_BLOCKING_WINDOW="1",
        PLAYGROUND_RATE_LIMIT="100000",
        PLAYGROUND_CLIENT_MAX_RUNS="1000",
        PLAYGROUND_CLIENT_RUN_SECONDS="100000",
        PRACTICE_WRITES_PER_MINUTE="100000",
    )
    yield server
    server.stop()


@pytest.fixture
def client(client):
    """Django's test client, addressed to a host the settings allow."""
    client.defaults["HTTP_HOST"] = "127.0.0.1"
    return client
