// A run's result: the verdict, each check with its message, the trace drawn by the demos'
// waterfall, and what the code printed.
import { say, sayText } from "../say.js";
import { el } from "../demo/dom.js";
import { fmtMs } from "../demo/format.js";
import { Waterfall } from "../demo/waterfall.js";

const MARKS = { pass: "✓", fail: "✕", error: "!" };

// The waterfall draws "variants"; an exercise run is one, every request of the scenario in it.
const RUN = "run";

export class Result {
  constructor(box) {
    this.box = box;
    this.tests = box.querySelector(".exercise-tests");
    this.trace = box.querySelector(".exercise-trace");
    this.output = box.querySelector(".exercise-output");
    this.outputText = box.querySelector(".exercise-output-text");
    this.outputNote = box.querySelector(".exercise-output-note");
    this.waterfall = new Waterfall(box.querySelector(".exercise-waterfall"), {
      variants: [{ name: RUN, title: sayText("ex-trace-title") }],
      streams: false,
      axis: "wf-axis-exercise",
    });
  }

  hide() {
    this.box.hidden = true;
  }

  show(report) {
    this.box.hidden = false;
    this.box.dataset.status = report.status;
    this.showTests(report.tests);
    this.showTrace(report);
    this.showOutput(report);
  }

  showTests(tests) {
    if (!tests.length) {
      this.tests.replaceChildren(el("li", { class: "exercise-test is-none" }, say("ex-no-tests")));
      return;
    }
    this.tests.replaceChildren(
      ...tests.map((test) =>
        el("li", { class: `exercise-test is-${test.status}`, "data-status": test.status }, [
          el("span", { class: "exercise-test-mark", "aria-hidden": "true", text: MARKS[test.status] ?? "?" }),
          el("span", { class: "exercise-test-name", text: test.name }),
          el("span", { class: "visually-hidden", text: ` (${sayText(`ex-test-${test.status}`)})` }),
          test.message ? el("span", { class: "exercise-test-message", text: test.message }) : null,
        ]),
      ),
    );
  }

  showTrace(report) {
    const trace = report.trace;
    if (!trace?.spans?.length) {
      this.trace.hidden = true;
      return;
    }
    this.trace.hidden = false;
    const worst = report.probe_worst_ms;
    const result = {
      ...trace,
      variant: RUN,
      probe: typeof worst === "number" ? { worst_ms: worst, samples: [] } : null,
    };
    this.waterfall.reset();
    this.waterfall.update(new Map([[RUN, "done"]]), new Map([[RUN, result]]));
  }

  showOutput(report) {
    const text = report.output || "";
    this.outputText.textContent = text || sayText("ex-output-empty");
    this.outputText.classList.toggle("is-empty", !text);
    this.outputNote.hidden = !report.output_truncated;
    this.outputNote.textContent = report.output_truncated ? sayText("ex-output-cut") : "";
    // What a crash printed is worth seeing at once; a clean run's output can wait for a click.
    this.output.open = Boolean(text) && report.status !== "pass";
  }
}

export function durationText(report) {
  return fmtMs(report.duration_ms);
}
