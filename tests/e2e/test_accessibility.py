"""axe-core, injected into every kind of page, finds no serious or critical violation, in the
light theme or the dark one."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from lessons.catalog import get_catalog
from tests.servers import RunningServer

pytestmark = pytest.mark.e2e

AXE = Path(__file__).resolve().parents[2] / "static" / "vendor" / "axe-core" / "axe.min.js"
IMPACTS = {"serious", "critical"}
PAGES = [
    "/",
    "/tracks/async/",
    *(f"/lessons/{slug}/" for slug in sorted(get_catalog().lessons)),
    "/playground/",
    "/playground/fanout/",
    "/practice/",
    "/practice/async-views/",
    "/practice/mock/",
    "/search/?q=sync_to_async",
    "/accounts/login/",
    "/accounts/signup/",
    "/no-such-page/",
]


@pytest.fixture(scope="module")
def axe_context(browser: Browser) -> Iterator[BrowserContext]:
    # The site's Content-Security-Policy allows no inline script; the checker is the test's
    # own, not the page's, so this context is let past it.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    yield context
    context.close()


def violations(page: Page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        """async () => {
          const result = await axe.run(document, {
            runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa",
                                            "best-practice"] },
          });
          return result.violations.map((v) => ({
            id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
          }));
        }"""
    )
    return [
        f"{v['impact']}: {v['id']} ({v['help']}) at {', '.join(v['nodes'])}"
        for v in found
        if v["impact"] in IMPACTS
    ]


def check(context: BrowserContext, url: str, theme: str) -> list[str]:
    page = context.new_page()
    try:
        page.emulate_media(color_scheme=theme)
        page.goto(url)
        expect(page.locator("html")).to_have_attribute("data-theme", theme)
        expect(page.locator("main")).to_be_visible()
        return violations(page)
    finally:
        page.close()


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("path", PAGES)
def test_no_serious_accessibility_violation(
    axe_context: BrowserContext, server: RunningServer, path: str, theme: str
):
    found = check(axe_context, server.url + path, theme)
    assert not found, "\n".join(found)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_a_demo_panel_after_a_run_and_a_load_run(
    axe_context: BrowserContext, server: RunningServer, theme: str
):
    page = axe_context.new_page()
    try:
        page.emulate_media(color_scheme=theme)
        page.goto(server.url + "/lessons/async-views/")
        panel = page.locator(".demo-panel[data-demo=fanout]")
        panel.get_by_role("button", name="Run", exact=True).click()
        expect(panel.locator(".demo-status")).to_have_text(
            "Done: all 3 variants ran on this server.", timeout=60_000
        )
        load = panel.locator(".demo-load")
        load.locator("input[name=concurrency]").fill("5")
        load.locator("select[name=variant]").select_option("")
        load.get_by_role("button", name="Run load").click()
        expect(load.locator(".load-card")).to_have_count(3, timeout=60_000)
        found = violations(page)
        assert not found, "\n".join(found)
    finally:
        page.close()
