"""A wrong URL on a development server (DJANGO_DEBUG=1, as ./run starts it) shows the site's
own 404 page in the browser, not Django's technical one."""

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import screenshot
from tests.servers import RunningServer, start_daphne

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def debug_server(tmp_path_factory) -> Iterator[RunningServer]:
    server = start_daphne(tmp_path_factory.mktemp("debug-server"), DJANGO_DEBUG="1")
    yield server
    server.stop()


@pytest.mark.parametrize("path", ["/no-such-page/", "/lessons/no-such-lesson/"])
def test_a_wrong_url_shows_the_sites_404_with_debug_on(page: Page, debug_server, path):
    response = page.goto(debug_server.url + path)
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("That page isn't here")
    expect(page.get_by_role("link", name="Browse all lessons")).to_be_visible()
    assert "URLconf" not in page.content()
    screenshot(page, "not-found-debug")
