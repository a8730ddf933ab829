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


def relative_path(thing: object) -> Path:
    path = Path(inspect.getsourcefile(thing)).resolve()
    with contextlib.suppress(ValueError):
        path = path.relative_to(Path(settings.BASE_DIR))
    return path


@cache
def variant_source(variant: Variant) -> dict:
    lines, first = inspect.getsourcelines(variant.func)
    path = relative_path(variant.func)
    code = "".join(lines)
    for shown in variant.shows:  # what it drives, as it runs on the server
        shown_lines, shown_first = inspect.getsourcelines(shown)
        code += f"\n\n# {relative_path(shown)}:{shown_first}\n" + "".join(shown_lines)
    html = highlight(code, PythonLexer(), HtmlFormatter(cssclass="highlight"))
    return {"file": str(path), "line": first, "code": code, "html": html}
