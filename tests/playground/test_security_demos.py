"""The web-security lesson's demos against the real server: the injection that works and the
one that doesn't, the page that would run a script and the one that wouldn't, the forged POST
that CsrfViewMiddleware refuses. The SQL demo runs again on PostgreSQL (`database` mark)."""

import logging
import re

import pytest
from django.test import Client

from tests.playground.http import get
from tests.servers import RunningServer


def run(server: RunningServer, path: str) -> dict:
    reply = get(f"{server.url}/playground/api/{path}")
    assert reply.status == 200, reply.body
    return reply.json()


@pytest.mark.database
def test_the_f_string_returns_every_row_and_the_params_list_none(asgi_server):
    injected = run(asgi_server, "sql-injection/f-string?accounts=4")
    assert injected["result"]["rows_returned"] == 4
    assert injected["result"]["balances_disclosed"] == [1000, 2000, 3000, 4000]
    [select] = [q["sql"] for q in injected["sql"] if q["sql"].startswith("SELECT")]
    assert "WHERE owner = 'nobody' OR '1'='1'" in select

    parameterised = run(asgi_server, "sql-injection/params?accounts=4")
    assert parameterised["result"]["rows_returned"] == 0
    assert parameterised["result"]["balances_disclosed"] == []
    [select] = [q["sql"] for q in parameterised["sql"] if q["sql"].startswith("SELECT")]
    assert "nobody" not in select  # the value went to the driver, not into the SQL


@pytest.mark.database
def test_the_throwaway_table_is_dropped_after_each_run(asgi_server):
    body = run(asgi_server, "sql-injection/params")
    statements = [q["sql"].split()[0] for q in body["sql"]]
    assert statements[0] == "CREATE" and statements[-1] == "DROP"


@pytest.mark.parametrize(
    ("variant", "scripts", "links", "escaped"),
    [
        ("safe-filter", 1, 0, False),
        ("autoescape", 0, 0, True),
        ("mark-safe", 1, 0, False),
        ("format-html", 0, 0, True),
        ("javascript-url", 0, 1, False),
    ],
)
def test_what_each_way_of_rendering_leaves_a_browser_to_run(
    asgi_server, variant, scripts, links, escaped
):
    result = run(asgi_server, f"xss/{variant}")["result"]
    assert (result["script_elements"], result["javascript_links"]) == (scripts, links)
    assert ("&lt;script&gt;" in result["page_html"]) is escaped


def test_the_middleware_refuses_the_forged_post_and_the_exempt_view_takes_it(asgi_server):
    protected = run(asgi_server, "csrf/protected")["result"]
    assert protected["own_form_with_token"] == "200"
    assert re.fullmatch(
        r"403 Origin checking failed - https://attacker\.example does not match any trusted "
        r"origins\.",
        protected["forged_form_on_attacker_example"],
    )
    assert protected["script_without_origin_or_token"] == "403 CSRF token missing."
    assert protected["transfers_made"] == ["landlord"]

    exempt = run(asgi_server, "csrf/csrf-exempt")["result"]
    assert {exempt[key] for key in exempt if key != "transfers_made"} == {"200"}
    assert exempt["transfers_made"] == ["landlord", "attacker", "attacker"]


@pytest.mark.django_db
def test_the_demo_forgeries_stay_out_of_the_sites_security_log(client, caplog):
    caplog.set_level(logging.WARNING, logger="django.security.csrf")
    protected = client.get("/playground/api/csrf/protected").json()["result"]
    assert protected["script_without_origin_or_token"] == "403 CSRF token missing."
    assert not [r for r in caplog.records if r.name == "django.security.csrf"]
    # A real refusal, outside the demo, is still logged.
    client_with_checks = Client(enforce_csrf_checks=True, HTTP_HOST="127.0.0.1")
    assert client_with_checks.post("/practice/api/read", {}).status_code == 403
    assert [r for r in caplog.records if r.name == "django.security.csrf"]
