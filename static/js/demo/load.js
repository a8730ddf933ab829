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

function card(result, top) {
  if (result.refused) return part("load-refused", { variant: result.variant, ...result.refused });
  const statuses = Object.entries(result.statuses || {})
    .map(([code, count]) => sayText("load-status-count", { code, count }))
    .join(", ");
  const node = part("load-card", {
    variant: result.variant,
    concurrency: result.concurrency,
    p50: fmtMs(result.p50_ms),
    p95: fmtMs(result.p95_ms),
    max: fmtMs(result.max_ms),
    errors: result.errors ? sayText("load-errors", { count: result.errors, statuses }) : "0",
    threads: result.peak_threads,
    wall: fmtMs(result.wall_ms),
    top: fmtMs(top),
  });
  node.querySelector(".load-errors").classList.toggle("is-bad", result.errors > 0);
  if (result.capped) {
    node.querySelector(".load-card-title").after(
      part("load-capped", { concurrency: result.concurrency, ...result.capped }),
    );
  }
  node.querySelector(".load-chart-box").append(latencyChart(result, top));
  return node;
}

export class LoadRuns {
  constructor(root, variants, signal) {
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
    this.box.replaceChildren(...done.map((result) => card(result, top)));
  }
}
