// One question rehearsed against the clock: timer, answer box, reveal, key-point checklist and
// self-rating, saved to the page's review URL. Its sentences are the page's <template data-say>
// elements (the template "practice/_texts.html").
import { sayText } from "./say.js";

export function clockText(seconds) {
  const sign = seconds < 0 ? "-" : "";
  const left = Math.abs(seconds);
  return `${sign}${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}`;
}

export class Rehearsal {
  constructor(root, { reviewUrl, csrf, mock, onRated }) {
    this.root = root;
    this.reviewUrl = reviewUrl;
    this.csrf = csrf;
    this.mock = mock;
    this.onRated = onRated;
    this.timer = root.querySelector("[data-timer]");
    this.length = root.querySelector("[data-timer-length]");
    this.answer = root.querySelector("[data-answer]");
    this.revealed = root.querySelector("[data-revealed]");
    this.rated = root.querySelector("[data-rated]");
    this.done = false;
    // One per rehearsal: a retried request is recorded once.
    this.reviewId = crypto.randomUUID();

    this.length.addEventListener("change", () => this.start());
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
  }

  get title() {
    return this.root.querySelector(".rehearsal-question").textContent;
  }

  get isRevealed() {
    return !this.revealed.hidden;
  }

  tick() {
    const left = Math.ceil((this.deadline - Date.now()) / 1000);
    this.timer.textContent = clockText(left);
    this.timer.classList.toggle("is-amber", left <= 30 && left > 0);
    this.timer.classList.toggle("is-red", left <= 0);
  }

  start() {
    this.started = Date.now();
    this.deadline = this.started + Number(this.length.value) * 1000;
    clearInterval(this.ticking);
    this.ticking = setInterval(() => this.tick(), 250);
    this.tick();
  }

  focus() {
    this.answer.focus();
  }

  reveal() {
    if (this.isRevealed) return;
    clearInterval(this.ticking);
    this.revealed.hidden = false;
    this.revealed.querySelector("input, button")?.focus({ preventScroll: true });
    this.revealed.scrollIntoView({ block: "nearest" });
  }

  async rate(rating) {
    if (this.done || !this.isRevealed) return;
    this.done = true;
    const button = this.root.querySelector(`[data-rating='${rating}']`);
    button.setAttribute("aria-pressed", "true");
    const points = Array.from(this.root.querySelectorAll("[data-point]"))
      .filter((box) => box.checked)
      .map((box) => Number(box.dataset.point));
    const spent = Date.now() - this.started;
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
          duration_ms: spent,
          answer: this.answer.value,
          checked_points: points,
          mock: this.mock,
        }),
      });
      const reply = await response.json();
      if (!response.ok) throw new Error(reply.error || sayText("rated-refused"));
      this.rated.textContent = sayText("rated-saved", { when: reply.comes_back_in });
      this.onRated({ rating, label: button.textContent.trim(), spent, reply });
    } catch (error) {
      this.done = false;
      button.removeAttribute("aria-pressed");
      this.rated.textContent = sayText("rated-failed", { reason: error.message });
    }
  }
}
