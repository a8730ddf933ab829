"""The source of the code that ran, read from the running module and highlighted."""

import contextlib
import inspect
from functools import cache
from pathlib import Path

from django.conf import settings
from django.utils.safestring import SafeString, mark_safe
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer

from .runner import VARIANTS


@cache
def variant_source(demo_id: str, name: str) -> dict:
    func = VARIANTS[demo_id, name].func
    lines, first = inspect.getsourcelines(func)
    path = Path(inspect.getsourcefile(func)).resolve()
    with contextlib.suppress(ValueError):
        path = path.relative_to(Path(settings.BASE_DIR))
    code = "".join(lines)
    html = highlight(code, PythonLexer(), HtmlFormatter(cssclass="highlight"))
    return {"file": str(path), "line": first, "code": code, "html": html}


def highlighted(demo_id: str, name: str) -> SafeString:
    return mark_safe(variant_source(demo_id, name)["html"])  # noqa: S308 - Pygments output
