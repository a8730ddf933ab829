"""The signed-in cookie: which copy of a lesson page to serve (lessons/pages.py).

A lesson page is kept whole for everyone who isn't signed in; a signed-in learner's is filled
with their name. Telling the two apart by the session would cost every page a session read, so
this cookie says it instead: set when a response finds a user signed in (the login and sign-up
redirects do), removed when it finds nobody (logging out does). It holds nothing; a stale one
costs only the filled page, whose header then tells the truth, and the next response that asks
who is signed in puts it right.
"""

from collections.abc import Awaitable, Callable

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.functional import LazyObject, empty

from .pages import SIGNED_IN_COOKIE


class SignedInCookieMiddleware:
    """Sync and async, without a thread hop: it only reads what the request already knows."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> HttpResponse | Awaitable[HttpResponse]:
        if self.is_async:
            return self.__acall__(request)
        response = self.get_response(request)
        mark(request, response)
        return response

    async def __acall__(self, request: HttpRequest) -> HttpResponse:
        response = await self.get_response(request)
        mark(request, response)
        return response


def mark(request: HttpRequest, response: HttpResponse) -> None:
    user = getattr(request, "user", None)
    if user is None or (isinstance(user, LazyObject) and user._wrapped is empty):
        return  # nothing asked who this is: the cookie stays as it is
    signed_in = user.is_authenticated
    if signed_in and SIGNED_IN_COOKIE not in request.COOKIES:
        response.set_cookie(
            SIGNED_IN_COOKIE,
            "1",
            max_age=settings.SESSION_COOKIE_AGE,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
    elif not signed_in and SIGNED_IN_COOKIE in request.COOKIES:
        response.delete_cookie(SIGNED_IN_COOKIE, samesite="Lax")
