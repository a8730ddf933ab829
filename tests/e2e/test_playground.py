"""The live demo panel in a real Chromium, against the real Daphne server and its real demos."""

import json
import re

import pytest
from playwright.sync_api import Locator, Page, Route, expect

from playground.registry import DEMOS
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.conftest import screenshot as full_page_screenshot
from tests.servers import RunningServer, start_daphne

pytestmark = pytest.mark.e2e

FANOUT = ("async", "sync", "taskgroup")
RUN_TIMEOUT = 30_000  # ms: three variants of up to ~1 s each, plus a busy test machine


def screenshot(page: Page, name: str) -> None:
    # From the top: a full-page shot taken while scrolled paints the sticky header mid-page.
    page.evaluate("window.scrollTo(0, 0)")
    full_page_screenshot(page, name)


def fanout_panel(page: Page, server: RunningServer) -> Locator:
    page.goto(server.url + "/lessons/async-views/")
    return page.locator(".demo-panel[data-demo=fanout]")


def run_all(panel: Locator, variants: int) -> None:
    panel.get_by_role("button", name="Run", exact=True).click()
    expect(panel.locator(".demo-status")).to_have_text(
        f"Done: all {variants} variants ran on this server.", timeout=RUN_TIMEOUT
    )


def bars(panel: Locator, variant: str) -> Locator:
    return panel.locator(f".wf-group[data-variant='{variant}'] .wf-bar")


def test_fanout_runs_every_variant_on_one_axis(page: Page, server: RunningServer):
    panel = fanout_panel(page, server)
    expect(panel.locator(".demo-code-body .highlight")).to_contain_text("async def fanout_async")
    expect(panel.locator(".demo-code-where")).to_contain_text("playground/demos/fanout.py:")

    run_all(panel, 3)
    for variant in FANOUT:
        expect(bars(panel, variant)).to_have_count(3)
        expect(panel.locator(f".wf-group[data-variant='{variant}'] .wf-total")).to_contain_text(
            "ms"
        )
    # Gathered calls overlap; sequential ones don't: sync is the slowest by about 3x.
    expect(panel.locator(".demo-speedup")).to_contain_text(
        re.compile(r"^(async|taskgroup) \d+(\.\d)?x faster than sync")
    )
    totals = {
        variant: float(
            panel.locator(f".demo-table tr[data-variant='{variant}']").get_attribute(
                "data-total-ms"
            )
        )
        for variant in FANOUT
    }
    assert totals["sync"] > 2 * totals["async"], totals
    expect(panel.locator(".demo-table tr[data-variant='sync']")).to_contain_text("ThreadPool")
    # The source tab follows the variant that ran last.
    expect(panel.get_by_role("tab", name="taskgroup", exact=True)).to_have_attribute(
        "aria-selected", "true"
    )
    panel.get_by_role("tab", name="sync", exact=True).click()
    expect(panel.locator(".demo-code-body .highlight")).to_contain_text("def fanout_sync")
    screenshot(page, "playground-fanout")

    # A new parameter, run from the keyboard this time.
    calls = panel.locator("input[name=calls]")
    calls.fill("5")
    calls.press("Control+Enter")
    expect(panel.locator(".demo-status")).to_have_text(
        "Done: all 3 variants ran on this server.", timeout=RUN_TIMEOUT
    )
    for variant in FANOUT:
        expect(bars(panel, variant)).to_have_count(5)

    panel.get_by_role("button", name="Reset").click()
    expect(calls).to_have_value("3")


def test_failed_calls_are_marked_with_their_reason(page: Page, server: RunningServer):
    panel = fanout_panel(page, server)
    panel.locator("input[name=fail_rate]").fill("1")
    run_all(panel, 3)
    failed = panel.locator(".wf-group[data-variant='async'] .wf-bar.is-failed")
    expect(failed).to_have_count(3)
    expect(failed.first).to_have_attribute("title", re.compile(r"FAILED: UpstreamError: HTTP 503"))
    expect(panel.locator(".wf-group[data-variant='async'] .wf-fail").first).to_contain_text(
        "UpstreamError"
    )
    expect(panel.locator(".demo-table tr[data-variant='async']")).to_contain_text("failed 3")
    expect(panel.locator(".wf-group[data-variant='taskgroup'] .wf-result-error")).to_contain_text(
        "TaskGroup cancelled the other calls"
    )


