"""With DEBUG on (./run), a wrong URL shows the site's own 404 page, unless an instructor asks
for Django's technical one."""

import pytest
from django.contrib.auth.models import User
from django.test import Client, TestCase, override_settings

pytestmark = pytest.mark.django_db

SITE_PAGE = "That page isn't here"
TECHNICAL_PAGE = "Using the URLconf defined in"


@pytest.fixture
def debug(settings):
    settings.DEBUG = True
    return settings


@pytest.mark.parametrize("path", ["/no-such-page/", "/practice/no-such-lesson/"])
def test_learners_see_the_site_404_with_debug_on(debug, client, path):
    response = client.get(path)
    assert response.status_code == 404
    page = response.content.decode()
    assert SITE_PAGE in page and TECHNICAL_PAGE not in page
    assert "No such lesson" not in page  # the view's own message stays in the log


@override_settings(DEBUG=True)
class AsyncNotFoundTests(TestCase):
    async def test_an_async_request_gets_the_site_404_too(self):
        for path in ("/no-such-page/", "/practice/no-such-lesson/"):
            response = await self.async_client.get(path)
            assert response.status_code == 404
            assert SITE_PAGE in response.content.decode()


def test_a_missing_slash_is_still_redirected(debug, client):
    assert client.get("/practice").status_code == 301


def test_staff_can_ask_for_the_technical_page(debug):
    User.objects.create_user("teacher", password="a long pass phrase", is_staff=True)
    staff = Client(HTTP_HOST="127.0.0.1")
    staff.login(username="teacher", password="a long pass phrase")
    assert TECHNICAL_PAGE in staff.get("/no-such-page/?technical").content.decode()
    assert SITE_PAGE in staff.get("/no-such-page/").content.decode()


def test_a_learner_asking_for_the_technical_page_gets_the_site_one(debug, client):
    assert SITE_PAGE in client.get("/no-such-page/?technical").content.decode()


def test_the_setting_shows_the_technical_page_to_everyone(debug, client):
    debug.TECHNICAL_404 = True
    assert TECHNICAL_PAGE in client.get("/no-such-page/").content.decode()
    assert "No such lesson" in client.get("/practice/no-such-lesson/").content.decode()


def test_with_debug_off_nobody_gets_the_technical_page(settings):
    settings.DEBUG = False
    settings.TECHNICAL_404 = True
    User.objects.create_user("teacher", password="a long pass phrase", is_staff=True)
    staff = Client(HTTP_HOST="127.0.0.1")
    staff.login(username="teacher", password="a long pass phrase")
    page = staff.get("/no-such-page/?technical").content.decode()
    assert SITE_PAGE in page and TECHNICAL_PAGE not in page
