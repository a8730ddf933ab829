"""The WSGI vs ASGI lesson's proxy-header claim, through Uvicorn's own middleware and Django's
ASGI request, with no server."""

import io

import pytest
from asgiref.sync import async_to_sync
from django.core.handlers.asgi import ASGIRequest
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware


def through_uvicorn(client_ip: str) -> tuple[bool, str]:
    """What Django sees of a request a proxy at `client_ip` forwarded for an HTTPS client."""
    seen = []

    async def django_side(scope, receive, send):
        request = ASGIRequest(scope, io.BytesIO())
        seen.append((request.is_secure(), request.META["REMOTE_ADDR"]))

    scope = {
        "type": "http",
        "scheme": "http",
        "method": "GET",
        "path": "/",
        "query_string": b"",
        "root_path": "",
        "client": (client_ip, 50_000),
        "server": ("127.0.0.1", 8000),
        "headers": [
            (b"host", b"127.0.0.1"),
            (b"x-forwarded-proto", b"https"),
            (b"x-forwarded-for", b"203.0.113.7"),
        ],
    }
    # Uvicorn's default --forwarded-allow-ips.
    app = ProxyHeadersMiddleware(django_side, trusted_hosts="127.0.0.1,::1")
    async_to_sync(app)(scope, None, None)
    return seen[0]


def test_behind_a_trusted_local_proxy_the_request_is_secure_without_django_settings(settings):
    settings.SECURE_PROXY_SSL_HEADER = None  # Django is told nothing about the proxy
    assert through_uvicorn("127.0.0.1") == (True, "203.0.113.7")


@pytest.mark.parametrize("proxy", ["10.0.0.2", "198.51.100.1"])
def test_a_proxy_not_listed_is_not_believed(settings, proxy):
    settings.SECURE_PROXY_SSL_HEADER = None
    assert through_uvicorn(proxy) == (False, proxy)
