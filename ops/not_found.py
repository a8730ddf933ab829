"""The site's own 404 page in development too.

With DEBUG on, Django answers a wrong URL with its technical 404 (the URLconf's patterns,
the settings file's name). Learners use `./run`, which is DEBUG on, so they see the page a
production site shows; an instructor who wants Django's page asks for it: `?technical` as a
signed-in staff member, or DJANGO_TECHNICAL_404=1 for every request.
"""

from asgiref.sync import sync_to_async
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.defaults import page_not_found

from .middleware import DualMiddleware


def wants_technical_page(request: HttpRequest) -> bool:
    if settings.TECHNICAL_404:
        return True
    user = getattr(request, "user", None)
    return "technical" in request.GET and bool(user and user.is_staff)


def _site_page(request: HttpRequest, exception: Exception) -> HttpResponse | None:
    if not settings.DEBUG or wants_technical_page(request):
        return None  # without DEBUG, Django's handler404 already renders the site's page
    return page_not_found(request, exception)


class SiteNotFoundMiddleware(DualMiddleware):
    """Last in MIDDLEWARE: a view's Http404 reaches process_exception here first, and the
    technical 404 for a URL no pattern matched (already a response, as Django converts it
    inside the middleware chain) reaches this process() first."""

    async def __acall__(self, request: HttpRequest) -> HttpResponse:
        response = await self.get_response(request)
        if not self._is_unmatched(request, response):
            return response
        # Rendering the page reads the session and the user: sync code, in a thread.
        return await sync_to_async(self.process)(request, response)

    @staticmethod
    def _is_unmatched(request: HttpRequest, response: HttpResponse) -> bool:
        return settings.DEBUG and response.status_code == 404 and request.resolver_match is None

    def process(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if not self._is_unmatched(request, response):
            return response
        return _site_page(request, Http404(request.path)) or response

    def process_exception(self, request: HttpRequest, exception: Exception):
        if isinstance(exception, Http404):
            return _site_page(request, exception)
        return None
