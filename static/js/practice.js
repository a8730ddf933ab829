// Practice: a timed rehearsal, reveal, key-point checklist and self-rating (keys 1-4), for one
// question, the review queue, or a mock interview. Ratings go to /practice/api/review.
(function () {
  "use strict";

  var page = document.querySelector("[data-practice]");
  if (!page) return;
  var mode = page.getAttribute("data-mode");
  var reviewUrl = page.getAttribute("data-review-url");
  var csrf = page.querySelector("input[name=csrfmiddlewaretoken]").value;
  var mockId = page.getAttribute("data-mock") || "";
  var results = [];

  function uuid4() {
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  function format(seconds) {
    var sign = seconds < 0 ? "-" : "";
    seconds = Math.abs(seconds);
    return sign + Math.floor(seconds / 60) + ":" + String(seconds % 60).padStart(2, "0");
  }

  function Rehearsal(root, onRated) {
    var timer = root.querySelector("[data-timer]");
    var length = root.querySelector("[data-timer-length]");
    var answer = root.querySelector("[data-answer]");
    var revealed = root.querySelector("[data-revealed]");
    var rated = root.querySelector("[data-rated]");
    var started = null;
    var deadline = null;
    var ticking = null;
    var done = false;
    var reviewId = uuid4();  // one per rehearsal: a retried request is recorded once

    function tick() {
      var left = Math.ceil((deadline - Date.now()) / 1000);
      timer.textContent = format(left);
      timer.classList.toggle("is-amber", left <= 30 && left > 0);
      timer.classList.toggle("is-red", left <= 0);
    }
    function start() {
      started = Date.now();
      deadline = started + Number(length.value) * 1000;
      clearInterval(ticking);
      ticking = setInterval(tick, 250);
      tick();
    }
    length.addEventListener("change", start);

    this.start = start;
    this.root = root;
    this.isRevealed = function () { return !revealed.hidden; };
    this.reveal = function () {
      if (!revealed.hidden) return;
      clearInterval(ticking);
      revealed.hidden = false;
      var first = revealed.querySelector("input, button");
      if (first) first.focus({ preventScroll: true });
      revealed.scrollIntoView({ block: "nearest" });
    };
    this.rate = function (rating) {
      if (done || revealed.hidden) return;
      done = true;
      var button = root.querySelector("[data-rating='" + rating + "']");
      button.setAttribute("aria-pressed", "true");
      var points = Array.prototype.filter.call(root.querySelectorAll("[data-point]"), function (box) {
        return box.checked;
      }).map(function (box) { return Number(box.getAttribute("data-point")); });
      var spent = Date.now() - started;
      rated.hidden = false;
      rated.textContent = "Saving…";
      fetch(reviewUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
        body: JSON.stringify({
          lesson: root.getAttribute("data-lesson"), rating: rating, review_id: reviewId,
          duration_ms: spent, answer: answer.value, checked_points: points, mock: mockId
        })
      }).then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      }).then(function (reply) {
        if (!reply.ok) throw new Error(reply.body.error || "the server refused the rating");
        rated.textContent = "Saved. This question comes back in " + reply.body.comes_back_in + ".";
        onRated({ rating: rating, label: button.textContent.trim(), spent: spent, reply: reply.body });
      }).catch(function (error) {
        done = false;
        button.removeAttribute("aria-pressed");
        rated.textContent = "Not saved: " + error.message + ". Try again.";
      });
    };

    root.querySelector("[data-reveal]").addEventListener("click", this.reveal.bind(this));
    answer.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        this.reveal();
      } else if (event.key === "Escape") {
        answer.blur();  // leaves the box, so Space reveals and 1-4 rate
      }
    }.bind(this));
    Array.prototype.forEach.call(root.querySelectorAll("[data-rating]"), function (button) {
      button.addEventListener("click", function () { this.rate(Number(button.getAttribute("data-rating"))); }.bind(this));
    }, this);
  }

  var rehearsals = Array.prototype.map.call(page.querySelectorAll("[data-rehearsal]"), function (root) {
    return new Rehearsal(root, finished);
  });
  var current = 0;
  if (!rehearsals.length) return;
  rehearsals[0].start();
  rehearsals[0].root.querySelector("[data-answer]").focus();

  function finished(result) {
    if (mode === "mock") {
      results.push(result);
      var nextIndex = current + 1;
      setTimeout(function () { advanceMock(nextIndex); }, 600);
      return;
    }
    var after = page.querySelector("[data-after]");
    var next = after.querySelector("[data-next]");
    if (result.reply.next) {
      next.href = result.reply.next;
      next.textContent = mode === "queue" ? "Next due question" : "Review what is due";
    } else {
      next.textContent = "Back to practice";
    }
    after.hidden = false;
    next.focus();
  }

  function advanceMock(index) {
    var questions = page.querySelectorAll("[data-mock-question]");
    questions[current].hidden = true;
    current = index;
    if (current < questions.length) {
      questions[current].hidden = false;
      page.querySelector("[data-mock-progress]").textContent = "Question " + (current + 1) + " of " + questions.length;
      rehearsals[current].start();
      rehearsals[current].root.querySelector("[data-answer]").focus();
      return;
    }
    showSummary();
  }

  function showSummary() {
    page.querySelector("[data-mock-progress]").textContent = "Done: " + results.length + " questions.";
    var summary = page.querySelector("[data-mock-summary]");
    var rows = summary.querySelector("[data-summary-rows]");
    var weak = [];
    results.forEach(function (result, index) {
      var row = document.createElement("tr");
      var title = rehearsals[index].root.querySelector(".rehearsal-question").textContent;
      [title, format(Math.round(result.spent / 1000)), result.label.replace(/^\d\s*/, "").replace(/back in.*$/, "").trim(),
       result.reply.comes_back_in].forEach(function (text) {
        var cell = document.createElement("td");
        cell.textContent = text;
        row.appendChild(cell);
      });
      rows.appendChild(row);
      if (result.rating <= 2) weak.push(title);
    });
    summary.querySelector("[data-summary-advice]").textContent = weak.length
      ? "Review first: " + weak.join("; ")
      : "No question rated Again or Hard: well done.";
    summary.hidden = false;
    summary.querySelector("a").focus();
  }

  page.setAttribute("data-ready", "");

  // Keyboard: Space reveals (outside the answer box), 1-4 rate once revealed.
  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    var target = event.target;
    if (/^(TEXTAREA|INPUT|SELECT)$/.test(target.tagName) && target.type !== "checkbox") return;
    var rehearsal = rehearsals[current];
    if (!rehearsal) return;
    if (event.key === " " && !rehearsal.isRevealed() && target.tagName !== "BUTTON") {
      event.preventDefault();
      rehearsal.reveal();
    } else if (/^[1-4]$/.test(event.key) && rehearsal.isRevealed()) {
      event.preventDefault();
      rehearsal.rate(Number(event.key));
    }
  });
})();
