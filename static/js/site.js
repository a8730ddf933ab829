// Interview Lab: theme toggle, copy buttons, keyboard shortcuts and quizzes. No build step.
(function () {
  "use strict";

  var root = document.documentElement;

  // --- Dark mode: follows the system until the learner picks, then remembers the pick.
  function applyTheme(theme) {
    root.setAttribute("data-theme", theme);
    var toggle = document.getElementById("theme-toggle");
    if (toggle) {
      toggle.setAttribute("aria-pressed", theme === "dark" ? "true" : "false");
      toggle.querySelector(".theme-toggle-label").textContent =
        theme === "dark" ? "Light mode" : "Dark mode";
    }
  }
  function storedTheme() {
    try { return localStorage.getItem("theme"); } catch (e) { return null; }
  }
  applyTheme(root.getAttribute("data-theme") || "light");
  document.getElementById("theme-toggle").addEventListener("click", function () {
    var next = root.getAttribute("data-theme") === "dark" ? "light" : "dark";
    try { localStorage.setItem("theme", next); } catch (e) { /* storage disabled */ }
    applyTheme(next);
  });
  if (window.matchMedia) {
    window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", function (event) {
      if (!storedTheme()) applyTheme(event.matches ? "dark" : "light");
    });
  }

  // --- Copy buttons on every code block.
  document.querySelectorAll(".lesson-body .highlight, .copyable").forEach(function (block) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "copy-button";
    button.textContent = "Copy";
    button.setAttribute("aria-label", "Copy code to clipboard");
    button.addEventListener("click", function () {
      var code = block.querySelector("pre");
      var text = (code || block).innerText.replace(/\n$/, "");
      var done = function (label) {
        button.textContent = label;
        setTimeout(function () { button.textContent = "Copy"; }, 1500);
      };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(text).then(
          function () { done("Copied"); },
          function () { done("Press Ctrl+C"); }
        );
      } else {
        done("Press Ctrl+C");
      }
    });
    block.appendChild(button);
  });

  // --- Keyboard: "/" to search, left/right arrows for previous/next lesson.
  function typing(target) {
    return target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName);
  }
  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
    if (typing(event.target)) return;
    if (event.key === "/") {
      var search = document.getElementById("search-input");
      if (search) {
        event.preventDefault();
        search.focus();
        search.select();
      }
    } else if (event.key === "ArrowLeft" || event.key === "ArrowRight") {
      var link = document.querySelector(event.key === "ArrowLeft" ? "a[rel=prev]" : "a[rel=next]");
      if (link) window.location.href = link.href;
    }
  });

  // --- A lesson counts as read once the learner reaches its end.
  var article = document.querySelector("article[data-lesson]");
  var pager = document.querySelector(".pager");
  var csrf = document.querySelector("meta[name=csrf-token]");
  if (article && pager && csrf && "IntersectionObserver" in window) {
    var observer = new IntersectionObserver(function (entries) {
      if (!entries.some(function (entry) { return entry.isIntersecting; })) return;
      observer.disconnect();
      fetch("/practice/api/read", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf.content },
        body: JSON.stringify({ lesson: article.getAttribute("data-lesson") })
      }).catch(function () { /* progress is best effort; reading goes on */ });
    });
    observer.observe(pager);
  }

  // --- Quizzes: answer, see right or wrong and the explanation, no reload.
  document.querySelectorAll("form[data-quiz]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var chosen = form.querySelector("input[type=radio]:checked");
      var result = form.querySelector(".quiz-result");
      var verdict = form.querySelector(".quiz-verdict");
      if (!chosen) {
        verdict.textContent = "Pick an answer first.";
        result.hidden = false;
        result.className = "quiz-result";
        form.querySelector(".quiz-explanation").hidden = true;
        return;
      }
      var right = chosen.value === form.getAttribute("data-answer");
      form.querySelectorAll(".quiz-option").forEach(function (label) {
        var input = label.querySelector("input");
        label.classList.toggle("is-answer", input.value === form.getAttribute("data-answer"));
        label.classList.toggle("is-wrong", input.checked && !right);
      });
      verdict.textContent = right ? "Right." : "Not quite.";
      result.className = "quiz-result " + (right ? "is-right" : "is-wrong");
      form.querySelector(".quiz-explanation").hidden = false;
      result.hidden = false;
      form.dispatchEvent(new CustomEvent("quiz:answered", { bubbles: true, detail: { right: right } }));
    });
  });
})();
