"""Django's bundled middleware, with their hooks run on the event loop.

Under ASGI, `MiddlewareMixin.__acall__` sends every `process_request` and `process_response` to
the request's thread and back (`sync_to_async(thread_sensitive=True)`), and the handler does the
same for a sync `process_view`: about a dozen round trips per request with the stack in
settings.MIDDLEWARE, each a wake-up of another thread and a wait for the GIL. Most of these hooks
only read headers and set attributes, so here they run in place; a hook that may touch the
database or the cache (a session being saved, messages being read from it) still goes to the
request's thread, as Django would send it.

Each class is a drop-in for the Django middleware of the same name: in a sync stack (WSGI, the
test client) it is that middleware, unchanged. Django's deploy checks look for its own dotted
paths in MIDDLEWARE; teach_the_deploy_checks() lets them find these as well.
"""

from collections.abc import Callable

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.conf import settings
from django.contrib.auth import middleware as auth
from django.contrib.messages import middleware as messages
from django.contrib.sessions import middleware as sessions
from django.http import HttpRequest, HttpResponse
from django.middleware import clickjacking, common, csrf, security
from django.utils.deprecation import MiddlewareMixin


class OnTheLoop:
    """Wraps one MiddlewareMixin middleware (`wrapped`) and, in an async stack, calls its hooks
    directly unless `request_blocks`/`response_blocks` say the hook may do I/O this time."""

    wrapped: type[MiddlewareMixin]
    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable) -> None:
        self.inner = self.wrapped(get_response)
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)
        if hasattr(self.inner, "process_view"):
            # The handler would run a sync process_view through sync_to_async; given a
            # coroutine function it awaits it in place.
            in_place = self.is_async and not self.view_blocks()
            self.process_view = self._async_view if in_place else self.inner.process_view
        for hook in ("process_template_response", "process_exception"):  # the handler adapts
            if hasattr(self.inner, hook):
                setattr(self, hook, getattr(self.inner, hook))

    def __call__(self, request: HttpRequest):
        if self.is_async:
            return self.__acall__(request)
        return self.inner(request)

    async def __acall__(self, request: HttpRequest) -> HttpResponse:
        response = None
        if hasattr(self.inner, "process_request"):
            if self.request_blocks(request):
                response = await sync_to_async(self.inner.process_request, thread_sensitive=True)(
                    request
                )
            else:
                response = self.inner.process_request(request)
        response = response or await self.get_response(request)
        if hasattr(self.inner, "process_response"):
            if self.response_blocks(request, response):
                return await sync_to_async(self.inner.process_response, thread_sensitive=True)(
                    request, response
                )
            return self.inner.process_response(request, response)
        return response

    async def _async_view(self, request, view_func, view_args, view_kwargs):
        return self.inner.process_view(request, view_func, view_args, view_kwargs)

    def request_blocks(self, request: HttpRequest) -> bool:
        return False

    def view_blocks(self) -> bool:
        return False

    def response_blocks(self, request: HttpRequest, response: HttpResponse) -> bool:
        return False


class SecurityMiddleware(OnTheLoop):
    wrapped = security.SecurityMiddleware


class CommonMiddleware(OnTheLoop):
    wrapped = common.CommonMiddleware


class XFrameOptionsMiddleware(OnTheLoop):
    wrapped = clickjacking.XFrameOptionsMiddleware


class AuthenticationMiddleware(OnTheLoop):
    """process_request only sets lazy `request.user` and `request.auser`; the user is loaded
    when a view asks (in an async view, `await request.auser()`)."""

    wrapped = auth.AuthenticationMiddleware


class SessionMiddleware(OnTheLoop):
    """process_request makes a SessionStore that loads nothing yet; process_response saves the
    session, in the request's thread, only when it will write it."""

    wrapped = sessions.SessionMiddleware

    def response_blocks(self, request: HttpRequest, response: HttpResponse) -> bool:
        session = getattr(request, "session", None)
        if session is None:
            return False
        return getattr(session, "modified", True) or settings.SESSION_SAVE_EVERY_REQUEST


class CsrfViewMiddleware(OnTheLoop):
    """With the secret in a cookie (the default) every hook only reads and writes headers; with
    CSRF_USE_SESSIONS it reads the session, so the hooks go to the request's thread."""

    wrapped = csrf.CsrfViewMiddleware

    def request_blocks(self, request: HttpRequest) -> bool:
        return settings.CSRF_USE_SESSIONS

    def view_blocks(self) -> bool:
        return settings.CSRF_USE_SESSIONS

    def response_blocks(self, request: HttpRequest, response: HttpResponse) -> bool:
        return settings.CSRF_USE_SESSIONS


class MessageMiddleware(OnTheLoop):
    """Messages are stored at the end of a request only if one was added or read, and storing
    them may read the session: then, and only then, in the request's thread."""

    wrapped = messages.MessageMiddleware

    def response_blocks(self, request: HttpRequest, response: HttpResponse) -> bool:
        storage = getattr(request, "_messages", None)
        if storage is None:
            return False
        # A storage of another kind, without these flags, is stored in the thread.
        return getattr(storage, "used", True) or getattr(storage, "added_new", True)


def teach_the_deploy_checks() -> None:
    """Django's deploy checks find its middleware by dotted path, and skip what depends on one
    they cannot find (HSTS, the SSL redirect, secure cookies...): let them find these too, so
    that `check --deploy` says all it would say of Django's own. (Called from OpsConfig.ready.)"""
    from django.core.checks.security import base
    from django.core.checks.security import csrf as csrf_checks
    from django.core.checks.security import sessions as session_checks

    def either(wrapper: type[OnTheLoop]) -> Callable[[], bool]:
        django_path = f"{wrapper.wrapped.__module__}.{wrapper.wrapped.__qualname__}"
        ours = f"{wrapper.__module__}.{wrapper.__qualname__}"
        return lambda: django_path in settings.MIDDLEWARE or ours in settings.MIDDLEWARE

    base._security_middleware = either(SecurityMiddleware)
    base._xframe_middleware = either(XFrameOptionsMiddleware)
    csrf_checks._csrf_middleware = either(CsrfViewMiddleware)
    session_checks._session_middleware = either(SessionMiddleware)
