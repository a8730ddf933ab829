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
  const root = document.documentElement;
  root.dataset.theme = theme;
  // The code colours of the theme in use apply to every medium; the other theme's sheet keeps
  // its media query, so it loads without holding up the page. A toggle later switches its on.
  const codeColours = () => {
    const chosen = root.dataset.theme;
    for (const link of document.querySelectorAll(`link[data-code-theme="${chosen}"]`)) {
      link.media = "all";
    }
  };
  codeColours();
  new MutationObserver(codeColours).observe(root, {
    attributes: true,
    attributeFilter: ["data-theme"],
  });
})();
