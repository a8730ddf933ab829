"""Context every page's template gets."""

from django.http import HttpRequest
from django.middleware.csrf import get_token


def csrf_cookie(request: HttpRequest) -> dict:
    """Pages carry no CSRF token; their scripts post with the csrftoken cookie (static/js/
    csrf.js), so every rendered page sets it, as `ensure_csrf_cookie` would."""
    get_token(request)
    return {}
