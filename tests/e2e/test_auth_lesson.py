"""The users-and-auth lesson in Chromium: its password-hashing demo runs from the page, and the
event-loop lag it shows is what the quizzes predicted."""

import re

from playwright.sync_api import Page, expect

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_lessons_live import row, run
from tests.servers import RunningServer


def lag_ms(text: str) -> float:
    """The panel's lag cell, "2,505 ms" or "1.2 ms" or "12.3 s", in milliseconds."""
    number, unit = re.match(r"([\d,.]+)\s*(ms|s)", text.strip()).groups()
    value = float(number.replace(",", ""))
    return value * 1000 if unit == "s" else value


def test_hashing_on_the_loop_shows_the_lag_and_in_a_thread_does_not(
    page: Page, server: RunningServer
):
    page.goto(server.url + "/lessons/users-and-auth/")
    panel = page.locator(".demo-panel[data-demo=password-hashing]")
    panel.locator("input[name=pbkdf2_iterations]").fill("300000")
    run(panel)
    on_loop = row(panel, "on-the-loop").locator(".demo-lag")
    checked = row(panel, "acheck-password").locator(".demo-lag")
    in_thread = row(panel, "in-a-thread").locator(".demo-lag")
    expect(on_loop).to_have_class(re.compile(r"\bis-bad\b"))
    expect(checked).to_have_class(re.compile(r"\bis-bad\b"))
    assert lag_ms(in_thread.inner_text()) < lag_ms(on_loop.inner_text()) / 2
    expect(row(panel, "in-a-thread")).to_contain_text("iterations=300000")
    expect(row(panel, "acheck-password")).to_contain_text(re.compile(r"argon2\s*true"))
    panel.screenshot(path=str(ARTIFACTS / "lesson-users-and-auth-hashing.png"))
    page.set_viewport_size({"width": 375, "height": 800})
    page.emulate_media(color_scheme="dark")
    panel.screenshot(path=str(ARTIFACTS / "lesson-users-and-auth-hashing-phone-dark.png"))
