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
    // The label stays "Dark mode"; whether it is on is the button's pressed state.
    button.setAttribute("aria-pressed", String(theme === "dark"));
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
