// Quizzes: answer, see right or wrong and the explanation, no reload. The verdicts are the
// form's data- attributes (the template "lessons/_quiz.html").

export function quiz(form) {
  const result = form.querySelector(".quiz-result");
  const verdict = form.querySelector(".quiz-verdict");
  const explanation = form.querySelector(".quiz-explanation");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const chosen = form.querySelector("input[type=radio]:checked");
    if (!chosen) {
      verdict.textContent = form.dataset.unanswered;
      result.className = "quiz-result";
      explanation.hidden = true;
      result.hidden = false;
      return;
    }
    const right = chosen.value === form.dataset.answer;
    for (const label of form.querySelectorAll(".quiz-option")) {
      const input = label.querySelector("input");
      label.classList.toggle("is-answer", input.value === form.dataset.answer);
      label.classList.toggle("is-wrong", input.checked && !right);
    }
    verdict.textContent = right ? form.dataset.right : form.dataset.wrong;
    result.className = `quiz-result ${right ? "is-right" : "is-wrong"}`;
    explanation.hidden = false;
    result.hidden = false;
    const detail = { right, quiz: Number(form.dataset.number), choice: Number(chosen.value) };
    form.dispatchEvent(new CustomEvent("quiz:answered", { bubbles: true, detail }));
  });
}
