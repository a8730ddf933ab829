// <exercise-block>: one exercise. The server renders the task, the starter code in a <textarea>,
// the buttons and empty result boxes (the template "exercises/_block.html"); this element makes
// them live: a real editor, Run (Ctrl+Enter), Reset, "Show a solution" once the learner has
// tried, and the result. Every URL it calls is in its data- attributes.
import { say, sayText } from "../say.js";
import { el, startClock } from "../demo/dom.js";
import { asRunError, getJSON } from "../demo/http.js";
import { createEditor, showCode } from "./editor.js";
import { durationText, Result } from "./result.js";
import { RUN_TIMEOUT_MS, runCode } from "./run.js";

const DRAFT_PREFIX = "exercise-draft:";

function storage(action) {
  try {
    return action(localStorage);
  } catch {
    return null; // storage disabled: drafts are not kept, nothing else changes
  }
}

class ExerciseBlock extends HTMLElement {
  // A lesson page kept whole learns whether the learner has tried after it is live
  // (static/js/site/yours.js): "Show a solution" follows.
  static observedAttributes = ["data-attempted"];

  attributeChangedCallback() {
    if (this.solutionButton) this.solutionButton.hidden = this.dataset.attempted !== "true";
  }

  connectedCallback() {
    if (this.editor) return;
    this.connection = new AbortController();
    const find = (selector) => this.querySelector(selector);
    const textarea = find(".exercise-code");
    this.starter = textarea.defaultValue;
    this.draftKey = DRAFT_PREFIX + this.dataset.slug;
    const draft = storage((store) => store.getItem(this.draftKey));
    if (draft && draft !== this.starter) textarea.value = draft;
    this.editor = createEditor(textarea, {
      onRun: () => this.run(),
      label: sayText("ex-editor-label", { title: find(".exercise-title").textContent.trim() }),
    });
    this.editor.onChange(() => this.saveDraft());
    if (this.dataset.unavailable === "true") return; // no sandbox: nothing to run, no buttons
    this.runButton = find(".exercise-run");
    this.resetButton = find(".exercise-reset");
    this.solutionButton = find(".exercise-show-solution");
    this.confirmBox = find(".exercise-confirm");
    this.status = find(".exercise-status");
    this.elapsed = find(".exercise-elapsed");
    this.errorBox = find(".exercise-error");
    this.solutionBox = find(".exercise-solution");
    this.result = new Result(find(".exercise-result"));
    const signal = this.connection.signal;
    this.runButton.addEventListener("click", () => this.run(), { signal });
    this.resetButton.addEventListener("click", () => this.reset(), { signal });
    this.solutionButton.addEventListener("click", () => this.askSolution(), { signal });
    find(".exercise-confirm-yes").addEventListener("click", () => this.showSolution(), { signal });
    find(".exercise-confirm-no").addEventListener("click", () => this.closeConfirm(), { signal });
    this.busy = false;
    this.setBusy(false);
    this.solutionButton.hidden = this.dataset.attempted !== "true";
    if (draft && draft !== this.starter) this.setStatus(sayText("ex-status-draft"));
    this.classList.add("is-live");
  }

  disconnectedCallback() {
    this.connection?.abort();
    this.stopClock();
  }

  saveDraft() {
    const code = this.editor.getValue();
    storage((store) =>
      code === this.starter ? store.removeItem(this.draftKey) : store.setItem(this.draftKey, code),
    );
  }

  setBusy(busy) {
    this.busy = busy;
    this.runButton.disabled = busy || this.coolingDown === true;
    this.resetButton.disabled = busy;
    this.classList.toggle("is-busy", busy);
    this.result.box.setAttribute("aria-busy", String(busy));
  }

  setStatus(text, state = "") {
    this.status.textContent = text;
    this.status.dataset.state = state;
  }

  stopClock() {
    this.clock?.();
    this.clock = null;
  }

  async run() {
    if (this.busy || !this.runButton || this.runButton.disabled) return;
    this.setBusy(true);
    this.hideError();
    this.setStatus(sayText("ex-status-sending"), "running");
    this.clock = startClock(this.elapsed);
    const signal = this.connection.signal;
    try {
      const report = await runCode({
        url: this.dataset.runUrl,
        statusUrl: this.dataset.statusUrl,
        code: this.editor.getValue(),
        signal,
        onQueue: (ahead) => this.showQueue(ahead),
      });
      this.stopClock();
      this.result.show(report);
      this.showVerdict(report);
      this.dataset.attempted = "true";
      this.dataset.lastStatus = report.status;
      this.solutionButton.hidden = false;
      this.markStanding(report.status === "pass");
    } catch (caught) {
      this.stopClock();
      if (signal.aborted) return;
      this.refused(asRunError(caught));
    } finally {
      this.setBusy(false);
    }
  }