def test_server_refusal_is_shown_not_drawn(page: Page, server: RunningServer):
    panel = fanout_panel(page, server)
    panel.locator("input[name=calls]").fill("500")
    # The page warns at once, but the server has the last word.
    expect(panel.locator(".demo-hint")).to_contain_text("calls is allowed from 1 to 50")
    panel.get_by_role("button", name="Run", exact=True).click()
    error = panel.locator(".demo-error")
    expect(error).to_contain_text("HTTP 400")
    expect(error).to_contain_text("calls must be from 1 to 50, not 500")
    expect(panel.locator(".demo-status")).to_have_text("Stopped: the server refused async.")
    expect(panel.locator(".demo-results")).to_be_hidden()
    expect(panel.locator(".wf-bar")).to_have_count(0)
    screenshot(page, "playground-refused")

    # Fixed and run again: the message goes, the results come.
    panel.get_by_role("button", name="Reset").click()
    run_all(panel, 3)
    expect(error).to_be_hidden()
    expect(bars(panel, "sync")).to_have_count(3)


def test_rate_limit_shows_retry_after(page: Page, server: RunningServer):
    panel = fanout_panel(page, server)

    def refuse(route: Route) -> None:
        route.fulfill(
            status=429,
            headers={"Retry-After": "7", "Content-Type": "application/json"},
            body=json.dumps({"error": "Too many demo runs: at most 300 every 60 s."}),
        )

    page.route(re.compile(r"/playground/api/fanout/async\?"), refuse)
    panel.get_by_role("button", name="Run", exact=True).click()
    error = panel.locator(".demo-error")
    expect(error).to_contain_text("HTTP 429")
    expect(error).to_contain_text("Too many demo runs: at most 300 every 60 s. Retry after 7 s.")
    expect(panel.locator(".wf-bar")).to_have_count(0)


def test_unreachable_server_is_its_own_message(page: Page, server: RunningServer):
    panel = fanout_panel(page, server)
    page.route(re.compile(r"/playground/api/fanout/async\?"), lambda route: route.abort())
    panel.get_by_role("button", name="Run", exact=True).click()
    expect(panel.locator(".demo-error")).to_contain_text("Could not reach the server.")
    expect(panel.locator(".demo-status")).to_have_text(
        "Stopped: could not reach the server for async."
    )
    expect(panel.get_by_role("button", name="Run", exact=True)).to_be_enabled()


def test_a_hung_request_times_out(page: Page, server: RunningServer):
    page.clock.install()
    panel = fanout_panel(page, server)
    hung: list[Route] = []
    # Held, never answered: only the page's own 30 s deadline can end the wait.
    page.route(re.compile(r"/playground/api/fanout/async\?"), lambda route: hung.append(route))
    panel.get_by_role("button", name="Run", exact=True).click()
    expect(panel.locator(".demo-status")).to_contain_text("Running async (1 of 3)")
    expect(panel.locator(".wf-group[data-variant='async'] .wf-state")).to_have_text("running…")
    page.clock.run_for(31_000)
    expect(panel.locator(".demo-error")).to_contain_text("did not answer within 30 s")
    expect(panel.locator(".demo-status")).to_have_text("Stopped: async timed out.")


