// Practice: one question, the review queue, or a mock interview of several, rehearsed with the
// keyboard alone (Space reveals, 1-4 rate). Ratings go to the page's data-review-url.
import { MockInterview } from "./mock.js";
import { Rehearsal } from "./rehearsal.js";
import { sayText } from "./say.js";

const page = document.querySelector("[data-practice]");
const mode = page?.dataset.mode;
let mock = null;

function finished(result) {
  if (mock) {
    mock.rated(result);
    return;
  }
  const after = page.querySelector("[data-after]");
  const next = after.querySelector("[data-next]");
  if (result.reply.next) {
    next.href = result.reply.next;
    next.textContent = sayText(mode === "queue" ? "next-due" : "next-review");
  } else {
    next.textContent = sayText("next-back");
  }
  after.hidden = false;
  next.focus();
}

const rehearsals = Array.from(
  page?.querySelectorAll("[data-rehearsal]") ?? [],
  (root) =>
    new Rehearsal(root, {
      reviewUrl: page.dataset.reviewUrl,
      csrf: page.querySelector("input[name=csrfmiddlewaretoken]").value,
      mock: page.dataset.mock || "",
      onRated: finished,
      onStarted: () => mock?.begun(),
    }),
);

if (rehearsals.length) {
  if (mode === "mock") mock = new MockInterview(page, rehearsals);
  else rehearsals[0].focus();
  page.setAttribute("data-ready", "");

  // Keyboard: Space reveals (outside the answer box), 1-4 rate once revealed.
  document.addEventListener("keydown", (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    const target = event.target;
    const field = ["TEXTAREA", "INPUT", "SELECT"].includes(target.tagName);
    if (field && target.type !== "checkbox") return;
    const rehearsal = mock ? mock.currentRehearsal : rehearsals[0];
    if (!rehearsal) return;
    if (event.key === " " && !rehearsal.isRevealed && target.tagName !== "BUTTON") {
      event.preventDefault();
      rehearsal.reveal();
    } else if (/^[1-4]$/.test(event.key) && rehearsal.isRevealed) {
      event.preventDefault();
      rehearsal.rate(Number(event.key));
    }
  });
}
