// Dark mode: follows the system until the learner picks, then remembers the pick. theme.js has
// already set the theme before the first paint; this keeps the button in step with it.
const root = document.documentElement;

function stored() {
  try {
    return localStorage.getItem("theme");
  } catch {
    return null;
  }
}

export function themeToggle(button) {
  if (!button) return;
  const apply = (theme) => {
    root.dataset.theme = theme;
    button.setAttribute("aria-pressed", String(theme === "dark"));
    // The label names what a press switches to.
    button.querySelector(".theme-toggle-label").textContent =
      theme === "dark" ? button.dataset.labelLight : button.dataset.labelDark;
  };
  apply(root.dataset.theme || "light");
  button.addEventListener("click", () => {
    const next = root.dataset.theme === "dark" ? "light" : "dark";
    try {
      localStorage.setItem("theme", next);
    } catch {
      // Storage disabled: the pick lasts until the page goes.
    }
    apply(next);
  });
  matchMedia("(prefers-color-scheme: dark)").addEventListener("change", (event) => {
    if (!stored()) apply(event.matches ? "dark" : "light");
  });
}