def test_time_sleep_in_an_async_view_stalls_the_probe(page: Page, server: RunningServer):
    page.goto(server.url + "/lessons/async-views/")
    panel = page.locator(".demo-panel[data-demo=blocking]")
    expect(panel.locator("input[name=sleep_ms]")).to_have_value("500")
    run_all(panel, 3)

    def worst(variant: str) -> int:
        row = panel.locator(f".demo-table tr[data-variant='{variant}']")
        return int(row.get_attribute("data-probe-worst-ms"))

    # time.sleep on the loop holds every other request for most of the 500 ms; the others don't.
    assert worst("time-sleep") >= 500 / 2, worst("time-sleep")
    assert worst("asyncio-sleep") < 500 / 2, worst("asyncio-sleep")
    assert worst("sync") < 500 / 2, worst("sync")
    blocked = panel.locator(".wf-group[data-variant='time-sleep'] .wf-probe-worst")
    expect(blocked).to_contain_text("other users waited up to")
    expect(blocked).to_have_class(re.compile(r"is-bad"))
    expect(
        panel.locator(".wf-group[data-variant='time-sleep'] .wf-probe.is-slow")
    ).not_to_have_count(0)
    expect(panel.locator(".demo-table tr[data-variant='time-sleep']")).to_contain_text(
        "loop blocked"
    )
    screenshot(page, "playground-blocking")


def test_load_run_shows_percentiles_and_refusals(page: Page, server: RunningServer):
    panel = fanout_panel(page, server)
    load = panel.locator(".demo-load")
    load.locator("input[name=concurrency]").fill("20")
    load.locator("select[name=variant]").select_option("sync")
    load.get_by_role("button", name="Run load").click()
    card = load.locator(".load-card[data-variant='sync']")
    expect(card).to_contain_text("20 users at once", timeout=RUN_TIMEOUT)
    for stat in ("p50", "p95", "max", "errors", "peak threads", "wall time"):
        expect(card.locator("dt", has_text=re.compile(f"^{stat}$"))).to_have_count(1)
    expect(card.locator("dd").first).to_have_text(re.compile(r"^[\d,.]+ m?s$"))
    expect(card.locator("svg.load-chart rect")).to_have_count(20)
    screenshot(page, "playground-load")

    # More users of the loop-blocking variant than the server allows at the parameters as they
    # are now: it runs as many as it may and says why.
    blocking = page.locator(".demo-panel[data-demo=blocking]")
    blocking.locator("input[name=sleep_ms]").fill("2000")
    load = blocking.locator(".demo-load")
    load.locator("select[name=variant]").select_option("time-sleep")
    load.locator("input[name=concurrency]").fill("200")
    load.get_by_role("button", name="Run load").click()
    card = load.locator(".load-card[data-variant='time-sleep']")
    # 6 s of blocking at 2 s each: at most 3 users (fewer when runs have lately been slow).
    expect(card).to_contain_text(re.compile(r"\b[123] users at once"), timeout=RUN_TIMEOUT)
    capped = card.locator(".load-capped")
    expect(capped).to_contain_text(re.compile(r"Ran at [123] users, not 200"))
    expect(capped).to_contain_text("block the server's event loop for")
    expect(load.locator(".demo-load-error")).to_be_hidden()


def test_load_cards_say_in_words_what_the_users_saw(page: Page, server: RunningServer):
    load = fanout_panel(page, server).locator(".demo-load")
    load.locator("input[name=concurrency]").fill("20")
    load.locator("select[name=variant]").select_option("")  # every variant
    load.get_by_role("button", name="Run load").click()
    expect(load.locator(".load-card")).to_have_count(3, timeout=3 * RUN_TIMEOUT)
    expect(load.locator(".demo-load-status")).to_have_text(
        "Done: every variant with 20 users.", timeout=RUN_TIMEOUT
    )
    # The headline is about the two variants the lesson compares, not the fastest two.
    headline = load.locator(".load-headline")
    expect(headline).to_contain_text(re.compile(r"With 20 users, async's median user waited"))
    expect(headline).to_contain_text("sync's")
    expect(headline).not_to_contain_text("taskgroup")
    for variant in FANOUT:
        card = load.locator(f".load-card[data-variant='{variant}']")
        expect(card.locator(".load-verdict")).to_contain_text(f"{variant}: ")
        expect(card.locator(".load-note")).to_contain_text("one thread per request in flight")
        expect(card.locator("figcaption")).to_contain_text("p50, the median user")
        expect(card.locator("figcaption")).to_contain_text("p95")
        expect(card.locator(".load-zero")).to_have_text("0")
    # Three 300 ms calls in a row can never look like "the time of one request" (300 ms).
    sync = load.locator(".load-card[data-variant='sync']")
    expect(sync.locator(".load-verdict")).not_to_contain_text("about the time of one")
    expect(sync).not_to_have_attribute("data-verdict", "good")
    screenshot(page, "playground-load-verdicts")


