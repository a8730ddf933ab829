// A lesson quiz's first answer is the learner's prediction: it is kept in their practice
// progress (the body's data-prediction-url) and the quiz says so under its verdict, in the
// practice app's words (the reply's message).
import { postQuietly } from "../post.js";

export function recordPredictions(url) {
  if (!url) return;
  const sent = new WeakSet();
  document.addEventListener("quiz:answered", async (event) => {
    const form = event.target;
    const lesson = form.closest("[data-lesson]")?.dataset.lesson;
    if (!lesson || sent.has(form)) return;
    sent.add(form);
    const { quiz, choice } = event.detail;
    const reply = await postQuietly(url, { lesson, quiz, choice });
    if (!reply?.message) return;
    const note = document.createElement("p");
    note.className = "quiz-recorded";
    note.textContent = reply.message;
    form.querySelector(".quiz-result").append(note);
  });
}
