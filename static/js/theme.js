// A classic script in <head>, run before the page paints: the remembered theme, else the
// system's, so a dark page never flashes white.
(() => {
  let stored = null;
  try {
    stored = localStorage.getItem("theme");
  } catch {
    // Storage disabled: follow the system.
  }
  const system = matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  const theme = stored === "dark" || stored === "light" ? stored : system;
  document.documentElement.dataset.theme = theme;
})();