def test_default_load_form_runs(page: Page, server: RunningServer):
    console: list[str] = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    page.goto(server.url + "/lessons/blocking-the-event-loop/")
    load = page.locator(".demo-panel[data-demo=blocking] .demo-load")
    users = load.locator("input[name=concurrency]")
    # The users field offers what the server allows the chosen variant (6 s of blocking at
    # 500 ms each, fewer when runs have lately been slow here), and no more.
    expect(load.locator("select[name=variant]")).to_have_value("time-sleep")
    most = int(users.get_attribute("max"))
    assert 1 <= most <= 12
    expect(users).to_have_value(str(most))
    load.get_by_role("button", name="Run load").click()
    card = load.locator(".load-card[data-variant='time-sleep']")
    expect(card).to_contain_text("users at once", timeout=RUN_TIMEOUT)
    expect(load.locator(".demo-load-error")).to_be_hidden()
    # Choosing a variant that does not block the loop offers the server's own cap again.
    load.locator("select[name=variant]").select_option("asyncio-sleep")
    expect(users).to_have_attribute("max", re.compile(r"^\d{3}$"))
    assert not [line for line in console if line.startswith("error")], console


def test_streaming_async_streams_and_sync_buffers(page: Page, server: RunningServer):
    page.goto(server.url + "/playground/streaming/")
    panel = page.locator(".demo-panel")
    panel.locator("input[name=events]").fill("3")
    panel.locator("input[name=interval_ms]").fill("300")
    run_all(panel, 3)
    for variant in ("async", "sync", "file-response"):
        expect(panel.locator(f".wf-group[data-variant='{variant}'] .wf-event")).to_have_count(3)
        expect(
            panel.locator(f".wf-group[data-variant='{variant}'] .stream-record-status")
        ).to_have_text("completed")

    def first(variant: str) -> int:
        row = panel.locator(f".demo-table tr[data-variant='{variant}']")
        return int(row.get_attribute("data-first-ms"))

    # The async generator's first event arrives at once; the sync generator's and the
    # FileResponse's only with their last, two intervals later.
    firsts = {variant: first(variant) for variant in ("async", "sync", "file-response")}
    assert firsts["async"] * 2 < min(firsts["sync"], firsts["file-response"]), firsts
    expect(panel.locator(".demo-load")).to_have_count(0)  # no load runs for streaming
    screenshot(page, "playground-streaming")


def test_streaming_cancel_reaches_the_view(page: Page, server: RunningServer):
    page.goto(server.url + "/playground/streaming/")
    panel = page.locator(".demo-panel")
    panel.locator("input[name=events]").fill("10")
    panel.locator("input[name=interval_ms]").fill("400")
    cancel = panel.get_by_role("button", name="Cancel")
    expect(cancel).to_be_disabled()
    panel.get_by_role("button", name="Run", exact=True).click()
    events = panel.locator(".wf-group[data-variant='async'] .wf-event")
    expect(events.nth(1)).to_be_visible()
    cancel.click()
    expect(panel.locator(".demo-status")).to_contain_text(
        "Cancelled: the browser disconnected from async"
    )
    record = panel.locator(".wf-group[data-variant='async'] .stream-record")
    expect(record.locator(".stream-record-status")).to_have_text("cancelled")
    expect(record).to_contain_text("asyncio.CancelledError")
    sent = int(re.search(r"events_sent (\d+)", record.inner_text()).group(1))
    assert 2 <= sent < 10, sent
    expect(panel.locator(".wf-group[data-variant='sync'] .wf-state")).to_have_text("not run")
    expect(panel.get_by_role("button", name="Run", exact=True)).to_be_enabled()
    screenshot(page, "playground-streaming-cancelled")


