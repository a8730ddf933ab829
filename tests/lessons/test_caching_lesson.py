"""The caching lesson's counter, ETag view and CSRF-with-cache_page claims, on Django's local
memory cache."""

import types

import pytest
from django.core.cache import cache, caches
from django.http import HttpResponse
from django.template import RequestContext, Template
from django.test import Client, RequestFactory
from django.urls import include, path
from django.views.decorators.cache import cache_page
from django.views.decorators.csrf import csrf_protect

from tests.helpers import lesson_code

WINDOW = 60


@pytest.fixture(autouse=True)
def local_memory(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "caching-lesson",
        },
        "sessions": settings.CACHES["sessions"],  # the site's sessions are read from it
    }
    cache.clear()


@pytest.fixture
def counter():
    """The lesson's count_request, on a clock the test sets."""
    code = lesson_code("caching", "def count_request(")
    clock = types.SimpleNamespace(now=1_000_020.0)
    code["time"] = types.SimpleNamespace(time=lambda: clock.now)
    return code["count_request"], clock


def expires_at(key: str) -> float:
    """When local memory will drop `key` (the backend keeps it per full key)."""
    return cache._expire_info[cache.make_key(key)]


def test_the_counter_counts_within_a_window_and_starts_again_in_the_next(counter):
    count_request, clock = counter
    assert [count_request("alice") for _ in range(3)] == [1, 2, 3]
    assert count_request("bob") == 1
    clock.now += WINDOW  # the next window is a new key
    assert count_request("alice") == 1


def test_the_counter_key_expires_a_window_after_its_window_ends(counter, monkeypatch):
    count_request, clock = counter
    monkeypatch.setattr("time.time", lambda: clock.now)  # the backend's clock too
    count_request("alice")
    start = int(clock.now // WINDOW) * WINDOW
    assert expires_at(f"rate:alice:{start}") == pytest.approx(start + 2 * WINDOW, abs=1)


def test_a_key_that_lost_its_expiry_gets_one_back(counter, monkeypatch):
    """What Redis leaves when the key expires between EXISTS and INCR: value 1, no expiry."""
    count_request, clock = counter
    monkeypatch.setattr("time.time", lambda: clock.now)
    start = int(clock.now // WINDOW) * WINDOW
    key = f"rate:alice:{start}"
    cache.set(key, 0, timeout=None)  # INCR will make it 1, as Redis would have
    assert expires_at(key) is None
    assert count_request("alice") == 1
    assert expires_at(key) == pytest.approx(start + 2 * WINDOW, abs=1)


def test_a_key_evicted_between_add_and_incr_is_counted_again(counter, monkeypatch):
    count_request, _ = counter
    count_request("alice")
    backend = caches["default"]  # the instance itself: the settings fixture replaces it later
    real_incr = backend.incr
    calls = []

    def evicted_first(key, *args, **kwargs):
        calls.append(key)
        if len(calls) == 1:
            cache.delete(key)
            raise ValueError(f"Key '{key}' not found")
        return real_incr(key, *args, **kwargs)

    monkeypatch.setattr(backend, "incr", evicted_first)
    assert count_request("alice") == 1  # add() made a fresh key on the second round


@pytest.mark.django_db
def test_the_etag_view_answers_304_with_its_cache_control_and_no_query(
    django_assert_num_queries,
):
    catalog = lesson_code("caching", "def catalog_etag(")["catalog"]
    first = catalog(RequestFactory().get("/catalog/"))
    assert first.status_code == 200
    assert first["Cache-Control"] == "max-age=60, public"
    with django_assert_num_queries(0):  # the view did not run
        again = catalog(RequestFactory().get("/catalog/", headers={"if-none-match": first["ETag"]}))
    assert again.status_code == 304
    assert again["Cache-Control"] == "max-age=60, public"


RUNS = {"plain": 0, "protected": 0}


def form(request, name: str) -> HttpResponse:
    RUNS[name] += 1
    page = '<form method="post">{% csrf_token %}</form>'
    return HttpResponse(Template(page).render(RequestContext(request)))


@cache_page(60)
def form_plain(request):
    return form(request, "plain")


@cache_page(60)
@csrf_protect
def form_protected(request):
    return form(request, "protected")


def accept(request):
    return HttpResponse("ok")


urlpatterns = [
    path("form/plain/", form_plain),
    path("form/protected/", form_protected),
    path("post/", accept),
    path("", include("config.urls")),  # the site's error pages reverse its URLs
]


def visit_and_post(url: str) -> tuple[int, int]:
    """A first visitor loads the page; a second loads it and posts the form.

    Returns how often the view ran, and the second visitor's POST status."""
    Client(HTTP_HOST="127.0.0.1").get(url)
    second = Client(enforce_csrf_checks=True, HTTP_HOST="127.0.0.1")
    page = second.get(url).content.decode()
    token = page.split('value="')[1].split('"')[0]
    return RUNS[url.split("/")[2]], second.post(
        "/post/", {"csrfmiddlewaretoken": token}
    ).status_code


@pytest.mark.urls(__name__)
def test_cache_page_hands_a_csrf_form_to_the_next_visitor_who_then_gets_403():
    RUNS.update(plain=0, protected=0)
    assert visit_and_post("/form/plain/") == (1, 403)


@pytest.mark.urls(__name__)
def test_csrf_protect_under_cache_page_works_because_the_page_is_never_stored():
    RUNS.update(plain=0, protected=0)
    assert visit_and_post("/form/protected/") == (2, 200)
