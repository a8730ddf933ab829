// The waterfall: every variant's spans on one time axis. It is built once per run and then
// updated: new rows are appended as results and streamed events arrive, and a longer axis
// moves and resizes the bars already drawn instead of drawing them again.
import { part, sayText } from "../say.js";
import { el } from "./dom.js";
import { fmtMs, fmtTick, niceStep, pct } from "./format.js";
import { stallMs } from "./probe.js";
import { recordBox } from "./record.js";

// A duration label sits after its bar while there is room on the right; past two thirds of the
// axis, inside the bar's end if the bar is long enough to hold it, else before the bar.
function placeLabel(label, from, to) {
  label.classList.remove("is-inside", "is-before");
  label.style.left = label.style.right = "";
  if (to <= 66) {
    label.style.left = `${to}%`;
  } else if (to - from >= 15) {
    label.classList.add("is-inside");
    label.style.right = `${100 - to}%`;
  } else {
    label.classList.add("is-before");
    label.style.right = `${100 - from}%`;
  }
}

// Remembers where an element belongs on the axis ("bar": from start to end, "at": a point,
// "label": a duration label); Waterfall.layout() puts it there.
function place(group, node, start, end, how) {
  group.placed.push({ node, start, end, how });
}

function facts(state, result) {
  const items = [];
  const stream = result?.stream;
  if (["waiting", "skipped", "failed"].includes(state)) items.push(part(`wf-${state}`));
  if (state === "running" && !stream) items.push(part("wf-running"));
  if (result && !stream) {
    items.push(part("wf-total", { ms: fmtMs(result.total_ms) }));
    const worst = result.probe?.worst_ms ?? null;
    if (worst !== null) {
      const probe = part("wf-probe-worst", { ms: fmtMs(worst) });
      probe.classList.toggle("is-bad", worst > stallMs(result));
      items.push(probe);
    }
  }
  if (stream) {
    const first = result.events[0];
    if (state === "running") items.push(part("wf-streaming", { count: result.events.length }));
    if (first) items.push(part("wf-first-event", { ms: fmtMs(first.received_ms) }));
    if (result.done) items.push(part("wf-server-total", { ms: fmtMs(result.total_ms) }));
    if (result.cancelled) items.push(part("wf-cancelled", { ms: fmtMs(result.cancelled_ms) }));
  }
  return items;
}

export class Waterfall {
  // `axis` names the axis's sentence when the default ("since the view started") is not true,
  // as for an exercise run, whose clock starts with its checks' first request.
  constructor(box, { variants, streams, axis = null }) {
    this.box = box;
    this.variants = variants;
    this.streams = streams;
    this.axis = axis ?? (streams ? "wf-axis-stream" : "wf-axis-trace");
    this.openSql = new Set();
  }

  // A new run: one empty group per variant under the axis.
  reset() {
    this.scaleShown = null;
    this.chart = el("div", { class: "wf" });
    const axis = part("wf-axis", { label: sayText(this.axis) });
    this.ticks = axis.querySelector(".wf-ticks");
    this.chart.append(axis);
    this.groups = new Map();
    for (const variant of this.variants) {
      const node = part("wf-group", { name: variant.name, title: variant.title });
      this.groups.set(variant.name, {
        node,
        facts: node.querySelector(".wf-facts"),
        result: null,
        placed: [],
      });
      this.chart.append(node);
    }
    this.box.replaceChildren(this.chart);
  }

  update(states, results) {
    for (const variant of this.variants) {
      const group = this.groups.get(variant.name);
      const state = states.get(variant.name) || "waiting";
      const result = results.get(variant.name);
      group.node.className = `wf-group is-${state}`;
      group.facts.replaceChildren(...facts(state, result));
      if (group.result !== result) this.start(group, result);
      if (result?.stream) this.streamRows(group, result);
    }
    this.layout(this.scale(results));
  }

  // The axis covers the slowest variant, or what a stream's parameters promise.
  scale(results) {
    let scale = 1;
    for (const result of results.values()) {
      if (result.stream) {
        const expected = Number.isFinite(result.expected_ms) ? result.expected_ms * 1.05 : 0;
        scale = Math.max(scale, expected, result.done_ms || 0);
        for (const event of result.events) {
          scale = Math.max(scale, event.received_ms, event.produced_ms);
        }
      } else {
        scale = Math.max(scale, result.total_ms || 0);
      }
    }
    return scale;
  }

  layout(scale) {
    if (scale !== this.scaleShown) {
      const step = niceStep(scale, 5);
      const ticks = [];
      for (let at = 0; at <= scale + 1e-9; at += step) {
        const tick = el("span", { class: "wf-tick", text: fmtTick(at, step) });
        tick.style.left = `${pct(at, scale)}%`;
        ticks.push(tick);
      }
      this.ticks.replaceChildren(...ticks);
      this.chart.style.setProperty("--wf-grid", `${pct(step, scale)}% 100%`);
      this.scaleShown = scale;
    }
    const placed = Array.from(this.groups.values(), (group) => group.placed).flat();
    for (const { node, start, end, how } of placed) {
      const from = pct(start, scale);
      const to = pct(end, scale);
      if (how === "bar") {
        node.style.left = `${from}%`;
        node.style.width = `${Math.max(0, to - from)}%`;
      } else if (how === "at") {
        node.style.left = `${from}%`;
      } else {
        placeLabel(node, from, to);
      }
    }
  }

