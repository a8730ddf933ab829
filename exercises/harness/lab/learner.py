"""Loading the learner's code as a module, and routing the views it defines.

Errors say what went wrong and on which line of the learner's code ("SyntaxError on line 7:
invalid syntax"), since that is all the learner can act on.
"""

import errno
import functools
import sys
import traceback
import types
from collections.abc import Callable

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.urls import path

from . import urls
from .server import current_record

FILENAME = "solution.py"
PROCESSES = 64  # RLIMIT_NPROC, set by the parent (exercises/sandbox.py)


class LearnerError(Exception):
    """The learner's code could not be loaded or routed."""

    def __init__(self, kind: str, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.line = line


def load(code: str) -> types.ModuleType:
    try:
        compiled = compile(code, FILENAME, "exec", dont_inherit=True)
    except SyntaxError as exc:  # IndentationError and TabError are SyntaxErrors too
        raise LearnerError("syntax", _syntax_message(exc), exc.lineno) from None
    module = types.ModuleType("solution")
    module.__file__ = FILENAME
    sys.modules["solution"] = module
    try:
        exec(compiled, module.__dict__)  # inside the sandbox, which is the point
    except MemoryError:
        raise LearnerError("memory", "MemoryError while your code loaded") from None
    except BaseException as exc:  # SystemExit and KeyboardInterrupt too: nothing may escape
        line = learner_line(exc)
        message = f"{describe(exc, line)} (while your code loaded)"
        if isinstance(exc, BlockingIOError) and exc.errno == errno.EAGAIN:
            message += f": a run may have at most {PROCESSES} processes and threads"
        raise LearnerError("import", message, line) from None
    return module


def route(module: types.ModuleType, routes: list[list[str]]) -> None:
    """Put each named view of the learner's module at its path."""
    patterns = []
    for route_path, name in routes:
        view = getattr(module, name, None)
        if view is None:
            raise LearnerError(
                "routes", f"your code must define {name}(request): it is what {route_path} runs"
            )
        if not callable(view):
            raise LearnerError(
                "routes", f"{name} must be a function (a view), not {type(view).__name__}"
            )
        patterns.append(path(route_path.lstrip("/"), recording(view), name=name))
    urls.urlpatterns[:] = [*patterns, path(urls.PROBE_PATH, urls.probe)]


def recording(view: Callable) -> Callable:
    """The learner's view, noting in the request's trace what it raised (Django turns that into
    a 500; the check then says why)."""

    def note(exc: BaseException) -> None:
        record = current_record.get()
        if record is not None:
            record.error = describe(exc, learner_line(exc))
            record.memory_error = isinstance(exc, MemoryError)

    if iscoroutinefunction(view):

        @functools.wraps(view)
        async def async_view(*args, **kwargs):
            try:
                return await view(*args, **kwargs)
            except BaseException as exc:
                note(exc)
                raise

        return markcoroutinefunction(async_view)

    @functools.wraps(view)
    def sync_view(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except BaseException as exc:
            note(exc)
            raise

    return sync_view


def learner_line(exc: BaseException) -> int | None:
    """The line of the learner's code nearest to where `exc` was raised."""
    if isinstance(exc, SyntaxError) and exc.filename == FILENAME:
        return exc.lineno
    lines = [
        frame.lineno
        for frame in traceback.extract_tb(exc.__traceback__)
        if frame.filename == FILENAME
    ]
    return lines[-1] if lines else None


def describe(exc: BaseException, line: int | None = None) -> str:
    """ "NameError on line 3: name 'x' is not defined", as much of it as is known."""
    where = f" on line {line}" if line else ""
    message = str(exc)
    return f"{type(exc).__name__}{where}: {message}" if message else f"{type(exc).__name__}{where}"


def _syntax_message(exc: SyntaxError) -> str:
    name = type(exc).__name__
    text = (exc.text or "").strip()
    shown = f": {text}" if text else ""
    return f"{name} on line {exc.lineno}: {exc.msg}{shown}"


def install_middleware(module: types.ModuleType, names: list[str], handler) -> list[dict]:
    """Put the learner's middleware classes (outermost first) in front of their views, as
    MIDDLEWARE does, and say of each how Django saw it and whether it also works in a sync
    stack (a WSGI server's): [{"name", "sync_capable", "async_capable", "sync_call"}]."""
    if not names:
        return []
    from django.conf import settings

    for name in names:
        if not callable(getattr(module, name, None)):
            raise LearnerError("routes", f"your code must define the middleware {name}")
    settings.MIDDLEWARE = [f"{module.__name__}.{name}" for name in names]
    try:
        handler.load_middleware(is_async=True)  # as the ASGI handler does at start
    except Exception as exc:
        line = learner_line(exc)
        raise LearnerError(
            "import", f"{describe(exc, line)} (while Django set up your middleware)", line
        ) from None
    return [_middleware_info(getattr(module, name)) for name in names]


def _middleware_info(factory) -> dict:
    from django.http import HttpRequest, HttpResponse

    info = {
        "name": getattr(factory, "__name__", repr(factory)),
        "sync_capable": bool(getattr(factory, "sync_capable", True)),
        "async_capable": bool(getattr(factory, "async_capable", False)),
    }
    # In a sync stack Django hands a sync get_response and calls the result without awaiting.
    try:
        instance = factory(lambda request: HttpResponse("ok"))
        request = HttpRequest()
        request.method, request.path = "GET", "/sync-check"
        response = instance(request)
        if isinstance(response, HttpResponse):
            info["sync_call"] = {
                "ok": True,
                "headers": {k.lower(): v[:500] for k, v in response.items()},
            }
        else:
            info["sync_call"] = {
                "ok": False,
                "error": f"returned {type(response).__name__}, not a response",
            }
            close = getattr(response, "close", None)
            if close:
                close()  # an unawaited coroutine, closed so it warns nobody
    except Exception as exc:
        info["sync_call"] = {"ok": False, "error": describe(exc, learner_line(exc))}
    return info
