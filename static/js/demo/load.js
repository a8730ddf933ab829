// "What happens with N users?": the server fires N requests at a variant at the same moment
// and reports their latencies; each variant gets a card, all on one latency scale.
import { part, sayText } from "../say.js";
import { startClock, svg } from "./dom.js";
import { errorText, hideError, showError } from "./errors.js";
import { fmtMs } from "./format.js";
import { asRunError, getJSON } from "./http.js";

// The server gives each request of a load run up to 60 s; leave it room to answer.
const LOAD_TIMEOUT_MS = 90000;

function latencyChart(result, top) {
  const values = result.latencies_ms || [];
  const n = Math.max(values.length, 1);
  const chart = svg("svg", {
    class: "load-chart",
    viewBox: `0 0 ${n} 100`,
    preserveAspectRatio: "none",
    role: "img",
    "aria-label": sayText("load-chart-label", {
      count: values.length,
      fastest: fmtMs(values[0]),
      slowest: fmtMs(values.at(-1)),
    }),
  });
  const gap = n > 60 ? 0 : 0.15;
  values.forEach((ms, i) => {
    const h = Math.max(0.5, (ms / top) * 100);
    const rect = svg("rect", { x: i + gap / 2, y: 100 - h, width: 1 - gap, height: h });
    const title = svg("title");
    title.textContent = fmtMs(ms);
    rect.append(title);
    chart.append(rect);
  });
  for (const [name, ms] of [["p50", result.p50_ms], ["p95", result.p95_ms]]) {
    const y = 100 - (ms / top) * 100;
    const line = { x1: 0, x2: n, y1: y, y2: y, "vector-effect": "non-scaling-stroke" };
    chart.append(svg("line", { class: `load-line load-${name}`, ...line }));
  }
  return chart;
}

// Within ABOUT times a yardstick, a latency counts as "about" it. Slower than that, the users
// queued behind each other if the slowest waited for about half the others in turn; otherwise
// they overlapped and the machine was busy serving them (its CPUs are shared by the server,
// the upstreams and the load generator).
const ABOUT = 1.5;

const ratioText = (ratio) => (ratio >= 10 ? ratio.toFixed(0) : ratio.toFixed(1));

// The card's one line in plain words: did the users overlap, or take turns? Measured against
// what one request takes alone (the demo's own yardstick at these parameters), or, where the
// demo declares none, against the fastest request of the run.
function verdict(result) {
  const { p50_ms: p50, concurrency, expected } = result;
  const values = { variant: result.variant, concurrency, p50: fmtMs(p50) };
  if (!expected) {
    const fastest = result.latencies_ms?.[0] ?? p50;
    const ratio = p50 / Math.max(fastest, 0.001);
    const even = ratio <= ABOUT;
    const text = sayText(even ? "load-verdict-even" : "load-verdict-spread", {
      ...values, fastest: fmtMs(fastest), ratio: ratioText(ratio),
    });
    return { text, state: even ? "good" : "bad" };
  }
  const { one_ms: one, alone_ms: alone } = expected;
  if (p50 <= ABOUT * one) {
    return { text: sayText("load-verdict-together", { ...values, one: fmtMs(one) }), state: "good" };
  }
  if (p50 <= ABOUT * alone) {
    const text = sayText("load-verdict-own", { ...values, alone: fmtMs(alone), one: fmtMs(one) });
    return { text, state: "meh" };
  }
  const ratio = p50 / Math.max(alone, 0.001);
  const queued = result.max_ms >= (concurrency / 2) * alone && concurrency > 2;
  const key = queued ? "load-verdict-queued" : "load-verdict-busy";
  const text = sayText(key, { ...values, alone: fmtMs(alone), ratio: ratioText(ratio) });
  return { text, state: queued ? "bad" : "meh" };
}

function card(result, top) {
  if (result.refused) return part("load-refused", { variant: result.variant, ...result.refused });
  const statuses = Object.entries(result.statuses || {})
    .map(([code, count]) => sayText("load-status-count", { code, count }))
    .join(", ");
  const { text, state } = verdict(result);
  const node = part("load-card", {
    variant: result.variant,
    concurrency: result.concurrency,
    verdict: text,
    p50: fmtMs(result.p50_ms),
    p95: fmtMs(result.p95_ms),
    max: fmtMs(result.max_ms),
    errors: result.errors ? sayText("load-errors", { count: result.errors, statuses }) : "0",
    threads: result.peak_threads,
    wall: fmtMs(result.wall_ms),
    count: result.latencies_ms?.length ?? 0,
    top: fmtMs(top),
  });
  node.dataset.verdict = state;
  node.querySelector(".load-errors").classList.toggle("is-bad", result.errors > 0);
  node.querySelector(".load-chart-box").append(latencyChart(result, top));
  if (result.capped) {
    node.querySelector(".load-card-title").after(
      part("load-capped", { concurrency: result.concurrency, ...result.capped }),
    );
  }
  return node;
}

