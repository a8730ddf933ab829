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
    this.revealButton = root.querySelector("[data-reveal]");
    this.rating = null; // the rating saved last; another press replaces it
    this.saving = false;
    // One per rehearsal: a retried request is recorded once.
    this.reviewId = crypto.randomUUID();

    this.length.addEventListener("change", () => this.start());
    this.revealButton.addEventListener("click", () => this.reveal());
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
    this.root.querySelector("[data-reveal-row]").hidden = true; // nothing more to reveal
    this.revealed.querySelector("input, button")?.focus({ preventScroll: true });
    this.revealed.scrollIntoView({ block: "nearest" });
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
    const points = Array.from(this.root.querySelectorAll("[data-point]"))
      .filter((box) => box.checked)
      .map((box) => Number(box.dataset.point));
    this.spent ??= Date.now() - this.started;
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
          duration_ms: this.spent,
          answer: this.answer.value,
          checked_points: points,
          mock: this.mock,
        }),
      });
      const reply = await response.json();
      if (!response.ok) throw new Error(reply.error || sayText("rated-refused"));
      this.rating = rating;
      const label = button.querySelector("[data-rating-label]").textContent;
      this.rated.textContent = reply.changed
        ? sayText("rated-changed", { rating: label, when: reply.comes_back_in })
        : sayText("rated-saved", { when: reply.comes_back_in });
      this.onRated({ rating, label, spent: this.spent, reply });
    } catch (error) {
      this.pressed(earlier);
      this.rated.textContent = sayText("rated-failed", { reason: error.message });
    } finally {
      this.saving = false;
    }
  }
}
