"""What a response may say about the server itself: process ids, versions, exception text.

Anyone may see that something failed and what to do about it; only a developer (DEBUG) or a
signed-in staff member sees which process, which versions and which exception. Staff is read
from the user the view already loaded, so this never costs a query of its own.
"""

from django.conf import settings
from django.http import HttpRequest


def shows_server_details(request: HttpRequest | None) -> bool:
    if settings.DEBUG:
        return True
    user = getattr(request, "_cached_user", None)
    return bool(user is not None and user.is_authenticated and user.is_staff)


def failure_text(request: HttpRequest | None, exc: BaseException) -> str:
    """`TypeError: ...` for those who may see it; a plain word for everyone else."""
    if shows_server_details(request):
        return f"{type(exc).__name__}: {exc}"
    return "see the server log"
