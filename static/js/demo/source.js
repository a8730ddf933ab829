// The source tabs: the code of each variant, read by the server from its own running code and
// highlighted there. The tab follows the variant that is running.
import { say, sayText } from "../say.js";
import { scrollableCode } from "../site/code-blocks.js";
import { el } from "./dom.js";
import { errorText } from "./errors.js";
import { getJSON } from "./http.js";
import { RUN_TIMEOUT_MS } from "./trace.js";

// Fetched once per demo however many panels show it.
const sources = new Map();
function load(url) {
  if (!sources.has(url)) {
    const promise = getJSON(url, { timeout: RUN_TIMEOUT_MS });
    promise.catch(() => sources.delete(url));
    sources.set(url, promise);
  }
  return sources.get(url);
}

export class SourceTabs {
  constructor(root, url, signal) {
    this.url = url;
    this.code = root.querySelector(".demo-code");
    this.where = root.querySelector(".demo-code-where");
    this.body = root.querySelector(".demo-code-body");
    this.tabs = Array.from(root.querySelectorAll(".demo-tab"));
    this.code.id = `${root.id}-code`;
    this.tabs.forEach((tab, index) => {
      tab.id = `${root.id}-tab-${index}`;
      tab.setAttribute("aria-controls", this.code.id);
      tab.addEventListener("click", () => this.show(tab.dataset.variant), { signal });
      tab.addEventListener("keydown", (event) => {
        const move = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
        if (!move) return;
        event.preventDefault();
        const next = this.tabs[(index + move + this.tabs.length) % this.tabs.length];
        next.focus();
        this.show(next.dataset.variant);
      }, { signal });
    });
  }

  async show(name) {
    this.selected = name;
    for (const tab of this.tabs) {
      const selected = tab.dataset.variant === name;
      tab.setAttribute("aria-selected", String(selected));
      tab.tabIndex = selected ? 0 : -1;
      if (selected) this.code.setAttribute("aria-labelledby", tab.id);
    }
    let data;
    try {
      data = await load(this.url);
    } catch (error) {
      const { title, text } = errorText(error, RUN_TIMEOUT_MS);
      this.where.textContent = "";
      const failed = sayText("source-failed", { title, text });
      this.body.replaceChildren(el("p", { class: "demo-muted", text: failed }));
      return;
    }
    if (this.selected !== name) return;
    const source = data.variants[name];
    const file = `${source.file}:${source.line}`;
    this.where.replaceChildren(say("source-where", { file, title: source.title }));
    // Pygments HTML rendered by this server from its own source files.
    this.body.innerHTML = source.html;
    scrollableCode(this.body.querySelectorAll("pre"));
  }
}
