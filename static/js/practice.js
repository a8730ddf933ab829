// Practice: one question, the review queue, or a mock interview of several, rehearsed with the
// keyboard alone (Space reveals, 1-4 rate). Ratings go to the page's data-review-url.
import { clockText, Rehearsal } from "./rehearsal.js";
import { sayText } from "./say.js";

const page = document.querySelector("[data-practice]");
const mode = page?.dataset.mode;
const results = [];
let current = 0;

function finished(result) {
  if (mode === "mock") {
    results.push(result);
    const next = current + 1;
    setTimeout(() => advanceMock(next), 600);
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

const rehearsals = Array.from(page?.querySelectorAll("[data-rehearsal]") ?? [], (root) =>
  new Rehearsal(root, {
    reviewUrl: page.dataset.reviewUrl,
    csrf: page.querySelector("input[name=csrfmiddlewaretoken]").value,
    mock: page.dataset.mock || "",
    onRated: finished,
  }),
);

function advanceMock(index) {
  const questions = page.querySelectorAll("[data-mock-question]");
  questions[current].hidden = true;
  current = index;
  if (current < questions.length) {
    questions[current].hidden = false;
    page.querySelector("[data-mock-progress]").textContent = sayText("mock-progress", {
      n: current + 1,
      count: questions.length,
    });
    rehearsals[current].start();
    rehearsals[current].focus();
    return;
  }
  showSummary();
}

function showSummary() {
  page.querySelector("[data-mock-progress]").textContent = sayText("mock-done", {
    count: results.length,
  });
  const summary = page.querySelector("[data-mock-summary]");
  const rows = summary.querySelector("[data-summary-rows]");
  const weak = [];
  results.forEach((result, index) => {
    const title = rehearsals[index].title;
    const row = document.createElement("tr");
    const spent = clockText(Math.round(result.spent / 1000));
    for (const text of [title, spent, result.label, result.reply.comes_back_in]) {
      const cell = document.createElement("td");
      cell.textContent = text;
      row.append(cell);
    }
    rows.append(row);
    if (result.rating <= 2) weak.push(title);
  });
  summary.querySelector("[data-summary-advice]").textContent = weak.length
    ? sayText("mock-weak", { titles: weak.join("; ") })
    : sayText("mock-strong");
  summary.hidden = false;
  summary.querySelector("a").focus();
}

if (rehearsals.length) {
  rehearsals[0].start();
  rehearsals[0].focus();
  page.setAttribute("data-ready", "");

  // Keyboard: Space reveals (outside the answer box), 1-4 rate once revealed.
  document.addEventListener("keydown", (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    const target = event.target;
    const field = ["TEXTAREA", "INPUT", "SELECT"].includes(target.tagName);
    if (field && target.type !== "checkbox") return;
    const rehearsal = rehearsals[current];
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
