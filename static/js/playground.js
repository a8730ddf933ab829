// Interview Lab: live demo panels. Each panel runs every variant of its demo on this server, one
// after another, and draws what happened. Plain DOM, no libraries, no build step; every request
// goes to the origin that served the page.
(function () {
  "use strict";

  const RUN_TIMEOUT_MS = 30000;
  // The server gives each request of a load run up to 60 s; leave it room to answer.
  const LOAD_TIMEOUT_MS = 90000;
  const PROBE_EVERY_MS = 100;
  const PROBE_TIMEOUT_MS = 10000;
  const RECORD_POLL_MS = 300;
  // A probe slower than this means the event loop was busy with something else.
  const PROBE_SLOW_MS = 50;
  const LAG_BAD_MS = 50;

  // --- Small helpers

  function el(tag, props, children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of [].concat(children === undefined ? [] : children)) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }

  function svgEl(tag, attrs) {
    const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
    for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
    return node;
  }

  function fmtMs(ms) {
    if (ms === null || ms === undefined || Number.isNaN(ms)) return "–";
    if (ms >= 10000) return (ms / 1000).toFixed(1) + " s";
    if (ms >= 10) return Math.round(ms).toLocaleString("en-US") + " ms";
    return ms.toFixed(1) + " ms";
  }

  // Axis labels: as many decimals as the step needs, seconds once the axis is that long.
  function fmtTick(at, step) {
    if (at === 0) return "0";
    if (step >= 100 && at >= 1000) return `${+(at / 1000).toFixed(2)} s`;
    const decimals = step < 1 ? Math.ceil(-Math.log10(step)) : 0;
    return `${at.toLocaleString("en-US", { minimumFractionDigits: decimals, maximumFractionDigits: decimals })} ms`;
  }

  function pct(value, scale) {
    return Math.max(0, Math.min(100, (value / scale) * 100));
  }

  // Places a bar from `start` to `end` on the axis, clipped to it at both ends.
  function place(node, start, end, scale) {
    const left = pct(start, scale);
    node.style.left = left + "%";
    node.style.width = Math.max(0, pct(end, scale) - left) + "%";
  }

  function niceStep(scale, ticks) {
    const raw = scale / ticks;
    const magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
    const norm = raw / magnitude;
    return (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * magnitude;
  }

  // Shows the seconds since now in `node` until the returned function is called.
  function startClock(node) {
    const started = performance.now();
    const tick = () => { node.textContent = `${((performance.now() - started) / 1000).toFixed(1)} s`; };
    tick();
    const timer = setInterval(tick, 100);
    return () => {
      clearInterval(timer);
      node.textContent = "";
    };
  }

  function sleep(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  function runId() {
    const bytes = new Uint8Array(8);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function renderValue(value) {
    if (value === null || value === undefined) return "–";
    if (Array.isArray(value)) {
      const short = (item) => item === null || (typeof item !== "object" && String(item).length <= 40);
      if (value.every(short)) return value.join(", ");
      return el("ul", { class: "demo-extra-list" }, value.map((item) => el("li", {}, renderValue(item))));
    }
    if (typeof value === "object") {
      const parts = [];
      Object.entries(value).forEach(([key, item], i) => {
        parts.push(i ? ", " : "", el("span", { class: "demo-extra-key", text: key }), " ", renderValue(item));
      });
      return el("span", {}, parts);
    }
    return String(value);
  }

  // A summary table; each cell also carries its column's name, for the stacked phone layout.
  function table(head, rows) {
    for (const row of rows) {
      Array.from(row.children).forEach((cell, i) => cell.setAttribute("data-label", head[i]));
    }
    return el("div", { class: "demo-table-wrap" }, el("table", { class: "demo-table" }, [
      el("thead", {}, el("tr", {}, head.map((h) => el("th", { scope: "col", text: h })))),
      el("tbody", {}, rows),
    ]));
  }

  // --- Requests: every failure becomes a RunError of one kind, so each gets its own message.

  class RunError extends Error {
    // kind: "http" (the server answered 4xx/5xx), "timeout", "network" or "cancelled".
    constructor(kind, message, extra) {
      super(message);
      this.kind = kind;
      this.status = null;
      this.retryAfter = null;
      Object.assign(this, extra || {});
    }
  }

  // An AbortController that fires on the caller's signal or after `ms`, remembering which.
  function deadline(outer, ms) {
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; controller.abort(); }, ms);
    const follow = () => controller.abort();
    if (outer) {
      if (outer.aborted) controller.abort();
      else outer.addEventListener("abort", follow, { once: true });
    }
    return {
      signal: controller.signal,
      timedOut: () => timedOut,
      finish() {
        clearTimeout(timer);
        if (outer) outer.removeEventListener("abort", follow);
      },
    };
  }

  function asRunError(error, guard, ms) {
    if (error instanceof RunError) return error;
    if (error && error.name === "AbortError") {
      if (guard && guard.timedOut()) {
        return new RunError("timeout", `No answer within ${Math.round(ms / 1000)} s.`);
      }
      return new RunError("cancelled", "Cancelled.");
    }
    return new RunError("network", "Could not reach the server.");
  }

  async function httpError(response) {
    let message = "";
    try {
      const body = await response.json();
      if (body && body.error) message = String(body.error);
    } catch (e) {
      // Not JSON (a proxy's error page, say): the status line has to do.
    }
    const retry = parseInt(response.headers.get("Retry-After") || "", 10);
    return new RunError("http", message || `${response.status} ${response.statusText}`.trim(), {
      status: response.status,
      retryAfter: Number.isFinite(retry) ? retry : null,
    });
  }

  async function getJSON(url, signal, ms) {
    const guard = deadline(signal, ms);
    try {
      const response = await fetch(url, {
        signal: guard.signal,
        cache: "no-store",
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      if (!response.ok) throw await httpError(response);
      return await response.json();
    } catch (error) {
      throw asRunError(error, guard, ms);
    } finally {
      guard.finish();
    }
  }

  // Runs made from a lesson are kept with the learner's progress, so that practising the
  // question can quote their own figures. Best effort: a failure here changes nothing shown.
  function recordRun(root, demo, variant, query, result) {
    const lesson = root.closest("[data-lesson]");
    const token = document.querySelector("meta[name=csrf-token]");
    if (!lesson || !token || typeof result.total_ms !== "number") return;
    fetch("/practice/api/demo-run", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token.content },
      body: JSON.stringify({
        lesson: lesson.getAttribute("data-lesson"), demo: demo, variant: variant,
        params: Object.fromEntries(new URLSearchParams(query)), total_ms: result.total_ms,
      }),
    }).catch(() => {});
  }

  // The source of every variant, fetched once per demo however many panels show it.
  const sourceCache = new Map();
  function loadSource(api, demo) {
    if (!sourceCache.has(demo)) {
      const promise = getJSON(`${api}${demo}/source`, null, RUN_TIMEOUT_MS);
      promise.catch(() => sourceCache.delete(demo));
      sourceCache.set(demo, promise);
    }
    return sourceCache.get(demo);
  }

  // Pings the probe endpoint one request after another while a variant runs. The probe view
  // answers at once unless something is holding the event loop: its round trip is what any
  // other user of this server would have waited.
  function startProbe(url, origin, signal) {
    const samples = [];
    let stopped = false;
    let wake = null;
    const loop = (async () => {
      while (!stopped && !signal.aborted) {
        const sent = performance.now();
        let ok = true;
        try {
          await getJSON(url, signal, PROBE_TIMEOUT_MS);
        } catch (error) {
          ok = false;
          if (signal.aborted) break;
        }
        samples.push({ start: sent - origin, end: performance.now() - origin, ok: ok });
        const rest = PROBE_EVERY_MS - (performance.now() - sent);
        if (!stopped && rest > 0) {
          await new Promise((resolve) => { wake = resolve; setTimeout(resolve, rest); });
        }
      }
    })();
    return {
      // Waits for the probe in flight: the one that was stuck is the one worth reporting.
      async stop() {
        stopped = true;
        if (wake) wake();
        await loop;
        const trips = samples.filter((s) => s.ok).map((s) => s.end - s.start);
        return {
          samples: samples,
          count: trips.length,
          worst_ms: trips.length ? Math.max.apply(null, trips) : null,
        };
      },
    };
  }

  function errorText(error, timeoutMs) {
    switch (error.kind) {
      case "timeout":
        return {
          title: "Timed out.",
          text: `The server did not answer within ${Math.round(timeoutMs / 1000)} s, so the request ` +
            "was stopped. Try smaller parameters, or run it again in a moment.",
        };
      case "network":
        return {
          title: "Could not reach the server.",
          text: "The request never got an answer: check that the server is running and that you " +
            "are online, then try again.",
        };
      case "cancelled":
        return { title: "Cancelled.", text: "" };
      default: {
        const status = error.status;
        let title = `The server refused the run (HTTP ${status}).`;
        if (status === 429) title = "Not now: the server is limiting demo runs (HTTP 429).";
        else if (status >= 500) title = `The demo failed on the server (HTTP ${status}).`;
        let text = error.message;
        if (error.retryAfter !== null) text += ` Retry after ${error.retryAfter} s.`;
        return { title: title, text: text };
      }
    }
  }

  function showError(box, error, timeoutMs) {
    const message = errorText(error, timeoutMs);
    box.replaceChildren(
      el("strong", { class: "demo-error-title", text: message.title }),
      message.text ? el("span", { class: "demo-error-text", text: " " + message.text }) : null
    );
    box.dataset.kind = error.kind;
    box.dataset.status = error.status === null ? "" : String(error.status);
    box.hidden = false;
  }

  function hideError(box) {
    box.hidden = true;
    box.replaceChildren();
  }

  // --- One demo panel

  let panelCount = 0;

  class Panel {
    constructor(root) {
      panelCount += 1;
      this.uid = `demo-${panelCount}`;
      this.root = root;
      this.demo = root.dataset.demo;
      this.api = root.dataset.api;
      this.probe = root.dataset.probe === "true";
      this.streams = root.dataset.streams === "true";
      this.variants = Array.from(root.querySelectorAll(".demo-variants li"), (item) => ({
        name: item.dataset.variant,
        title: item.querySelector("span").textContent,
      }));
      this.form = root.querySelector(".demo-controls");
      this.inputs = Array.from(this.form.querySelectorAll("input[name]"));
      this.hint = root.querySelector(".demo-hint");
      this.runButton = root.querySelector(".demo-run");
      this.cancelButton = root.querySelector(".demo-cancel");
      this.status = root.querySelector(".demo-status");
      this.elapsed = root.querySelector(".demo-elapsed");
      this.errorBox = root.querySelector(".demo-error");
      this.resultsBox = root.querySelector(".demo-results");
      this.waterfall = root.querySelector(".demo-waterfall");
      this.summary = root.querySelector(".demo-summary");
      this.tabs = Array.from(root.querySelectorAll(".demo-tab"));
      this.codeWhere = root.querySelector(".demo-code-where");
      this.codeBody = root.querySelector(".demo-code-body");
      this.loadForm = root.querySelector(".demo-load-controls");

      this.busy = false;
      this.generation = 0;
      this.controller = null;
      this.results = new Map();
      this.states = new Map();
      this.openSql = new Set();
      this.loadResults = new Map();
      this.selectedSource = this.variants[0].name;

      this.form.addEventListener("submit", (event) => {
        event.preventDefault();
        this.run();
      });
      root.querySelector(".demo-reset").addEventListener("click", () => this.reset());
      if (this.cancelButton) this.cancelButton.addEventListener("click", () => this.cancel());
      root.addEventListener("keydown", (event) => {
        if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
          event.preventDefault();
          this.run();
        }
      });
      this.inputs.forEach((input) => input.addEventListener("input", () => this.check()));
      this.setUpTabs();
      if (this.loadForm) {
        this.loadStatus = root.querySelector(".demo-load-status");
        this.loadElapsed = root.querySelector(".demo-load-elapsed");
        this.loadError = root.querySelector(".demo-load-error");
        this.loadResultsBox = root.querySelector(".demo-load-results");
        this.loadForm.addEventListener("submit", (event) => {
          event.preventDefault();
          this.runLoad();
        });
      }
      root.classList.add("is-live");
      this.showSource(this.selectedSource);
    }

    // --- Parameters

    query() {
      const query = new URLSearchParams();
      for (const input of this.inputs) query.set(input.name, input.value.trim());
      return query;
    }

    // Mirrors the server's bounds so a typo shows before the run; the server still decides,
    // and its 400 is what the learner sees if they run anyway.
    check() {
      const problems = [];
      for (const input of this.inputs) {
        const min = Number(input.min);
        const max = Number(input.max);
        const whole = input.step === "1";
        const raw = input.value.trim();
        const value = Number(raw);
        let problem = "";
        if (raw === "" || !Number.isFinite(value)) {
          problem = `${input.name} needs ${whole ? "a whole number" : "a number"} from ${min} to ${max}`;
        } else if (value < min || value > max) {
          problem = `${input.name} is allowed from ${min} to ${max}`;
        } else if (whole && !Number.isInteger(value)) {
          problem = `${input.name} must be a whole number`;
        }
        input.setAttribute("aria-invalid", problem ? "true" : "false");
        if (problem) problems.push(problem);
      }
      this.hint.hidden = !problems.length;
      this.hint.textContent = problems.length
        ? `${problems.join("; ")}. The server will refuse this run.`
        : "";
      return problems;
    }

    reset() {
      for (const input of this.inputs) input.value = input.dataset.default;
      this.check();
    }

    paramValue(name) {
      const input = this.inputs.find((candidate) => candidate.name === name);
      return input ? Number(input.value) : NaN;
    }

    setBusy(busy) {
      this.busy = busy;
      this.runButton.disabled = busy;
      if (this.cancelButton) this.cancelButton.disabled = !busy;
      if (this.loadForm) this.loadForm.querySelector("button").disabled = busy;
      this.root.classList.toggle("is-busy", busy);
      this.resultsBox.setAttribute("aria-busy", busy ? "true" : "false");
    }

    setStatus(text, state) {
      this.status.textContent = text;
      this.status.dataset.state = state || "";
    }

    startClock(label) {
      this.stopClock();
      this.setStatus(label, "running");
      this.clock = startClock(this.elapsed);
    }

    stopClock() {
      if (this.clock) this.clock();
      this.clock = null;
    }

    // --- Run every variant, one after another

    async run() {
      if (this.busy) return;
      this.check();
      const query = this.query();
      this.generation += 1;
      const generation = this.generation;
      this.controller = new AbortController();
      const signal = this.controller.signal;
      this.results = new Map();
      this.states = new Map(this.variants.map((v) => [v.name, "waiting"]));
      this.setBusy(true);
      hideError(this.errorBox);
      this.resultsBox.hidden = false;
      let current = null;
      try {
        for (const [index, variant] of this.variants.entries()) {
          current = variant;
          this.states.set(variant.name, "running");
          this.showSource(variant.name);
          this.startClock(
            `Running ${variant.name} (${index + 1} of ${this.variants.length}): ${variant.title}…`
          );
          this.draw();
          const result = this.streams
            ? await this.runStream(variant, query, signal)
            : await this.runTrace(variant, query, signal);
          this.results.set(variant.name, result);
          if (!result.cancelled) recordRun(this.root, this.demo, variant.name, query, result);
          this.states.set(variant.name, result.cancelled ? "cancelled" : "done");
          this.draw();
          if (this.streams) this.followRecord(variant, result, generation);
          if (result.cancelled) {
            this.skipRest();
            this.stopClock();
            this.setStatus(
              `Cancelled: the browser disconnected from ${variant.name} after ` +
                `${result.events.length} of ${result.expected_events} events.`,
              "cancelled"
            );
            return;
          }
        }
        this.stopClock();
        this.setStatus(
          this.variants.length === 1
            ? "Done: the demo ran on this server."
            : `Done: all ${this.variants.length} variants ran on this server.`,
          "done"
        );
      } catch (caught) {
        const error = asRunError(caught);
        this.stopClock();
        if (current) this.states.set(current.name, "failed");
        if (current) this.results.delete(current.name);
        this.skipRest();
        // A refusal is not a result: with nothing measured there is nothing to draw.
        this.resultsBox.hidden = this.results.size === 0;
        this.draw();
        showError(this.errorBox, error, RUN_TIMEOUT_MS);
        const what = current ? current.name : "the run";
        const label = {
          http: `Stopped: the server refused ${what}.`,
          timeout: `Stopped: ${what} timed out.`,
          network: `Stopped: could not reach the server for ${what}.`,
          cancelled: `Cancelled during ${what}.`,
        }[error.kind];
        this.setStatus(label, error.kind);
      } finally {
        this.controller = null;
        this.setBusy(false);
      }
    }

    skipRest() {
      for (const [name, state] of this.states) {
        if (state === "waiting") this.states.set(name, "skipped");
      }
    }

    cancel() {
      if (this.controller) this.controller.abort();
    }

    async runTrace(variant, query, signal) {
      const url = `${this.api}${this.demo}/${variant.name}?${query}`;
      const started = performance.now();
      const probe = this.probe ? startProbe(`${this.api}probe`, started, signal) : null;
      let data;
      try {
        data = await getJSON(url, signal, RUN_TIMEOUT_MS);
      } finally {
        if (probe) {
          const probed = await probe.stop();
          if (data) data.probe = probed;
        }
      }
      if (!data || !Array.isArray(data.spans)) {
        throw new RunError("http", "The server's answer was not a trace.", { status: 200 });
      }
      data.browser_ms = performance.now() - started;
      return data;
    }

    async runStream(variant, query, signal) {
      const run = runId();
      const url = `${this.api}${this.demo}/${variant.name}?${query}&run=${run}`;
      const result = {
        variant: variant.name, title: variant.title, run: run, stream: true, events: [],
        total_ms: null, done_ms: null, done: false, cancelled: false, record: null,
        // What the parameters promise, kept with the run: the inputs may change afterwards.
        expected_events: this.paramValue("events"),
        expected_ms: (this.paramValue("events") - 1) * this.paramValue("interval_ms"),
      };
      this.results.set(variant.name, result);
      // The whole stream may legitimately take events x interval before it ends.
      const timeout = RUN_TIMEOUT_MS + (Number.isFinite(result.expected_ms) ? result.expected_ms : 0);
      const guard = deadline(signal, timeout);
      const started = performance.now();
      try {
        const response = await fetch(url, {
          signal: guard.signal,
          cache: "no-store",
          credentials: "same-origin",
          headers: { Accept: "application/x-ndjson" },
        });
        if (!response.ok) throw await httpError(response);
        const reader = response.body.getReader();
        const decoder = new TextDecoder();
        let buffer = "";
        for (;;) {
          const chunk = await reader.read();
          if (chunk.done) break;
          const at = performance.now() - started;
          buffer += decoder.decode(chunk.value, { stream: true });
          let newline;
          while ((newline = buffer.indexOf("\n")) >= 0) {
            const line = buffer.slice(0, newline).trim();
            buffer = buffer.slice(newline + 1);
            if (!line) continue;
            const item = JSON.parse(line);
            if (item.done) {
              result.done = true;
              result.total_ms = item.total_ms;
              result.done_ms = at;
            } else {
              result.events.push({ event: item.event, produced_ms: item.produced_ms, received_ms: at });
            }
          }
          this.draw();
        }
      } catch (caught) {
        const error = asRunError(caught, guard, timeout);
        if (error.kind !== "cancelled") throw error;
        result.cancelled = true;
        result.cancelled_ms = performance.now() - started;
      } finally {
        guard.finish();
      }
      return result;
    }

    // What the streaming view itself saw, from the record it keeps under our run id. After a
    // disconnect the server needs a moment to notice (and a sync generator runs on regardless),
    // so ask until the record stops saying "streaming".
    async followRecord(variant, result, generation) {
      const url = `${this.api}streaming/record?run=${encodeURIComponent(result.run)}`;
      const expected = Number.isFinite(result.expected_ms) ? result.expected_ms : 0;
      const patience = Math.max(0, expected - (result.cancelled_ms || expected)) + 3000;
      const until = performance.now() + patience;
      result.record = { pending: true };
      for (;;) {
        let record = null;
        let problem = null;
        try {
          record = await getJSON(url, null, RUN_TIMEOUT_MS);
        } catch (error) {
          if (error.status !== 404) problem = error;
        }
        if (generation !== this.generation) return;
        if (problem) {
          result.record = { error: errorText(problem, RUN_TIMEOUT_MS) };
          break;
        }
        const settled = record && record.status !== "streaming";
        if (settled || performance.now() > until) {
          result.record = record || { error: { title: "No record.", text: "The server kept no record of this stream." } };
          break;
        }
        result.record = Object.assign({ pending: true }, record || {});
        this.draw();
        await sleep(RECORD_POLL_MS);
      }
      this.draw();
    }

    // --- Drawing

    draw() {
      this.drawWaterfall();
      this.drawSummary();
    }

    scale() {
      let scale = 1;
      for (const result of this.results.values()) {
        if (result.stream) {
          const expected = result.expected_ms;
          scale = Math.max(scale, Number.isFinite(expected) ? expected * 1.05 : 0);
          for (const event of result.events) scale = Math.max(scale, event.received_ms, event.produced_ms);
          if (result.done_ms) scale = Math.max(scale, result.done_ms);
        } else {
          scale = Math.max(scale, result.total_ms || 0);
        }
      }
      return scale;
    }

    drawWaterfall() {
      const scale = this.scale();
      const step = niceStep(scale, 5);
      const grid = pct(step, scale) + "% 100%";
      const chart = el("div", { class: "wf" });

      const axis = el("div", { class: "wf-track wf-ticks" });
      for (let at = 0; at <= scale + 1e-9; at += step) {
        const tick = el("span", { class: "wf-tick", text: fmtTick(at, step) });
        tick.style.left = pct(at, scale) + "%";
        axis.append(tick);
      }
      chart.append(el("div", { class: "wf-row wf-axis" }, [
        el("div", { class: "wf-label", text: this.streams ? "ms since the request" : "ms since the view started" }),
        axis,
      ]));

      const track = () => {
        const node = el("div", { class: "wf-track" });
        node.style.backgroundSize = grid;
        return node;
      };

      for (const variant of this.variants) {
        const state = this.states.get(variant.name) || "waiting";
        const result = this.results.get(variant.name);
        const group = el("div", { class: `wf-group is-${state}`, "data-variant": variant.name });
        group.append(this.groupHead(variant, state, result));
        if (result && result.stream) this.streamRows(group, result, scale, track);
        else if (result) this.traceRows(group, result, scale, track);
        chart.append(group);
      }
      this.waterfall.replaceChildren(chart);
    }

    groupHead(variant, state, result) {
      const facts = [];
      if (state === "waiting") facts.push(el("span", { class: "wf-state", text: "waiting" }));
      if (state === "skipped") facts.push(el("span", { class: "wf-state", text: "not run" }));
      if (state === "running" && !(result && result.stream)) {
        facts.push(el("span", { class: "wf-state is-running", text: "running…" }));
      }
      if (state === "failed") facts.push(el("span", { class: "wf-state is-bad", text: "failed: see the message above" }));
      if (result && !result.stream) {
        facts.push(el("span", { class: "wf-total" }, ["total ", el("strong", { text: fmtMs(result.total_ms) })]));
        if (result.probe && result.probe.worst_ms !== null) {
          const slow = result.probe.worst_ms > PROBE_SLOW_MS;
          facts.push(el("span", { class: "wf-probe-worst" + (slow ? " is-bad" : "") },
            `other users waited up to ${fmtMs(result.probe.worst_ms)}`));
        }
      }
      if (result && result.stream) {
        const first = result.events[0];
        if (state === "running") facts.push(el("span", { class: "wf-state is-running", text: `streaming… ${result.events.length} events received` }));
        if (first) facts.push(el("span", { class: "wf-total" }, ["first event after ", el("strong", { text: fmtMs(first.received_ms) })]));
        if (result.done) facts.push(el("span", { class: "wf-total" }, ["server total ", el("strong", { text: fmtMs(result.total_ms) })]));
        if (result.cancelled) facts.push(el("span", { class: "wf-state is-bad", text: `cancelled after ${fmtMs(result.cancelled_ms)}` }));
      }
      const head = el("div", { class: "wf-group-head" }, [
        el("code", { class: "wf-variant", text: variant.name }),
        el("span", { class: "wf-title", text: variant.title }),
        el("span", { class: "wf-facts" }, facts),
      ]);
      const failure = result && result.result && result.result.error;
      if (failure) {
        return el("div", {}, [head, el("p", { class: "wf-result-error", text: "⚠ " + failure })]);
      }
      return head;
    }

    traceRows(group, result, scale, track) {
      result.spans.forEach((span, index) => {
        const duration = span.end_ms - span.start_ms;
        const label = el("div", { class: "wf-label" }, [
          el("span", { class: "wf-span-label", text: span.label, title: span.label }),
          el("span", { class: "wf-thread", text: span.thread || "?", title: `ran on thread ${span.thread}` }),
        ]);
        if (!span.ok) {
          label.append(el("span", { class: "wf-fail", title: span.detail, text: "✕ " + (span.detail || "failed") }));
        } else if (span.detail) {
          label.append(el("span", { class: "wf-note", title: span.detail, text: span.detail }));
        }
        const tip = [
          `${span.label} (${span.kind})`,
          `${fmtMs(span.start_ms)} → ${fmtMs(span.end_ms)}: ${fmtMs(duration)}`,
          `thread: ${span.thread}`,
        ];
        if (!span.ok) tip.push(`FAILED: ${span.detail}`);
        else if (span.detail) tip.push(span.detail);
        for (const query of span.sql || []) tip.push(`SQL (${fmtMs(query.ms)}): ${query.sql}`);

        const lane = track();
        const bar = el("div", {
          class: `wf-bar kind-${span.kind}` + (span.ok ? "" : " is-failed"),
          title: tip.join("\n"),
          role: "img",
          "aria-label": `${span.label}: ${fmtMs(span.start_ms)} to ${fmtMs(span.end_ms)} on ${span.thread}` +
            (span.ok ? "" : `, failed: ${span.detail}`),
        }, span.ok ? null : el("span", { class: "wf-mark", "aria-hidden": "true", text: "✕" }));
        place(bar, span.start_ms, span.end_ms, scale);
        lane.append(bar, this.durationLabel(fmtMs(duration), span.start_ms, span.end_ms, scale));

        const row = el("div", { class: "wf-row" + (span.ok ? "" : " is-failed") }, [label, lane]);
        group.append(row);

        if (span.sql && span.sql.length) {
          const key = `${result.variant}:${index}`;
          const open = this.openSql.has(key);
          const toggle = el("button", {
            type: "button", class: "wf-sql-toggle", "aria-expanded": open ? "true" : "false",
            text: `SQL (${span.sql.length})`,
          });
          label.append(toggle);
          const list = el("div", { class: "wf-sql" }, span.sql.map((query) =>
            el("div", { class: "wf-sql-item" }, [
              el("span", { class: "wf-sql-meta", text: `${fmtMs(query.ms)} · ${query.thread}` }),
              el("code", { text: query.sql }),
            ])
          ));
          list.hidden = !open;
          toggle.addEventListener("click", () => {
            const opening = list.hidden;
            list.hidden = !opening;
            toggle.setAttribute("aria-expanded", opening ? "true" : "false");
            if (opening) this.openSql.add(key);
            else this.openSql.delete(key);
          });
          group.append(list);
        }
      });

      if (result.probe && result.probe.samples.length) {
        const lane = track();
        for (const sample of result.probe.samples) {
          const trip = sample.end - sample.start;
          const slow = !sample.ok || trip > PROBE_SLOW_MS;
          const bar = el("div", {
            class: "wf-bar wf-probe" + (slow ? " is-slow" : ""),
            title: sample.ok ? `probe answered in ${fmtMs(trip)}` : "probe failed",
          });
          place(bar, sample.start, sample.end, scale);
          lane.append(bar);
        }
        group.append(el("div", { class: "wf-row wf-probe-row" }, [
          el("div", { class: "wf-label" }, [
            el("span", { class: "wf-span-label", text: "other users (probe)" }),
            el("span", { class: "wf-thread", text: `${result.probe.count} ping${result.probe.count === 1 ? "" : "s"} from this page` }),
          ]),
          lane,
        ]));
      }
    }

    // After the bar while there is room on its right; past two thirds of the axis, inside the
    // bar's end if the bar is long enough to hold it, else before the bar.
    durationLabel(text, start, end, scale) {
      const label = el("span", { class: "wf-dur", text: text });
      const from = pct(start, scale);
      const to = pct(end, scale);
      if (to <= 66) {
        label.style.left = to + "%";
      } else if (to - from >= 15) {
        label.classList.add("is-inside");
        label.style.right = 100 - to + "%";
      } else {
        label.classList.add("is-before");
        label.style.right = 100 - from + "%";
      }
      return label;
    }

    streamRows(group, result, scale, track) {
      for (const event of result.events) {
        const lane = track();
        const wait = Math.max(0, event.received_ms - event.produced_ms);
        const bar = el("div", {
          class: "wf-bar wf-wait",
          title: `event ${event.event}: produced at ${fmtMs(event.produced_ms)} on the server, ` +
            `received at ${fmtMs(event.received_ms)} by this page`,
        });
        place(bar, event.produced_ms, event.produced_ms + wait, scale);
        const dot = el("span", { class: "wf-dot", "aria-hidden": "true" });
        dot.style.left = pct(event.received_ms, scale) + "%";
        lane.append(bar, dot, this.durationLabel(
          `received ${fmtMs(event.received_ms)}`, event.produced_ms, event.received_ms, scale
        ));
        group.append(el("div", { class: "wf-row wf-event" }, [
          el("div", { class: "wf-label" }, [
            el("span", { class: "wf-span-label", text: `event ${event.event}` }),
            el("span", { class: "wf-thread", text: `produced ${fmtMs(event.produced_ms)}` }),
          ]),
          lane,
        ]));
      }
      if (result.cancelled) {
        const lane = track();
        const mark = el("span", { class: "wf-cancel-mark", title: `disconnected at ${fmtMs(result.cancelled_ms)}` });
        mark.style.left = pct(result.cancelled_ms, scale) + "%";
        lane.append(mark, this.durationLabel(
          `disconnected ${fmtMs(result.cancelled_ms)}`, result.cancelled_ms, result.cancelled_ms, scale
        ));
        group.append(el("div", { class: "wf-row is-failed" }, [
          el("div", { class: "wf-label" }, [el("span", { class: "wf-span-label", text: "Cancel pressed" })]),
          lane,
        ]));
      }
      if (result.record) group.append(this.recordBox(result));
    }

    recordBox(result) {
      const record = result.record;
      const box = el("div", { class: "stream-record", "data-status": record.status || "" });
      if (record.error) {
        box.append(el("strong", { text: record.error.title }), " " + record.error.text);
        return box;
      }
      if (record.pending && !record.status) {
        box.append("Asking the server what the view saw…");
        return box;
      }
      box.append(
        el("span", { class: "stream-record-label", text: "Server record: " }),
        el("span", { class: "stream-record-fields" }, [
          "status ", el("strong", { class: "stream-record-status", text: record.status }),
          `, events_sent ${record.events_sent}`,
          record.at_ms !== undefined ? `, at_ms ${record.at_ms}` : "",
        ])
      );
      let note = "";
      if (record.status === "cancelled") {
        note = "The browser disconnected, so Django cancelled the view: the async generator " +
          `received asyncio.CancelledError at ${fmtMs(record.at_ms)}, after sending ` +
          `${record.events_sent} events, and stopped there.`;
      } else if (record.pending) {
        note = "Still streaming on the server, although this page has gone…";
      } else if (result.cancelled && record.status === "completed") {
        note = "The page disconnected, but the sync generator ran to the end anyway: under ASGI " +
          "Django drains a sync iterator in a thread before sending a byte, and nothing can " +
          "cancel that thread.";
      } else if (result.cancelled) {
        note = "The page disconnected; the view had not finished when we stopped asking.";
      }
      if (note) box.append(el("p", { class: "stream-record-note", text: note }));
      return box;
    }

    drawSummary() {
      const done = this.variants
        .map((v) => this.results.get(v.name))
        .filter((r) => r && this.states.get(r.variant) !== "running");
      if (!done.length) {
        this.summary.replaceChildren();
        return;
      }
      if (this.streams) this.streamSummary(done);
      else this.traceSummary(done);
    }

    traceSummary(done) {
      const parts = [];
      // Where a probe ran, who else had to wait is the story; the totals come second.
      const probed = done.filter((r) => r.probe && r.probe.worst_ms !== null);
      if (probed.length) {
        const items = [];
        probed.forEach((r, i) => {
          items.push(i ? "; " : "", el("code", { text: r.variant }), " ",
            el("strong", { class: r.probe.worst_ms > PROBE_SLOW_MS ? "is-bad" : "", text: fmtMs(r.probe.worst_ms) }));
        });
        parts.push(el("p", { class: "demo-probe-line" }, [
          "Other users of this server waited up to: ", ...items,
          ". (A probe request pinged the server every 100 ms while each variant ran.)",
        ]));
      }
      // Only where the variants do the same work does "x times faster" mean something.
      if (done.length > 1 && this.root.getAttribute("data-compare") !== "false") {
        const sorted = done.slice().sort((a, b) => a.total_ms - b.total_ms);
        const fast = sorted[0];
        const slow = sorted[sorted.length - 1];
        const ratio = slow.total_ms / Math.max(fast.total_ms, 0.001);
        const shown = ratio >= 10 ? ratio.toFixed(0) : ratio.toFixed(1);
        const line = ratio >= 1.1
          ? [el("strong", { text: fast.variant }), ` ${shown}x faster than `, el("strong", { text: slow.variant }),
            ` (${fmtMs(fast.total_ms)} vs ${fmtMs(slow.total_ms)})`]
          : [`Every variant took about as long: fastest ${fast.variant} ${fmtMs(fast.total_ms)}, ` +
            `slowest ${slow.variant} ${fmtMs(slow.total_ms)}.`];
        parts.push(el("p", { class: "demo-speedup" }, line));
      }
      const head = ["Variant", "Total", "Event-loop lag", "Threads"];
      if (this.probe) head.push("Other users waited");
      head.push("Result");
      const rows = done.map((result) => {
        const lagBad = result.loop_lag_ms > LAG_BAD_MS;
        const threads = result.threads || {};
        const cells = [
          el("th", { scope: "row" }, el("code", { text: result.variant })),
          el("td", { text: fmtMs(result.total_ms) }),
          el("td", { class: lagBad ? "is-bad" : "", title: `${result.loop_lag_samples} lag samples` },
            fmtMs(result.loop_lag_ms) + (lagBad ? " (loop blocked)" : "")),
          el("td", { class: "demo-threads" }, [
            (threads.used || []).join(", ") || "–",
            el("span", { class: "demo-muted", text: ` (alive ${threads.alive_at_start}→${threads.alive_at_end})` }),
          ]),
        ];
        if (this.probe) {
          const worst = result.probe ? result.probe.worst_ms : null;
          cells.push(el("td", { class: worst > PROBE_SLOW_MS ? "is-bad" : "" },
            worst === null ? "–" : `up to ${fmtMs(worst)} (${result.probe.count} probes)`));
        }
        cells.push(el("td", { class: "demo-extras" }, this.extras(result)));
        return el("tr", {
          "data-variant": result.variant,
          "data-total-ms": String(result.total_ms),
          "data-probe-worst-ms": result.probe && result.probe.worst_ms !== null ? String(Math.round(result.probe.worst_ms)) : null,
        }, cells);
      });
      parts.push(table(head, rows));
      this.summary.replaceChildren(...parts);
    }

    // Whatever else the variant returned, generically: demos return counts, flags, lists of
    // findings, small dicts.
    extras(trace) {
      const items = [];
      const result = trace.result || {};
      const errors = Array.isArray(result.errors) ? result.errors.map(String) : [];
      for (const [key, value] of Object.entries(result)) {
        if (key === "error" && (!value || errors.includes(String(value)))) continue;
        const bad = key === "error" || key === "errors" || (key === "failed" && value > 0);
        items.push(el("div", { class: "demo-extra" + (bad ? " is-bad" : "") }, [
          el("span", { class: "demo-extra-key", text: key }), " ", renderValue(value),
        ]));
      }
      return items.length ? items : ["–"];
    }

    streamSummary(done) {
      const rows = done.map((result) => {
        const first = result.events[0];
        const last = result.events[result.events.length - 1];
        const record = result.record && result.record.status ? result.record : null;
        return el("tr", {
          "data-variant": result.variant,
          "data-first-ms": first ? String(Math.round(first.received_ms)) : null,
          "data-last-ms": last ? String(Math.round(last.received_ms)) : null,
        }, [
          el("th", { scope: "row" }, el("code", { text: result.variant })),
          el("td", { text: first ? fmtMs(first.received_ms) : "–" }),
          el("td", { text: last ? fmtMs(last.received_ms) : "–" }),
          el("td", { text: String(result.events.length) + (result.cancelled ? " (cancelled)" : "") }),
          el("td", { text: result.done ? fmtMs(result.total_ms) : "–" }),
          el("td", { class: record && record.status === "cancelled" ? "is-bad" : "" },
            record ? `${record.status}${record.pending ? "…" : ""}, ${record.events_sent} sent` : "–"),
        ]);
      });
      const parts = [];
      const firsts = done.filter((r) => r.events.length).map((r) => `${r.variant} after ${fmtMs(r.events[0].received_ms)}`);
      if (firsts.length > 1) {
        parts.push(el("p", { class: "demo-speedup" }, `First event received: ${firsts.join("; ")}.`));
      }
      parts.push(table(["Variant", "First event", "Last event", "Events", "Server total", "Server record"], rows));
      this.summary.replaceChildren(...parts);
    }

    // --- Source tabs

    setUpTabs() {
      const panelId = `${this.uid}-code`;
      this.root.querySelector(".demo-code").id = panelId;
      this.tabs.forEach((tab, index) => {
        tab.id = `${this.uid}-tab-${index}`;
        tab.setAttribute("aria-controls", panelId);
        tab.addEventListener("click", () => this.showSource(tab.dataset.variant));
        tab.addEventListener("keydown", (event) => {
          const move = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
          if (!move) return;
          event.preventDefault();
          const next = this.tabs[(index + move + this.tabs.length) % this.tabs.length];
          next.focus();
          this.showSource(next.dataset.variant);
        });
      });
    }

    async showSource(name) {
      this.selectedSource = name;
      this.tabs.forEach((tab) => {
        const selected = tab.dataset.variant === name;
        tab.setAttribute("aria-selected", selected ? "true" : "false");
        tab.tabIndex = selected ? 0 : -1;
        if (selected) this.root.querySelector(".demo-code").setAttribute("aria-labelledby", tab.id);
      });
      let data;
      try {
        data = await loadSource(this.api, this.demo);
      } catch (error) {
        const message = errorText(error, RUN_TIMEOUT_MS);
        this.codeWhere.textContent = "";
        this.codeBody.replaceChildren(el("p", { class: "demo-muted", text: `Could not load the source. ${message.title} ${message.text}` }));
        return;
      }
      if (this.selectedSource !== name) return;
      const source = data.variants[name];
      this.codeWhere.replaceChildren(
        el("code", { text: `${source.file}:${source.line}` }),
        ` · ${source.title}`
      );
      // Pygments HTML rendered by this server from its own source files.
      this.codeBody.innerHTML = source.html;
    }

    // --- Load runs

    async runLoad() {
      if (this.busy) return;
      const concurrency = this.loadForm.elements.concurrency.value.trim();
      const chosen = this.loadForm.elements.variant.value;
      const names = chosen ? [chosen] : this.variants.map((v) => v.name);
      const query = this.query();
      query.set("concurrency", concurrency);
      this.controller = new AbortController();
      const signal = this.controller.signal;
      this.setBusy(true);
      hideError(this.loadError);
      try {
        for (const name of names) {
          this.loadStatus.textContent = `Firing ${concurrency} requests at ${name} at once…`;
          const stopClock = startClock(this.loadElapsed);
          try {
            const data = await getJSON(`${this.api}${this.demo}/${name}/load?${query}`, signal, LOAD_TIMEOUT_MS);
            this.loadResults.set(name, data);
          } catch (caught) {
            const error = asRunError(caught);
            // One variant refused (too much blocking for this many users) need not stop the rest.
            if (error.kind === "http" && error.status === 400 && names.length > 1) {
              this.loadResults.set(name, { variant: name, refused: errorText(error, LOAD_TIMEOUT_MS) });
            } else {
              throw error;
            }
          } finally {
            stopClock();
          }
          this.drawLoad();
        }
        this.loadStatus.textContent = `Done: ${names.length === 1 ? names[0] : "every variant"} with ${concurrency} users.`;
      } catch (caught) {
        const error = asRunError(caught);
        showError(this.loadError, error, LOAD_TIMEOUT_MS);
        this.loadStatus.textContent = "Load run stopped.";
      } finally {
        this.controller = null;
        this.setBusy(false);
      }
    }

    drawLoad() {
      const done = this.variants.map((v) => this.loadResults.get(v.name)).filter(Boolean);
      // One latency scale for every card, so sync and async compare at a glance.
      const top = Math.max(1, ...done.filter((r) => !r.refused).map((r) => r.max_ms));
      const cards = done.map((result) => {
        if (result.refused) {
          return el("div", { class: "load-card is-refused", "data-variant": result.variant }, [
            el("p", { class: "load-card-title" }, [el("code", { text: result.variant })]),
            el("p", { class: "is-bad" }, [el("strong", { text: result.refused.title }), " " + result.refused.text]),
          ]);
        }
        const stat = (name, value, bad) => el("div", { class: bad ? "is-bad" : "" }, [
          el("dt", { text: name }), el("dd", { text: value }),
        ]);
        const statuses = Object.entries(result.statuses || {}).map(([code, count]) => `${count}× ${code}`).join(", ");
        return el("div", { class: "load-card", "data-variant": result.variant }, [
          el("p", { class: "load-card-title" }, [
            el("code", { text: result.variant }), ` · ${result.concurrency} users at once`,
          ]),
          el("dl", { class: "load-stats" }, [
            stat("p50", fmtMs(result.p50_ms)),
            stat("p95", fmtMs(result.p95_ms)),
            stat("max", fmtMs(result.max_ms)),
            stat("errors", result.errors ? `${result.errors} (${statuses})` : "0", result.errors > 0),
            stat("peak threads", String(result.peak_threads)),
            stat("wall time", fmtMs(result.wall_ms)),
          ]),
          this.latencyChart(result, top),
        ]);
      });
      this.loadResultsBox.replaceChildren(...cards);
    }

    latencyChart(result, top) {
      const values = result.latencies_ms || [];
      const n = Math.max(values.length, 1);
      const chart = svgEl("svg", {
        class: "load-chart", viewBox: `0 0 ${n} 100`, preserveAspectRatio: "none",
        role: "img", "aria-label": `${values.length} latencies, sorted, from ${fmtMs(values[0])} to ${fmtMs(values[values.length - 1])}`,
      });
      const gap = n > 60 ? 0 : 0.15;
      values.forEach((ms, i) => {
        const h = Math.max(0.5, (ms / top) * 100);
        const rect = svgEl("rect", { x: i + gap / 2, y: 100 - h, width: 1 - gap, height: h });
        rect.append(svgEl("title", {}));
        rect.firstChild.textContent = fmtMs(ms);
        chart.append(rect);
      });
      for (const [name, ms] of [["p50", result.p50_ms], ["p95", result.p95_ms]]) {
        const y = 100 - (ms / top) * 100;
        chart.append(svgEl("line", {
          class: `load-line load-${name}`, x1: 0, x2: n, y1: y, y2: y, "vector-effect": "non-scaling-stroke",
        }));
      }
      return el("figure", { class: "load-figure" }, [
        el("div", { class: "load-chart-box" }, [el("span", { class: "load-top", text: fmtMs(top) }), chart]),
        el("figcaption", { class: "demo-muted", text: "Every request's latency, fastest to slowest; dashed lines: p50 and p95." }),
      ]);
    }
  }

  document.querySelectorAll(".demo-panel[data-demo]").forEach((root) => {
    root.playground = new Panel(root);
  });
})();
