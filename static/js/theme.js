// Runs in <head> before the page paints: the remembered theme, else the system's.
(function () {
  "use strict";
  var stored = null;
  try { stored = localStorage.getItem("theme"); } catch (e) { /* storage disabled */ }
  var system = window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;
  var theme = stored === "dark" || stored === "light" ? stored : (system ? "dark" : "light");
  document.documentElement.setAttribute("data-theme", theme);
})();
