// <demo-panel>: one live demo. The server renders the whole panel (the template
// "playground/_panel.html"); this element makes it live: Run runs every variant on this server,
// one after another, and the waterfall, the summary and the source tabs follow. Every URL it
// calls is in the panel's data- attributes, filled by {% url %}.
import { postQuietly } from "../post.js";
import { sayText } from "../say.js";
import { startClock } from "./dom.js";
import { hideError, showError } from "./errors.js";
import { asRunError } from "./http.js";
import { LoadRuns } from "./load.js";
import { Params } from "./params.js";
import { SourceTabs } from "./source.js";
import { followRecord, runStream } from "./stream.js";
import { streamSummary, traceSummary } from "./summary.js";
import { RUN_TIMEOUT_MS, runTrace } from "./trace.js";
import { Waterfall } from "./waterfall.js";

class DemoPanel extends HTMLElement {
  connectedCallback() {
    // Everything this connection starts (listeners, runs, polls) ends when it is disconnected.
    this.connection = new AbortController();
    const signal = this.connection.signal;
    this.streams = this.dataset.streams === "true";
    // The two variants the lesson compares, the right way first, or none.
    this.versus = this.dataset.versus ? this.dataset.versus.split(" ") : [];
    this.variants = Array.from(this.querySelectorAll(".demo-variants li"), (item) => ({
      name: item.dataset.variant,
      title: item.querySelector("span").textContent,
      runUrl: item.dataset.runUrl,
      loadUrl: item.dataset.loadUrl,
      loadLimitUrl: item.dataset.loadLimitUrl,
    }));
    const find = (selector) => this.querySelector(selector);
    this.form = find(".demo-controls");
    this.params = new Params(this.form, find(".demo-hint"));
    this.runButton = find(".demo-run");
    this.cancelButton = find(".demo-cancel");
    this.status = find(".demo-status");
    this.elapsed = find(".demo-elapsed");
    this.errorBox = find(".demo-error");
    this.resultsBox = find(".demo-results");
    this.summary = find(".demo-summary");
    this.waterfall = new Waterfall(find(".demo-waterfall"), {
      variants: this.variants,
      streams: this.streams,
    });
    this.source = new SourceTabs(this, this.dataset.sourceUrl, signal);
    this.loadForm = find(".demo-load-controls");
    this.loads = this.loadForm ? new LoadRuns(this, this.variants, signal) : null;
    this.busy = false;
    this.controller = null;

    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.run();
    }, { signal });
    find(".demo-reset").addEventListener("click", () => this.params.reset(), { signal });
    this.cancelButton?.addEventListener("click", () => this.controller?.abort(), { signal });
    this.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        this.run();
      }
    }, { signal });
    this.form.addEventListener("input", () => this.params.check(), { signal });
    this.loadForm?.addEventListener("submit", (event) => {
      event.preventDefault();
      this.runLoad();
    }, { signal });
    this.setBusy(false);
    this.classList.add("is-live");
    this.source.show(this.variants[0].name);
  }

  disconnectedCallback() {
    this.connection.abort();
    this.controller?.abort();
    this.stopClock();
  }

  setBusy(busy) {
    this.busy = busy;
    this.runButton.disabled = busy;
    if (this.cancelButton) this.cancelButton.disabled = !busy;
    if (this.loadForm) this.loadForm.querySelector("button").disabled = busy;
    this.classList.toggle("is-busy", busy);
    this.resultsBox.setAttribute("aria-busy", String(busy));
  }

  setStatus(text, state = "") {
    this.status.textContent = text;
    this.status.dataset.state = state;
  }

  startClock(text) {
    this.stopClock();
    this.setStatus(text, "running");
    this.clock = startClock(this.elapsed);
  }

  stopClock() {
    this.clock?.();
    this.clock = null;
  }

  draw() {
    this.waterfall.update(this.states, this.results);
    const done = this.variants
      .map((variant) => this.results.get(variant.name))
      .filter((result) => result && this.states.get(result.variant) !== "running");
    const parts = !done.length
      ? []
      : this.streams
        ? streamSummary(done)
        : traceSummary(done, {
          probe: Boolean(this.dataset.probeUrl),
          compare: this.dataset.compare !== "false",
          versus: this.versus,
        });
    this.summary.replaceChildren(...parts);
  }

  // Every variant, one after another, with the parameters as they are now.
  async run() {
    if (this.busy) return;
    this.params.check();
    const query = this.params.query();
    // A new run ends whatever the last one still polls for (the stream records).
    this.runScope?.abort();
    this.runScope = new AbortController();
    const scope = AbortSignal.any([this.runScope.signal, this.connection.signal]);
    this.controller = new AbortController();
    const signal = AbortSignal.any([this.controller.signal, scope]);
    this.results = new Map();
    this.states = new Map(this.variants.map((variant) => [variant.name, "waiting"]));
    this.waterfall.reset();
    this.setBusy(true);
    hideError(this.errorBox);
    this.resultsBox.hidden = false;
    let current = null;
    try {
      for (const [index, variant] of this.variants.entries()) {
        current = variant;
        this.states.set(variant.name, "running");
        this.source.show(variant.name);
        this.startClock(sayText("status-running", {
          variant: variant.name,
          n: index + 1,
          count: this.variants.length,
          title: variant.title,
        }));
        this.draw();
        const result = await this.runVariant(variant, query, signal);
        this.results.set(variant.name, result);
        this.states.set(variant.name, result.cancelled ? "cancelled" : "done");
        this.draw();
        if (!result.cancelled) this.remember(variant, query, result);
        if (this.streams) {
          const onRecord = () => this.draw();
          followRecord({ url: this.dataset.recordUrl, result, signal: scope, onRecord });
        }
        if (result.cancelled) {
          this.finish(sayText("status-cancelled", {
            variant: variant.name,
            received: result.events.length,
            expected: result.expected_events,
          }), "cancelled");
          return;
        }
      }
      const count = this.variants.length;
      let done = sayText(count === 1 ? "status-done-one" : "status-done-all", { count });
      const queued = [...this.results.values()].reduce((sum, r) => sum + (r.queued_ms || 0), 0);
      if (queued >= 100) done += ` ${sayText("status-queued", { seconds: (queued / 1000).toFixed(1) })}`;
      this.finish(done, "done");
    } catch (caught) {
      const error = asRunError(caught);
      if (current) {
        this.states.set(current.name, "failed");
        this.results.delete(current.name);
      }
      // A refusal is not a result: with nothing measured there is nothing to draw.
      this.resultsBox.hidden = this.results.size === 0;
      this.finish(sayText(`status-stopped-${error.kind}`, {
        what: current ? current.name : sayText("status-the-run"),
      }), error.kind);
      showError(this.errorBox, error, RUN_TIMEOUT_MS);
    } finally {
      this.controller = null;
      this.setBusy(false);
    }
  }

  runVariant(variant, query, signal) {
    if (!this.streams) {
      return runTrace({ url: variant.runUrl, query, probeUrl: this.dataset.probeUrl, signal });
    }
    const events = this.params.value("events");
    return runStream({
      url: variant.runUrl,
      query,
      variant,
      expected: { events, ms: (events - 1) * this.params.value("interval_ms") },
      signal,
      onChunk: (result) => {
        this.results.set(variant.name, result);
        this.draw();
      },
    });
  }

  // Waiting variants will not run now; the status says how the run ended.
  finish(text, state) {
    for (const [name, value] of this.states) {
      if (value === "waiting") this.states.set(name, "skipped");
    }
    this.draw();
    this.stopClock();
    this.setStatus(text, state);
  }

  // Runs made from a lesson are kept with the learner's progress, so that practising the
  // question can quote their own figures: the one that carries the demo's point (its
  // key_figure), which for a probe demo is how long other users waited, not the run's total.
  remember(variant, query, result) {
    const lesson = this.closest("[data-lesson]")?.dataset.lesson;
    const figure = this.dataset.keyFigure === "probe" ? result.probe?.worst_ms : result.total_ms;
    if (!lesson || typeof figure !== "number") return;
    postQuietly(document.body.dataset.demoRunUrl, {
      lesson,
      demo: this.dataset.demo,
      variant: variant.name,
      params: Object.fromEntries(query),
      total_ms: figure,
    });
  }

  async runLoad() {
    if (this.busy) return;
    this.controller = new AbortController();
    this.setBusy(true);
    try {
      const signal = AbortSignal.any([this.controller.signal, this.connection.signal]);
      await this.loads.run(this.params.query(), signal);
    } finally {
      this.controller = null;
      this.setBusy(false);
    }
  }
}

customElements.define("demo-panel", DemoPanel);
