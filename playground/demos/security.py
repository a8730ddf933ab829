"""Where Django protects you and where it doesn't: SQL injection, XSS and CSRF, each tried
for real on this server against a throwaway table, a throwaway page and a throwaway view.

Nothing the browser sends reaches a query or a template: the attacks are fixed strings, and
what they produce comes back as text for the panel to show, never as markup for it to run.
"""

import contextlib
import logging
import threading
import uuid
from collections.abc import Callable, Iterator
from html.parser import HTMLParser

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware, get_token
from django.template import engines
from django.test import RequestFactory
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.views.decorators.csrf import csrf_exempt

from ..models import Account
from ..registry import Demo, Param
from ..routers import connection

# --- SQL injection -------------------------------------------------------------------------

sql_injection = Demo(
    id="sql-injection",
    order=140,
    title="SQL injection: an f-string against query parameters",
    description="One name looked up in a throwaway table of accounts, the query built with "
    "an f-string and then with parameters, and the name is an injection.",
    params={"accounts": Param(3, 2, 20, "accounts in the throwaway table")},
    compare=False,
)

# What an attacker types into the "your name" box.
INJECTION = "nobody' OR '1'='1"


@contextlib.contextmanager
def throwaway_accounts(count: int) -> Iterator[str]:
    """A temporary table of `count` accounts, seen only by this connection, dropped after."""
    table = f"demo_accounts_{uuid.uuid4().hex[:12]}"
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE {table} (id INTEGER PRIMARY KEY, owner TEXT, balance INTEGER)"
        )
        cursor.executemany(
            f"INSERT INTO {table} (id, owner, balance) VALUES (%s, %s, %s)",
            [(n, f"customer-{n}", 1000 * n) for n in range(1, count + 1)],
        )
    try:
        yield table
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE {table}")


def looked_up(rows: list[Account], table_size: int) -> dict:
    return {
        "name_typed": INJECTION,
        "rows_in_table": table_size,
        "rows_returned": len(rows),
        "balances_disclosed": [row.balance for row in rows],
    }


@sql_injection.variant("f-string", title="raw() with an f-string (wrong)")
def sql_with_an_f_string(request, params, trace):
    with (
        throwaway_accounts(params["accounts"]) as table,
        trace.span("raw(f\"... WHERE owner = '{name}'\")", "db"),
    ):
        # Wrong: the name becomes part of the SQL, so its quote ends the string early
        # and OR '1'='1' turns the filter into "every row".
        sql = f"SELECT id, owner, balance FROM {table} WHERE owner = '{INJECTION}'"
        rows = list(Account.objects.raw(sql))
    return looked_up(rows, params["accounts"])


@sql_injection.variant("params", title="raw() with params")
def sql_with_params(request, params, trace):
    with (
        throwaway_accounts(params["accounts"]) as table,
        trace.span('raw("... WHERE owner = %s", [name])', "db"),
    ):
        # Right: the driver sends the name as a value, never as SQL. Only the table
        # name is formatted in, and it is ours, not the user's.
        sql = f"SELECT id, owner, balance FROM {table} WHERE owner = %s"
        rows = list(Account.objects.raw(sql, [INJECTION]))
    return looked_up(rows, params["accounts"])


# --- XSS -----------------------------------------------------------------------------------

xss = Demo(
    id="xss",
    order=141,
    title="XSS: autoescaping, |safe, mark_safe and format_html",
    description="A comment holding a <script> rendered into a throwaway page five ways; the "
    "page comes back as text, and a parser counts what a browser would have run.",
    params={},
    compare=False,
)

COMMENT = '<script>alert("stolen: " + document.cookie)</script>'
WEBSITE = "javascript:alert(document.cookie)"


