"""The web-security lesson's examples, run on the installed Django: parameterised SQL that a
hostile name cannot change, HTML built with format_html, the signed webhook that needs no CSRF
token, and the defaults the lesson quotes."""

import hashlib
import hmac
import importlib

import pytest
from django.conf import global_settings
from django.db.models import Q
from django.template import engines
from django.test import Client
from django.urls import path

from playground.models import Account
from tests.helpers import lesson_code

HOSTILE = "nobody' OR '1'='1"
SECRET = "webhook-secret-for-tests"


@pytest.fixture
def accounts(db):
    for owner, balance in (("ada", 10), ("grace", 500), ("linus", 70)):
        Account.objects.create(owner=owner, balance=balance)


def test_the_lessons_parameterised_queries_find_one_owner_and_ignore_an_injection(accounts):
    code = lesson_code("web-security", "def accounts_named(")
    assert [a.owner for a in code["accounts_named"]("ada")] == ["ada"]
    assert code["accounts_named"](HOSTILE) == []
    assert code["total_for"]("grace") == 500
    assert code["total_for"](HOSTILE) == 0
    assert [a.owner for a in code["accounts_over"](60)] == ["grace", "linus"]
    assert code["count_owners_like"]("a") == 1
    assert code["count_owners_like"](HOSTILE) == 0


def test_sorting_takes_only_the_allowed_columns(accounts):
    code = lesson_code("web-security", "def accounts_sorted_by(")
    assert [a.owner for a in code["accounts_sorted_by"]("balance")] == ["grace", "linus", "ada"]
    with pytest.raises(ValueError, match="cannot sort by 'password'"):
        code["accounts_sorted_by"]("password")


def test_the_connector_keyword_is_refused_on_this_django():
    """CVE-2025-64459, fixed in 5.2.8: _connector from a dict can no longer carry SQL."""
    with pytest.raises(ValueError, match="_connector must be one of"):
        Q(**{"owner": "ada", "_connector": "OR 1=1 --"})


def test_format_html_escapes_the_arguments_and_keeps_the_markup():
    code = lesson_code("web-security", "def comment_html(")
    html = code["comment_html"]("<b>eve</b>", '<script>alert("x")</script>')
    assert html.startswith('<p class="comment"><b>&lt;b&gt;eve&lt;/b&gt;</b>: &lt;script&gt;')
    assert code["tag_list"](["<i>", "django"]) == "<ul><li>&lt;i&gt;</li><li>django</li></ul>"


def test_autoescaping_escapes_quotes_and_leaves_a_javascript_url_alone():
    render = engines["django"].from_string('<a href="{{ url }}">{{ text }}</a>').render
    page = render({"url": "javascript:alert(1)", "text": 'it\'s "<here>"'})
    assert page == '<a href="javascript:alert(1)">it&#x27;s &quot;&lt;here&gt;&quot;</a>'


def signed(body: bytes, secret: str = SECRET) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


webhook = lesson_code("web-security", "def payment_webhook(")["payment_webhook"]
urlpatterns = [path("webhook/", webhook)]


@pytest.mark.urls(__name__)
def test_the_exempt_webhook_takes_a_signed_post_without_a_csrf_token(settings):
    settings.PAYMENT_WEBHOOK_SECRET = SECRET
    settings.ALLOWED_HOSTS = ["testserver"]
    client = Client(enforce_csrf_checks=True)
    body = b'{"paid": 42}'
    ok = client.post(
        "/webhook/", body, content_type="application/json", headers={"X-Signature": signed(body)}
    )
    assert (ok.status_code, ok.content) == (200, b"ok")
    forged = client.post(
        "/webhook/",
        body,
        content_type="application/json",
        headers={"X-Signature": signed(body, "guessed")},
    )
    assert forged.status_code == 403
    assert client.get("/webhook/").status_code == 405  # require_POST


def test_the_defaults_the_lesson_quotes():
    g = global_settings
    assert g.X_FRAME_OPTIONS == "DENY"
    assert g.SECURE_CONTENT_TYPE_NOSNIFF is True
    assert g.SECURE_REFERRER_POLICY == g.SECURE_CROSS_ORIGIN_OPENER_POLICY == "same-origin"
    assert (g.SECURE_SSL_REDIRECT, g.SECURE_HSTS_SECONDS, g.SECURE_PROXY_SSL_HEADER) == (
        False,
        0,
        None,
    )
    assert (g.SESSION_COOKIE_SECURE, g.CSRF_COOKIE_SECURE, g.CSRF_COOKIE_HTTPONLY) == (
        False,
        False,
        False,
    )
    assert g.SESSION_COOKIE_SAMESITE == g.CSRF_COOKIE_SAMESITE == "Lax"
    assert not hasattr(g, "SECURE_BROWSER_XSS_FILTER")


def test_django_5_2_has_no_csp_middleware_of_its_own():
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("django.middleware.csp")
