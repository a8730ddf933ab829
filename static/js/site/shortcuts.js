// Keyboard: "/" to search, left and right arrows for the previous and next lesson.

function typing(target) {
  return target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName);
}

export function shortcuts() {
  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
    if (typing(event.target)) return;
    if (event.key === "/") {
      const search = document.getElementById("search-input");
      if (!search) return;
      event.preventDefault();
      search.focus();
      search.select();
    } else if (event.key === "ArrowLeft" || event.key === "ArrowRight") {
      // In a code block that scrolls sideways, the arrows scroll it.
      if (event.target.closest?.("pre[tabindex]")) return;
      const rel = event.key === "ArrowLeft" ? "prev" : "next";
      const link = document.querySelector(`a[rel=${rel}]`);
      if (link) window.location.href = link.href;
    }
  });
}