  // A group shows a new result: whatever it showed before goes.
  start(group, result) {
    group.node.querySelectorAll(":scope > :not(.wf-group-head)").forEach((node) => node.remove());
    group.placed = [];
    group.result = result;
    group.events = 0;
    group.record = null;
    group.cancelled = false;
    if (!result) return;
    const failure = result.result?.error;
    if (failure) group.node.append(part("wf-result-error", { error: failure }));
    if (!result.stream) this.traceRows(group, result);
  }

  traceRows(group, result) {
    result.spans.forEach((span, index) => {
      const values = {
        label: span.label,
        kind: span.kind,
        thread: span.thread || "?",
        detail: span.detail || sayText("wf-failed-detail"),
        start: fmtMs(span.start_ms),
        end: fmtMs(span.end_ms),
        duration: fmtMs(span.end_ms - span.start_ms),
      };
      const tip = ["wf-tip", "wf-tip-times", "wf-tip-thread"].map((key) => sayText(key, values));
      if (!span.ok) tip.push(sayText("wf-tip-failed", values));
      else if (span.detail) tip.push(span.detail);
      for (const query of span.sql || []) {
        tip.push(sayText("wf-tip-sql", { ms: fmtMs(query.ms), sql: query.sql }));
      }
      const row = part(span.ok ? "wf-span" : "wf-span-failed", { ...values, tip: tip.join("\n") });
      const label = row.querySelector(".wf-label");
      if (span.ok && span.detail) label.append(part("wf-note", values));
      place(group, row.querySelector(".wf-bar"), span.start_ms, span.end_ms, "bar");
      place(group, row.querySelector(".wf-dur"), span.start_ms, span.end_ms, "label");
      group.node.append(row);
      if (span.sql?.length) this.sqlRows(group, label, `${result.variant}:${index}`, span.sql);
    });
    const probe = result.probe;
    if (probe?.samples.length) {
      const { count } = probe;
      const row = part("wf-probe-row", {
        pings: sayText(count === 1 ? "wf-probe-ping" : "wf-probe-pings", { count }),
      });
      const lane = row.querySelector(".wf-track");
      for (const sample of probe.samples) {
        const trip = sample.end - sample.start;
        const slow = !sample.ok || trip > stallMs(result);
        const title = sample.ok
          ? sayText("wf-probe-answered", { ms: fmtMs(trip) })
          : sayText("wf-probe-failed");
        const bar = el("div", { class: `wf-bar wf-probe${slow ? " is-slow" : ""}`, title });
        place(group, bar, sample.start, sample.end, "bar");
        lane.append(bar);
      }
      group.node.append(row);
    }
  }

  // The queries a span ran, one click away; open lists stay open for the next run.
  sqlRows(group, label, key, queries) {
    const open = this.openSql.has(key);
    const toggle = part("wf-sql-toggle", { count: queries.length });
    toggle.setAttribute("aria-expanded", String(open));
    const list = el("div", { class: "wf-sql" });
    for (const query of queries) {
      const { thread, sql } = query;
      list.append(part("wf-sql-item", { ms: fmtMs(query.ms), thread, sql }));
    }
    list.hidden = !open;
    toggle.addEventListener("click", () => {
      const opening = list.hidden;
      list.hidden = !opening;
      toggle.setAttribute("aria-expanded", String(opening));
      if (opening) this.openSql.add(key);
      else this.openSql.delete(key);
    });
    label.append(toggle);
    group.node.append(list);
  }

  // Only what arrived since the last update is appended.
  streamRows(group, result) {
    for (const event of result.events.slice(group.events)) {
      const values = {
        event: event.event,
        produced: fmtMs(event.produced_ms),
        received: fmtMs(event.received_ms),
      };
      const row = part("wf-event", values);
      const wait = Math.max(0, event.received_ms - event.produced_ms);
      const { produced_ms: produced, received_ms: received } = event;
      place(group, row.querySelector(".wf-bar"), produced, produced + wait, "bar");
      place(group, row.querySelector(".wf-dot"), received, received, "at");
      place(group, row.querySelector(".wf-dur"), produced, received, "label");
      group.node.append(row);
    }
    group.events = result.events.length;
    if (result.cancelled && !group.cancelled) {
      const row = part("wf-cancel", { at: fmtMs(result.cancelled_ms) });
      const at = result.cancelled_ms;
      place(group, row.querySelector(".wf-cancel-mark"), at, at, "at");
      place(group, row.querySelector(".wf-dur"), at, at, "label");
      group.node.append(row);
      group.cancelled = true;
    }
    if (result.record) {
      if (!group.record) {
        group.record = el("div", { class: "stream-record" });
        group.node.append(group.record);
      }
      recordBox(group.record, result);
    }
  }
}
