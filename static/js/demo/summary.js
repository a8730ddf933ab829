// The summary under the waterfall: what each finished variant measured, as a table, with the
// sentence that says what the figures mean.
import { part, sayText } from "../say.js";
import { el } from "./dom.js";
import { fmtMs } from "./format.js";
import { stallMs } from "./probe.js";

// Each cell also carries its column's name, for the stacked phone layout.
function labelCells(table) {
  const head = Array.from(table.querySelectorAll("thead th"), (th) => th.textContent.trim());
  for (const row of table.querySelectorAll("tbody tr")) {
    Array.from(row.children).forEach((cell, i) => cell.setAttribute("data-label", head[i]));
  }
}

const short = (item) => item === null || (typeof item !== "object" && String(item).length <= 40);

function renderValue(value) {
  if (value === null || value === undefined) return "–";
  if (Array.isArray(value)) {
    if (value.every(short)) return value.join(", ");
    const items = value.map((item) => el("li", {}, renderValue(item)));
    return el("ul", { class: "demo-extra-list" }, items);
  }
  if (typeof value === "object") {
    const parts = [];
    Object.entries(value).forEach(([key, item], i) => {
      const name = el("span", { class: "demo-extra-key", text: key });
      parts.push(i ? ", " : "", name, " ", renderValue(item));
    });
    return el("span", {}, parts);
  }
  return String(value);
}

// What the variant itself returned (the trace's "result"), generically: demos return counts,
// flags, lists of findings, small dicts.
function extras(trace) {
  const items = [];
  const result = trace.result ?? {};
  const errors = Array.isArray(result.errors) ? result.errors.map(String) : [];
  for (const [key, value] of Object.entries(result)) {
    if (key === "error" && (!value || errors.includes(String(value)))) continue;
    if (key === "verdict") continue; // said above the table
    const bad = key === "error" || key === "errors" || (key === "failed" && value > 0);
    items.push(el("div", { class: `demo-extra${bad ? " is-bad" : ""}` }, [
      el("span", { class: "demo-extra-key", text: key }), " ", renderValue(value),
    ]));
  }
  return items.length ? items : ["–"];
}

// Where a probe ran, who else had to wait is the story; the totals come second.
function probeLine(done) {
  const probed = done.filter((result) => (result.probe?.worst_ms ?? null) !== null);
  if (!probed.length) return null;
  const items = document.createDocumentFragment();
  probed.forEach((result, i) => {
    const worst = result.probe.worst_ms;
    items.append(i ? "; " : "", el("code", { text: result.variant }), " ",
      el("strong", { class: worst > stallMs(result) ? "is-bad" : null, text: fmtMs(worst) }));
  });
  return part("summary-probe", { items });
}

// A demo whose point is one result (a lost update, a final balance) says it in words per
// variant: the result's "verdict", {text, ok}.
function verdictLines(done) {
  const judged = done.filter((result) => result.result?.verdict?.text);
  if (!judged.length) return null;
  const items = judged.map((result) => {
    const { text, ok } = result.result.verdict;
    return el("li", { class: ok ? "is-good" : "is-bad", "data-variant": result.variant }, [
      el("code", { text: result.variant }), " ", el("strong", { text }),
    ]);
  });
  return el("ul", { class: "demo-verdicts" }, items);
}

// Only where the variants do the same work does "x times faster" mean something. Where the
// demo names the two variants its lesson compares, the headline is about them.
function speedup(done, versus) {
  const named = versus.map((name) => done.find((result) => result.variant === name));
  if (!named.every(Boolean)) return null;
  const sorted = (versus.length ? named : done).toSorted((a, b) => a.total_ms - b.total_ms);
  const fast = sorted[0];
  const slow = sorted.at(-1);
  const ratio = slow.total_ms / Math.max(fast.total_ms, 0.001);
  const same = versus.length ? "summary-same-pair" : "summary-same";
  return part(ratio >= 1.1 ? "summary-faster" : same, {
    fast: fast.variant,
    slow: slow.variant,
    ratio: ratio >= 10 ? ratio.toFixed(0) : ratio.toFixed(1),
    fast_ms: fmtMs(fast.total_ms),
    slow_ms: fmtMs(slow.total_ms),
  });
}

function traceRow(result, probe) {
  const threads = result.threads || {};
  const lagBad = result.loop_lag_ms > stallMs(result);
  const row = part("summary-trace-row", {
    variant: result.variant,
    total: fmtMs(result.total_ms),
    lag: fmtMs(result.loop_lag_ms),
    samples: result.loop_lag_samples,
    threads: (threads.used || []).join(", ") || "–",
    alive_start: threads.alive_at_start,
    alive_end: threads.alive_at_end,
  });
  row.dataset.totalMs = String(result.total_ms);
  const lag = row.querySelector(".demo-lag");
  if (lagBad) {
    lag.classList.add("is-bad");
    lag.append(` ${sayText("summary-lag-blocked")}`);
  }
  const probeCell = row.querySelector(".demo-probe");
  if (!probe) probeCell.remove();
  else {
    const worst = result.probe ? result.probe.worst_ms : null;
    probeCell.classList.toggle("is-bad", worst > stallMs(result));
    probeCell.textContent = worst === null
      ? "–"
      : sayText("summary-probe-cell", { ms: fmtMs(worst), count: result.probe.count });
    if (worst !== null) row.dataset.probeWorstMs = String(Math.round(worst));
  }
  row.querySelector(".demo-extras").append(...extras(result));
  return row;
}

export function traceSummary(done, { probe, compare, versus }) {
  const parts = [probeLine(done), verdictLines(done)];
  if (done.length > 1 && compare) parts.push(speedup(done, versus));
  const table = part("summary-trace-table");
  if (!probe) table.querySelector("th.demo-probe").remove();
  table.querySelector("tbody").append(...done.map((result) => traceRow(result, probe)));
  labelCells(table);
  return [...parts, table].filter(Boolean);
}

function streamRow(result) {
  const first = result.events[0];
  const last = result.events.at(-1);
  const record = result.record?.status ? result.record : null;
  const row = part("summary-stream-row", {
    variant: result.variant,
    first: first ? fmtMs(first.received_ms) : "–",
    last: last ? fmtMs(last.received_ms) : "–",
    events: result.events.length,
    total: result.done ? fmtMs(result.total_ms) : "–",
    record: record
      ? sayText("summary-record", {
        status: `${record.status}${record.pending ? "…" : ""}`,
        sent: record.events_sent,
      })
      : "–",
  });
  if (first) row.dataset.firstMs = String(Math.round(first.received_ms));
  if (last) row.dataset.lastMs = String(Math.round(last.received_ms));
  if (result.cancelled) {
    row.querySelector(".demo-events").append(` ${sayText("summary-cancelled")}`);
  }
  row.querySelector(".demo-record").classList.toggle("is-bad", record?.status === "cancelled");
  return row;
}

export function streamSummary(done) {
  const parts = [];
  const firsts = done
    .filter((result) => result.events.length)
    .map((result) => sayText("summary-first-item", {
      variant: result.variant,
      ms: fmtMs(result.events[0].received_ms),
    }));
  if (firsts.length > 1) parts.push(part("summary-first", { items: firsts.join("; ") }));
  const table = part("summary-stream-table");
  table.querySelector("tbody").append(...done.map(streamRow));
  labelCells(table);
  return [...parts, table];
}
