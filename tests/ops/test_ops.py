import os
import secrets
import subprocess
import sys

import pytest
from django.test import Client

from ops.ratelimit import client_key
from tests.playground.http import get
from tests.servers import BASE_DIR

PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "DJANGO_ALLOWED_HOSTS": "lab.example.com",
    "DJANGO_HTTPS": "1",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://lab.example.com",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_check_deploy_is_clean_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = manage("check", DJANGO_DEBUG="0", DJANGO_SECRET_KEY="")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("REDIS_URL", "redis://127.0.0.1:1/0"),
        ("CELERY_BROKER_URL", "amqp://guest:guest@127.0.0.1:1//"),
        ("DATABASE_URL", "postgres://lab:hunter2@127.0.0.1:1/lab"),
    ],
)
def test_an_unreachable_service_stops_the_start_naming_the_variable(variable, value):
    result = manage("check_services", **{variable: value})
    assert result.returncode == 1
    assert f"{variable} (" in result.stderr and "cannot connect" in result.stderr
    assert "hunter2" not in result.stderr and "Traceback" not in result.stderr


@pytest.mark.django_db
def test_health_reports_database_and_cache():
    response = Client(HTTP_HOST="127.0.0.1").get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


class GoneCache:
    def set(self, *args, **kwargs):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


@pytest.mark.django_db
def test_health_names_a_failing_cache_and_keeps_its_reason_for_developers(monkeypatch, settings):
    monkeypatch.setattr("ops.services.cache", GoneCache())
    response = Client(HTTP_HOST="127.0.0.1").get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "failing",
        "database": "ok",
        "cache": "failing: see the server log",
    }
    settings.DEBUG = True
    body = Client(HTTP_HOST="127.0.0.1").get("/healthz").json()
    assert (
        body["cache"]
        == "failing: ConnectionError: Error 111 connecting to 127.0.0.1:6379. Connection refused."
    )


def test_real_server_sends_security_headers_and_serves_hashed_static(asgi_server):
    page = get(asgi_server.url + "/lessons/async-views/")
    assert page.status == 200
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    css = next(part for part in page.body.decode().split('"') if "/static/css/site." in part)
    assert css != "/static/css/site.css"  # a hashed name
    asset = get(asgi_server.url + css)
    assert asset.status == 200
    assert "immutable" in asset.headers.get("Cache-Control", "")
    assert "max-age=315360000" in asset.headers.get("Cache-Control", "")


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("192.0.2.7", "192.0.2.7"),
        ("::ffff:192.0.2.7", "192.0.2.7"),  # an IPv4 client seen through an IPv6 socket
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:bbbb::9", "2001:db8:1:2::/64"),  # the same subscriber, the same client
        ("unknown", "unknown"),
    ],
)
def test_limits_count_an_ipv6_client_by_its_64_block(address, key):
    assert client_key(address) == key


def test_an_answer_given_in_front_of_django_carries_the_sites_security_headers():
    import asyncio

    from ops.asgi import respond

    sent: list[dict] = []

    async def send(message: dict) -> None:
        sent.append(message)

    asyncio.run(respond(send, 413, "too big"))
    headers = dict(sent[0]["headers"])
    assert sent[0]["status"] == 413
    assert headers[b"x-content-type-options"] == b"nosniff"
    assert headers[b"referrer-policy"] == b"same-origin"
    assert headers[b"content-security-policy"].startswith(b"default-src 'self'")