class LiveMarkup(HTMLParser):
    """Counts what in a page a browser would treat as code: <script> elements, and links
    whose address is a javascript: URL."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts = 0
        self.javascript_links = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self.scripts += 1
        href = dict(attrs).get("href") or ""
        if tag == "a" and href.strip().lower().startswith("javascript:"):
            self.javascript_links += 1


def inspected(page: str) -> dict:
    parser = LiveMarkup()
    parser.feed(page)
    parser.close()
    return {
        "page_html": page,
        "script_elements": parser.scripts,
        "javascript_links": parser.javascript_links,
    }


def render(template: str, **context: object) -> str:
    return engines["django"].from_string(template).render(context)


@xss.variant("safe-filter", title="{{ comment|safe }} (wrong)")
def xss_safe_filter(request, params, trace):
    with trace.span("render {{ comment|safe }}", "cpu"):
        # Wrong: |safe switches escaping off for a value a visitor wrote.
        page = render("<p>{{ comment|safe }}</p>", comment=COMMENT)
    return inspected(page)


@xss.variant("autoescape", title="{{ comment }}, autoescaped")
def xss_autoescape(request, params, trace):
    with trace.span("render {{ comment }}", "cpu"):
        # Right: the template engine escapes < > & ' " in every variable by default.
        page = render("<p>{{ comment }}</p>", comment=COMMENT)
    return inspected(page)


@xss.variant("mark-safe", title="mark_safe(f-string) in Python (wrong)")
def xss_mark_safe(request, params, trace):
    with trace.span("mark_safe(f'<p>{comment}</p>')", "cpu"):
        # Wrong: mark_safe vouches for the whole string, the visitor's part included.
        fragment = mark_safe(f"<p>{COMMENT}</p>")
        page = render("{{ fragment }}", fragment=fragment)
    return inspected(page)


@xss.variant("format-html", title="format_html() in Python")
def xss_format_html(request, params, trace):
    with trace.span("format_html('<p>{}</p>', comment)", "cpu"):
        # Right: format_html escapes each argument and marks only the result safe.
        fragment = format_html("<p>{}</p>", COMMENT)
        page = render("{{ fragment }}", fragment=fragment)
    return inspected(page)


@xss.variant("javascript-url", title='<a href="{{ website }}">, autoescaped (still wrong)')
def xss_javascript_url(request, params, trace):
    with trace.span('render <a href="{{ website }}">', "cpu"):
        # Autoescaping keeps the value inside the quotes, but a javascript: URL needs no
        # quotes or brackets: the link runs code when clicked. Validate URLs on the way in.
        page = render('<a href="{{ website }}">my site</a>', website=WEBSITE)
    return inspected(page)


# --- CSRF ----------------------------------------------------------------------------------

csrf = Demo(
    id="csrf",
    order=142,
    title="CSRF: the token, the Origin check and csrf_exempt",
    description="Three POSTs to a throwaway transfer view through Django's "
    "CsrfViewMiddleware: the site's own form, a forged one from another site, and one with "
    "no token.",
    params={},
    compare=False,
)

ATTACKER = "https://attacker.example"


@contextlib.contextmanager
def refusals() -> Iterator[list[str]]:
    """The reasons CsrfViewMiddleware logs on this thread for the requests it refuses. They
    are the demo's forgeries, not attacks on the site: kept here, and kept out of the site's
    own security log (a logger's filter runs before any handler sees the record)."""
    reasons: list[str] = []
    thread = threading.get_ident()

    def keep(record: logging.LogRecord) -> bool:
        if record.thread != thread:
            return True  # another request's: the log gets it as usual
        reasons.append(str(record.args[0]) if record.args else record.getMessage())
        return False

    csrf_logger = logging.getLogger("django.security.csrf")
    csrf_logger.addFilter(keep)
    try:
        yield reasons
    finally:
        csrf_logger.removeFilter(keep)


def through_middleware(view: Callable, request: HttpRequest) -> HttpResponse:
    """What Django's handler does for a view with CsrfViewMiddleware in MIDDLEWARE:
    process_request, then process_view (which may answer 403 itself), the view, and
    process_response (which sets the cookie)."""
    middleware = CsrfViewMiddleware(view)
    middleware.process_request(request)
    response = middleware.process_view(request, view, (), {}) or view(request)
    return middleware.process_response(request, response)


def three_posts(request: HttpRequest, view: Callable, transfers: list[str]) -> dict:
    host = request.get_host()  # validated against ALLOWED_HOSTS already
    factory = RequestFactory(HTTP_HOST=host)

    # The victim opens the transfer form on the real site: it gets the cookie and the token.
    form_page = through_middleware(view, factory.get("/transfer/"))
    cookie = form_page.cookies[settings.CSRF_COOKIE_NAME].value
    token = form_page.content.decode()
    factory.cookies[settings.CSRF_COOKIE_NAME] = cookie  # the browser sends it from now on

    posts = {
        "own_form_with_token": factory.post(
            "/transfer/",
            {"to": "landlord", "csrfmiddlewaretoken": token},
            HTTP_ORIGIN=f"http://{host}",
        ),
        "forged_form_on_attacker_example": factory.post(
            "/transfer/", {"to": "attacker"}, HTTP_ORIGIN=ATTACKER
        ),
        "script_without_origin_or_token": factory.post("/transfer/", {"to": "attacker"}),
    }
    answers = {}
    with refusals() as reasons:
        for label, post in posts.items():
            before = len(reasons)
            response = through_middleware(view, post)
            reason = reasons[before] if len(reasons) > before else ""
            answers[label] = f"{response.status_code} {reason}".strip()
    return {**answers, "transfers_made": transfers}


def transfer_view(transfers: list[str]) -> Callable[[HttpRequest], HttpResponse]:
    """The throwaway view: GET shows the form's token, POST makes a transfer."""

    def transfer(request: HttpRequest) -> HttpResponse:
        if request.method == "POST":
            transfers.append(request.POST["to"])
            return HttpResponse("sent")
        return HttpResponse(get_token(request))

    return transfer


@csrf.variant("csrf-exempt", title="@csrf_exempt on the view (wrong)")
def csrf_on_an_exempt_view(request, params, trace):
    transfers: list[str] = []
    # Wrong: csrf_exempt tells the middleware to skip this view, forged posts included.
    view = csrf_exempt(transfer_view(transfers))
    with trace.span("3 POSTs through CsrfViewMiddleware", "cpu"):
        return three_posts(request, view, transfers)


@csrf.variant("protected", title="the default: CsrfViewMiddleware checks every POST")
def csrf_on_a_protected_view(request, params, trace):
    transfers: list[str] = []
    # Right: nothing to add. The middleware checks Origin, then the token, before the view.
    view = transfer_view(transfers)
    with trace.span("3 POSTs through CsrfViewMiddleware", "cpu"):
        return three_posts(request, view, transfers)