  showQueue(ahead) {
    if (!this.busy) return;
    if (ahead <= 0) this.setStatus(sayText("ex-status-running"), "running");
    else if (ahead === 1) this.setStatus(sayText("ex-status-queued-one"), "queued");
    else this.setStatus(sayText("ex-status-queued", { ahead }), "queued");
  }

  // The status line is the verdict: a word, then what it means, as the live region reads it.
  showVerdict(report) {
    const ms = durationText(report);
    const waited = report.queue?.waited_ms ?? 0;
    let text = sayText(`ex-status-${report.status}`, { ms, message: report.message ?? "" });
    if (waited >= 1000) {
      text += ` ${sayText("ex-status-waited", { ms: `${Math.round(waited / 1000)} s` })}`;
    }
    this.status.replaceChildren(
      el("strong", { class: `exercise-verdict-word is-${report.status}`, text: sayText(`ex-verdict-${report.status}`) }),
      ` ${text}`,
    );
    this.status.dataset.state = report.status;
  }

  markStanding(passed) {
    const standing = this.querySelector(".exercise-standing");
    if (!passed && standing.querySelector(".is-passed")) return; // a pass stays a pass
    const state = passed ? "passed" : "tried";
    standing.replaceChildren(el("span", { class: `exercise-state is-${state}`, text: sayText(`ex-state-${state}`) }));
  }

  // 400, 429, 503 and the rest: say what happened; with no sandbox, the buttons go.
  refused(error) {
    const status = error.status;
    let title;
    if (error.kind === "timeout") title = sayText("ex-error-timeout", { seconds: RUN_TIMEOUT_MS / 1000 });
    else if (error.kind === "network") title = sayText("ex-error-network");
    else if ([400, 404, 429, 503].includes(status)) title = sayText(`ex-error-${status}`);
    else title = sayText("ex-error-failed", { status });
    const text = error.kind === "http" ? error.message : "";
    this.errorBox.replaceChildren(
      el("strong", { class: "exercise-error-title", text: title }),
      text ? ` ${text}` : "",
    );
    this.errorBox.dataset.status = status === null ? "" : String(status);
    this.errorBox.hidden = false;
    this.setStatus(sayText("ex-status-stopped"), "stopped");
    if (status === 503) this.noSandbox();
    if (status === 429) this.coolDown(error.retryAfter ?? 5);
  }

  hideError() {
    this.errorBox.hidden = true;
    this.errorBox.replaceChildren();
  }

  noSandbox() {
    this.dataset.unavailable = "true";
    this.querySelector(".exercise-actions").remove();
    this.confirmBox.remove();
    this.errorBox.append(el("span", {}, [" ", say("ex-unavailable-note")]));
    this.runButton = null;
  }

  coolDown(seconds) {
    this.coolingDown = true;
    this.runButton.disabled = true;
    const note = el("span", { class: "exercise-retry", text: ` ${sayText("ex-retry", { seconds })}` });
    this.errorBox.append(note);
    let left = seconds;
    const timer = setInterval(() => {
      left -= 1;
      note.textContent = ` ${sayText("ex-retry", { seconds: Math.max(0, left) })}`;
      if (left > 0) return;
      clearInterval(timer);
      this.coolingDown = false;
      if (this.runButton) this.runButton.disabled = this.busy;
    }, 1000);
    this.connection.signal.addEventListener("abort", () => clearInterval(timer));
  }

  reset() {
    if (this.busy) return;
    this.editor.setValue(this.starter);
    this.saveDraft();
    this.setStatus(sayText("ex-status-reset"));
    this.editor.focus();
  }

  askSolution() {
    this.confirmBox.hidden = false;
    this.solutionButton.setAttribute("aria-expanded", "true");
    this.confirmBox.querySelector(".exercise-confirm-no").focus();
  }

  closeConfirm() {
    this.confirmBox.hidden = true;
    this.solutionButton.setAttribute("aria-expanded", "false");
    this.solutionButton.focus();
  }

  async showSolution() {
    this.confirmBox.hidden = true;
    try {
      const data = await getJSON(this.dataset.solutionUrl, {
        signal: this.connection.signal,
        timeout: 10000,
      });
      this.solutionBox.hidden = false; // first: the editor measures itself as it is drawn
      showCode(this.solutionBox.querySelector("pre"), data.solution);
      this.solutionButton.remove();
      this.solutionBox.setAttribute("tabindex", "-1");
      this.solutionBox.focus();
    } catch (caught) {
      const error = asRunError(caught);
      this.setStatus(sayText("ex-solution-failed", { message: error.message }), "stopped");
      this.solutionButton.focus();
    }
  }
}

customElements.define("exercise-block", ExerciseBlock);
