// A mock interview: its questions one at a time, skip or end early, then a summary. Where the
// learner is (question, ratings, skips) is kept in this browser under the interview's id, so
// a reload carries on where it was; the server draws the same questions for the same id.
import { clockText } from "./rehearsal.js";
import { sayText } from "./say.js";
import { readStored, writeStored } from "./stored.js";

function load(key) {
  try {
    return JSON.parse(readStored(key));
  } catch {
    return null; // not written by this page: start afresh
  }
}

// Phases: "each" reveals and rates each question in turn; with model answers at the end,
// "answer" goes through the questions answering only, then "review" reveals and rates them.
export class MockInterview {
  constructor(page, rehearsals) {
    this.page = page;
    this.rehearsals = rehearsals;
    this.questions = Array.from(page.querySelectorAll("[data-mock-question]"));
    this.progress = page.querySelector("[data-mock-progress]");
    this.nextButton = page.querySelector("[data-mock-next]");
    this.controls = page.querySelector("[data-mock-controls]");
    this.key = `mock:${page.dataset.mock}`;
    const atEnd = page.dataset.revealAt === "end";
    const kept = load(this.key);
    // A kept state must fit this page's questions (an interview's id draws the same ones).
    this.state =
      kept && kept.current < this.questions.length
        ? kept
        : {
            phase: atEnd ? "answer" : "each",
            current: 0,
            skipped: [],
            spent: {},
            results: {},
            begun: false,
          };
    this.warn = (event) => {
      event.preventDefault();
      event.returnValue = ""; // older browsers need it set to show their warning
    };

    this.nextButton.addEventListener("click", () => this.next());
    page.querySelector("[data-mock-skip]").addEventListener("click", () => this.skip());
    page.querySelector("[data-mock-end]").addEventListener("click", () => this.finish());
    this.restore();
  }

  get currentRehearsal() {
    return this.state.phase === "done" ? null : this.rehearsals[this.state.current];
  }

  restore() {
    this.rehearsals.forEach((rehearsal, index) => {
      const result = this.state.results[index];
      if (this.state.phase === "answer") rehearsal.hold();
      if (index in this.state.spent) rehearsal.spent = this.state.spent[index];
      if (result) rehearsal.restore(result);
    });
    if (this.state.phase === "done") {
      this.showSummary();
      return;
    }
    if (this.state.begun) window.addEventListener("beforeunload", this.warn);
    this.show(this.state.current);
  }

  // The learner has started answering: leaving now loses the interview's flow, so ask.
  begun() {
    if (this.state.begun) return;
    this.state.begun = true;
    writeStored(this.key, JSON.stringify(this.state));
    window.addEventListener("beforeunload", this.warn);
  }

  show(index) {
    this.state.current = index;
    writeStored(this.key, JSON.stringify(this.state));
    this.questions.forEach((question, i) => {
      question.hidden = i !== index;
    });
    const count = this.questions.length;
    const phase = this.state.phase;
    this.progress.textContent = sayText(phase === "review" ? "mock-review-progress" : "mock-progress", {
      n: index + 1,
      count,
    });
    const rehearsal = this.rehearsals[index];
    if (phase === "review") {
      rehearsal.release();
      rehearsal.reveal();
    }
    const rated = index in this.state.results;
    this.nextButton.hidden = phase !== "answer" && !rated;
    this.nextButton.textContent = sayText(this.nextLabel(index));
    if (phase !== "review") rehearsal.focus();
  }

  nextLabel(index) {
    const last = this.following(index) === null;
    if (this.state.phase === "answer") return last ? "mock-to-answers" : "mock-next";
    return last ? "mock-to-summary" : "mock-next";
  }

  // The next question to show after `index` in this phase, or null at the end.
  following(index) {
    for (let i = index + 1; i < this.questions.length; i += 1) {
      if (!this.state.skipped.includes(i)) return i;
    }
    return null;
  }

  rated(result) {
    this.begun();
    const index = this.state.current;
    this.state.results[index] = {
      reviewId: result.reviewId,
      rating: result.rating,
      label: result.label,
      spent: result.spent,
      points: result.points,
      comesBackIn: result.reply.comes_back_in,
    };
    this.show(index);
    this.nextButton.focus();
  }

  next() {
    const index = this.state.current;
    const rehearsal = this.rehearsals[index];
    if (this.state.phase === "answer") {
      rehearsal.stopClock();
      this.state.spent[index] = rehearsal.spent;
    }
    const following = this.following(index);
    if (following !== null) {
      this.show(following);
    } else if (this.state.phase === "answer") {
      this.state.phase = "review";
      const first = this.following(-1);
      if (first === null) this.finish();
      else this.show(first);
    } else {
      this.finish();
    }
  }

  skip() {
    const index = this.state.current;
    this.rehearsals[index].stopClock();
    if (!(index in this.state.results)) this.state.skipped.push(index);
    this.next();
  }

  finish() {
    this.state.phase = "done";
    writeStored(this.key, JSON.stringify(this.state));
    window.removeEventListener("beforeunload", this.warn);
    this.showSummary();
  }

  showSummary() {
    for (const question of this.questions) question.hidden = true;
    this.controls.hidden = true;
    const results = this.state.results;
    const rated = Object.keys(results).length;
    this.progress.textContent = sayText("mock-done", { rated, count: this.questions.length });
    const summary = this.page.querySelector("[data-mock-summary]");
    const rows = summary.querySelector("[data-summary-rows]");
    rows.replaceChildren();
    const weak = [];
    this.rehearsals.forEach((rehearsal, index) => {
      const result = results[index];
      const row = document.createElement("tr");
      const link = document.createElement("a");
      link.href = this.questions[index].dataset.practiceUrl;
      link.textContent = rehearsal.title;
      const total = Number(rehearsal.root.dataset.pointsTotal);
      const skipped = this.state.skipped.includes(index);
      const cells = result
        ? [
            clockText(Math.round(result.spent / 1000)),
            total ? sayText("mock-points", { ticked: result.points.length, total }) : "",
            result.label,
            result.comesBackIn,
          ]
        : ["", "", sayText(skipped ? "mock-skipped" : "mock-not-reached"), ""];
      const heading = document.createElement("th");
      heading.scope = "row";
      heading.append(link);
      row.append(heading);
      for (const text of cells) {
        const cell = document.createElement("td");
        cell.textContent = text;
        row.append(cell);
      }
      rows.append(row);
      if (!result || result.rating <= 2) weak.push(rehearsal.title);
    });
    summary.querySelector("[data-summary-advice]").textContent = weak.length
      ? sayText("mock-weak", { titles: weak.join("; ") })
      : sayText("mock-strong");
    summary.hidden = false;
    summary.querySelector("h2").focus();
  }
}
