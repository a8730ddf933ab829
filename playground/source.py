"""The source of the code that ran, read from the running module and highlighted."""

import contextlib
import inspect
from functools import cache
from pathlib import Path

from django.conf import settings
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer

from .registry import Variant


@cache
def variant_source(variant: Variant) -> dict:
    lines, first = inspect.getsourcelines(variant.func)
    path = Path(inspect.getsourcefile(variant.func)).resolve()
    with contextlib.suppress(ValueError):
        path = path.relative_to(Path(settings.BASE_DIR))
    code = "".join(lines)
    html = highlight(code, PythonLexer(), HtmlFormatter(cssclass="highlight"))
    return {"file": str(path), "line": first, "code": code, "html": html}
