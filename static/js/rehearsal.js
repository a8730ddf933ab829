// One question rehearsed against the clock: timer, answer box, reveal, key-point checklist and
// self-rating, saved to the page's review URL. Its sentences are the page's <template data-say>
// elements (the template "practice/_texts.html").
import { sayText } from "./say.js";
import { readStored, writeStored } from "./stored.js";

export function clockText(seconds) {
  const sign = seconds < 0 ? "-" : "";
  const left = Math.abs(seconds);
  return `${sign}${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}`;
}

const touch = matchMedia("(hover: none) and (pointer: coarse)");

export class Rehearsal {
  constructor(root, { reviewUrl, csrf, mock, onRated, onStarted }) {
    this.root = root;
    this.reviewUrl = reviewUrl;
    this.csrf = csrf;
    this.mock = mock;
    this.onRated = onRated;
    this.onStarted = onStarted;
    this.timer = root.querySelector("[data-timer]");
    this.length = root.querySelector("[data-timer-length]");
    this.startButton = root.querySelector("[data-timer-start]");
    this.timeUp = root.querySelector("[data-time-up]");
    this.answer = root.querySelector("[data-answer]");
    this.revealed = root.querySelector("[data-revealed]");
    this.revealRow = root.querySelector("[data-reveal-row]");
    this.rated = root.querySelector("[data-rated]");
    this.draftKey = `draft:${mock || "practice"}:${root.dataset.lesson}`;
    this.started = null; // when the clock started: on Start, or the first keystroke
    this.spent = null; // how long the answer took, fixed when the answer ends
    this.held = false; // a mock with model answers at the end holds the reveal back
    this.rating = null; // the rating saved last; another press replaces it
    this.saving = false;
    // One per rehearsal: a retried request is recorded once, a changed rating replaces it.
    this.reviewId = crypto.randomUUID();

    if (touch.matches) this.answer.placeholder = this.answer.dataset.touchPlaceholder;
    const draft = readStored(this.draftKey);
    if (draft) {
      this.answer.value = draft;
      root.querySelector("[data-draft-note]").hidden = false;
    }
    this.startButton.addEventListener("click", () => {
      this.start();
      this.answer.focus();
    });
    // A new length moves the deadline; the answer's own time keeps running from the start.
    this.length.addEventListener("change", () => this.tick());
    this.answer.addEventListener("input", () => {
      this.start();
      writeStored(this.draftKey, this.answer.value);
    });
    root.querySelector("[data-reveal]").addEventListener("click", () => this.reveal());
    this.answer.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        this.reveal();
      } else if (event.key === "Escape") {
        this.answer.blur(); // leaves the box, so Space reveals and 1-4 rate
      }
    });
    for (const button of root.querySelectorAll("[data-rating]")) {
      button.addEventListener("click", () => this.rate(Number(button.dataset.rating)));
    }
    this.tick();
  }

  get title() {
    return this.root.querySelector(".rehearsal-question").textContent;
  }

  get isRevealed() {
    return !this.revealed.hidden;
  }

  get isStarted() {
    return this.started !== null;
  }

  get checkedPoints() {
    return Array.from(this.root.querySelectorAll("[data-point]"))
      .filter((box) => box.checked)
      .map((box) => Number(box.dataset.point));
  }

  tick() {
    if (this.spent !== null) return; // the answer is over: the clock shows where it stopped
    const length = Number(this.length.value);
    if (!this.isStarted) {
      this.timer.textContent = clockText(length);
      return;
    }
    const left = Math.ceil((this.started + length * 1000 - Date.now()) / 1000);
    this.timer.textContent = clockText(left);
    this.timer.classList.toggle("is-amber", left <= 30 && left > 0);
    this.timer.classList.toggle("is-red", left <= 0);
    // Said once, when the time runs out (the element is an assertive live region).
    const up = left <= 0 ? sayText("time-up") : "";
    if (this.timeUp.textContent !== up) this.timeUp.textContent = up;
  }

  start() {
    if (this.isStarted || this.spent !== null) return;
    this.started = Date.now();
    this.startButton.hidden = true;
    this.ticking = setInterval(() => this.tick(), 250);
    this.tick();
    this.onStarted?.();
  }

  // The answer is over: the clock stops and its time is what the review records.
  stopClock() {
    if (this.spent !== null) return;
    clearInterval(this.ticking);
    this.spent = this.isStarted ? Date.now() - this.started : 0;
    this.startButton.hidden = true;
  }

  focus() {
    this.answer.focus();
  }

  hold() {
    this.held = true;
    this.revealRow.hidden = true;
  }

  release() {
    this.held = false;
  }

  reveal() {
    if (this.isRevealed || this.held) return;
    this.stopClock();
    this.revealed.hidden = false;
    this.revealRow.hidden = true; // nothing more to reveal
    this.revealed.querySelector("input, button")?.focus({ preventScroll: true });
    this.revealed.scrollIntoView({ block: "nearest" });
  }

  // A rating made before a reload: the same review id, so changing it still replaces it.
  restore({ reviewId, rating, spent, points }) {
    this.reviewId = reviewId;
    this.spent = spent;
    this.reveal();
    for (const box of this.root.querySelectorAll("[data-point]")) {
      box.checked = points.includes(Number(box.dataset.point));
    }
    this.rating = rating;
    this.pressed(rating);
  }

  pressed(rating) {
    for (const button of this.root.querySelectorAll("[data-rating]")) {
      button.setAttribute("aria-pressed", String(Number(button.dataset.rating) === rating));
    }
  }

  // A rating can be changed until the learner moves on: the same review id replaces it.
  async rate(rating) {
    if (this.saving || !this.isRevealed || rating === this.rating) return;
    this.saving = true;
    const earlier = this.rating;
    const button = this.root.querySelector(`[data-rating='${rating}']`);
    this.pressed(rating);
    const points = this.checkedPoints;
    this.rated.hidden = false;
    this.rated.textContent = sayText("rated-saving");
    try {
      const response = await fetch(this.reviewUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": this.csrf },
        body: JSON.stringify({
          lesson: this.root.dataset.lesson,
          rating,
          review_id: this.reviewId,
          duration_ms: this.spent ?? 0,
          answer: this.answer.value,
          checked_points: points,
          mock: this.mock,
        }),
      });
      const reply = await response.json();
      if (!response.ok) throw new Error(reply.error || sayText("rated-refused"));
      this.rating = rating;
      writeStored(this.draftKey, ""); // saved with the review: the draft has done its work
      const label = button.querySelector("[data-rating-label]").textContent;
      this.rated.textContent = reply.changed
        ? sayText("rated-changed", { rating: label, when: reply.comes_back_in })
        : sayText("rated-saved", { when: reply.comes_back_in });
      this.onRated({ rating, label, spent: this.spent ?? 0, points, reply, reviewId: this.reviewId });
    } catch (error) {
      this.pressed(earlier);
      this.rated.textContent = sayText("rated-failed", { reason: error.message });
    } finally {
      this.saving = false;
    }
  }
}