def test_playground_index_links_every_demo(page: Page, server: RunningServer):
    page.goto(server.url + "/")
    page.get_by_role("navigation", name="Site").get_by_role("link", name="Playground").click()
    expect(page).to_have_url(re.compile(r"/playground/$"))
    expect(page.locator("h1")).to_have_text("Playground")
    cards = page.locator(".playground-list .lesson-card")
    expect(cards).to_have_count(len(DEMOS))
    expect(cards.first).to_contain_text("Call several slow upstream APIs")
    screenshot(page, "playground-index")
    page.get_by_role("link", name="The async ORM").click()
    expect(page).to_have_url(re.compile(r"/playground/async-orm/$"))
    panel = page.locator(".demo-panel[data-demo=async-orm]")
    expect(panel.locator("input[name=rows]")).to_have_value("20")  # the registry default
    run_all(panel, 4)
    # Every query of the async ORM runs on a worker thread; its SQL is one click away.
    group = panel.locator(".wf-group[data-variant='async']")
    expect(group.locator(".wf-thread").first).to_contain_text("ThreadPoolExecutor")
    toggle = group.get_by_role("button", name="SQL (1)").first
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(group.locator(".wf-sql").first).to_contain_text("SELECT COUNT(*)")
    wrong = panel.locator(".wf-group[data-variant='wrong-way']")
    expect(wrong.locator(".wf-bar.is-failed")).to_have_count(2)
    expect(wrong.locator(".wf-result-error")).to_contain_text("SynchronousOnlyOperation")
    screenshot(page, "playground-orm")


def test_panel_in_dark_mode(page: Page, server: RunningServer):
    page.emulate_media(color_scheme="dark")
    panel = fanout_panel(page, server)
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    run_all(panel, 3)
    background = panel.evaluate("node => getComputedStyle(node).backgroundColor")
    assert background == "rgb(23, 28, 25)"  # --surface in the dark theme
    screenshot(page, "playground-fanout-dark")


def test_panel_on_a_phone(browser, server: RunningServer):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    try:
        page.goto(server.url + "/playground/fanout/")
        panel = page.locator(".demo-panel")
        run_all(panel, 3)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"page is {overflow}px wider than the phone screen"
        # The waterfall fits: its whole time axis is on the screen, nothing to scroll to.
        box = panel.locator(".demo-waterfall")
        assert box.evaluate("node => node.scrollWidth <= node.clientWidth")
        expect(box.locator(".wf-tick").last).to_be_in_viewport()
        screenshot(page, "playground-phone")
    finally:
        context.close()


def test_a_run_that_waited_for_its_turn_says_how_long(page: Page, tmp_path):
    server = start_daphne(tmp_path, PLAYGROUND_MAX_CONCURRENT_RUNS="1")
    try:
        panel = fanout_panel(page, server)
        # Another run holds the server's only slot: a stream, in flight once its first event
        # has arrived.
        page.evaluate(
            """async url => {
                const response = await fetch(url);
                window.holder = response.body.getReader();
                await window.holder.read();
            }""",
            server.url
            + "/playground/api/streaming/async?events=6&interval_ms=300&run=holding-the-slot",
        )
        panel.get_by_role("button", name="Run", exact=True).click()
        expect(panel.locator(".demo-status")).to_have_text(
            re.compile(
                r"^Done: all 3 variants ran on this server\. The run waited \d+\.\d s in line "
                r"first: this server runs a few demos at a time"
            ),
            timeout=RUN_TIMEOUT,
        )
        ARTIFACTS.mkdir(exist_ok=True)
        panel.locator(".demo-status").screenshot(path=str(ARTIFACTS / "panel-waited.png"))
    finally:
        server.stop()
