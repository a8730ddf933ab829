"""This site's own deployment, read from the running process."""

import os
import platform
import sys

import django
from django.conf import settings
from django.core import checks
from django.db import connection

from ops.disclosure import shows_server_details

from ..registry import Demo

deployment = Demo(
    id="deployment",
    order=130,
    title="This server's own deployment",
    description="Which ASGI server, how many workers, which database and cache this "
    "site runs with right now, and what check --deploy says about it.",
    params={},
    compare=False,
)

SERVERS = [("uvicorn", "Uvicorn"), ("granian", "Granian"), ("daphne.server", "Daphne")]


def asgi_server(request) -> str:
    # The server module that imported us is the one serving this request.
    for module, name in SERVERS:
        if module in sys.modules:
            return name
    return "none (not served over ASGI)" if not hasattr(request, "scope") else "unknown"


LEVELS = {
    checks.DEBUG: "debug",
    checks.INFO: "info",
    checks.WARNING: "warning",
    checks.ERROR: "error",
    checks.CRITICAL: "critical",
}


def deploy_check_messages() -> list[dict]:
    return [
        {"id": message.id, "level": LEVELS.get(message.level, ""), "message": message.msg}
        for message in checks.run_checks(include_deployment_checks=True)
    ]


@deployment.variant("live", title="the running configuration")
def running_configuration(request, params, trace):
    with trace.span("manage.py check --deploy", "cpu"):
        findings = deploy_check_messages()
    database = settings.DATABASES["default"]
    return {
        "server": asgi_server(request),
        "workers": os.environ.get("WEB_CONCURRENCY", "1"),
        **(
            {
                "pid": os.getpid(),
                "python": platform.python_version(),
                "django": django.get_version(),
            }
            if shows_server_details(request)
            else {}
        ),
        "debug": settings.DEBUG,
        "database": {
            "vendor": connection.vendor,
            "conn_max_age": database.get("CONN_MAX_AGE", 0),
            "pool": bool(database.get("OPTIONS", {}).get("pool")),
            "transaction_mode": database.get("OPTIONS", {}).get("transaction_mode", ""),
        },
        "cache": settings.CACHES["default"]["BACKEND"],
        "check_deploy": findings,
    }
