"""The security, authentication, background-work and real-time lessons fit a phone's screen:
their tables and code blocks scroll inside themselves, never the page sideways."""

import pytest

from tests.servers import RunningServer


@pytest.mark.parametrize(
    "slug", ["web-security", "users-and-auth", "background-work", "websockets-and-real-time"]
)
def test_the_lesson_is_no_wider_than_a_phone(browser, server: RunningServer, slug):
    context = browser.new_context(viewport={"width": 375, "height": 812}, is_mobile=True)
    page = context.new_page()
    page.goto(f"{server.url}/lessons/{slug}/")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{slug} is {overflow}px wider than the phone screen"
    context.close()