// Over the cards: the two variants the lesson compares, whichever other variant was faster.
function headline(done, versus) {
  const pair = versus.map((name) => done.find((result) => result.variant === name && !result.refused));
  if (pair.length !== 2 || !pair.every(Boolean)) return null;
  const [right, wrong] = pair;
  if (right.concurrency !== wrong.concurrency) return null; // one ran at its cap: not a match
  const ratio = wrong.p50_ms / Math.max(right.p50_ms, 0.001);
  const values = {
    right: right.variant,
    wrong: wrong.variant,
    right_p50: fmtMs(right.p50_ms),
    wrong_p50: fmtMs(wrong.p50_ms),
    ratio: ratioText(ratio),
    concurrency: right.concurrency,
  };
  return part(ratio >= 1.1 ? "load-headline" : "load-headline-same", values);
}

export class LoadRuns {
  constructor(root, variants, signal) {
    this.versus = root.versus;
    this.form = root.querySelector(".demo-load-controls");
    this.status = root.querySelector(".demo-load-status");
    this.elapsed = root.querySelector(".demo-load-elapsed");
    this.error = root.querySelector(".demo-load-error");
    this.box = root.querySelector(".demo-load-results");
    this.variants = variants;
    this.results = new Map();
    // The users field offers what the server allows for the chosen variant (at the lesson's
    // parameters; a run asks the server again with the parameters as they are then).
    this.form.elements.variant.addEventListener("change", () => this.capUsers(), { signal });
    this.capUsers();
  }

  capUsers() {
    const users = this.form.elements.concurrency;
    const select = this.form.elements.variant;
    users.max = select.selectedOptions[0].dataset.loadMax;
    if (Number(users.value) > Number(users.max)) users.value = users.max;
    this.form.querySelector(".demo-load-range").textContent = `${users.min}\u2013${users.max}`;
  }

  // The most users the server lets this variant have with these parameters, and why.
  limit({ loadLimitUrl }, query, signal) {
    return getJSON(`${loadLimitUrl}?${query}`, { signal, timeout: LOAD_TIMEOUT_MS });
  }

  // Every chosen variant in turn, with the panel's parameters and `concurrency` users (or as
  // many as the server allows that variant, said on its card).
  async run(query, signal) {
    const asked = this.form.elements.concurrency.value.trim();
    const chosen = this.form.elements.variant.value;
    const variants = chosen ? this.variants.filter((v) => v.name === chosen) : this.variants;
    hideError(this.error);
    try {
      for (const variant of variants) {
        const { name, loadUrl } = variant;
        const limit = await this.limit(variant, query, signal);
        const concurrency = Math.min(Number(asked), limit.most_users);
        const params = new URLSearchParams(query);
        params.set("concurrency", String(concurrency));
        this.status.textContent = sayText("load-firing", { concurrency, name });
        const stopClock = startClock(this.elapsed);
        try {
          const data = await getJSON(`${loadUrl}?${params}`, { signal, timeout: LOAD_TIMEOUT_MS });
          if (concurrency < Number(asked)) data.capped = { asked, reason: limit.reason };
          this.results.set(name, data);
        } catch (caught) {
          const error = asRunError(caught);
          // One variant refused (too much blocking for this many users) need not stop the rest.
          if (error.kind !== "http" || error.status !== 400 || variants.length === 1) throw error;
          this.results.set(name, { variant: name, refused: errorText(error, LOAD_TIMEOUT_MS) });
        } finally {
          stopClock();
        }
        this.draw();
      }
      const what = chosen || sayText("load-every");
      this.status.textContent = sayText("load-done", { what, concurrency: asked });
    } catch (caught) {
      showError(this.error, asRunError(caught), LOAD_TIMEOUT_MS);
      this.status.textContent = sayText("load-stopped");
    }
  }

  draw() {
    const done = this.variants.map((v) => this.results.get(v.name)).filter(Boolean);
    // One latency scale for every card, so sync and async compare at a glance.
    const top = Math.max(1, ...done.filter((r) => !r.refused).map((r) => r.max_ms));
    const cards = done.map((result) => card(result, top));
    this.box.replaceChildren(...[headline(done, this.versus), ...cards].filter(Boolean));
  }
}
