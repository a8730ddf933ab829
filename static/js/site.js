// Every page: the theme toggle, copy buttons, keyboard shortcuts, the learner's own part of a
// kept lesson page, the read mark, quizzes and the predictions they record.
import { contents } from "./site/contents.js";
import { scrollableCode } from "./site/code-blocks.js";
import { copyButtons } from "./site/copy-buttons.js";
import { recordPredictions } from "./site/predictions.js";
import { quiz } from "./site/quiz.js";
import { markReadAtTheEnd } from "./site/reading.js";
import { shortcuts } from "./site/shortcuts.js";
import { themeToggle } from "./site/theme-toggle.js";
import { fillYours } from "./site/yours.js";

themeToggle(document.getElementById("theme-toggle"));
contents(document.querySelector(".toc details"));
copyButtons(document.querySelectorAll(".lesson-body .highlight, .copyable"));
scrollableCode(document.querySelectorAll(".highlight pre, pre.copyable"));
shortcuts();
fillYours(document.querySelector("article[data-lesson]"));
markReadAtTheEnd(
  document.querySelector("article[data-lesson]"),
  document.querySelector(".pager"),
  document.body.dataset.readUrl,
);
document.querySelectorAll("form[data-quiz]").forEach(quiz);
recordPredictions(document.body.dataset.predictionUrl);
