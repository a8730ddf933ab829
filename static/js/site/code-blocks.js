// A code block too wide for its box scrolls sideways, and a keyboard can only scroll what it
// can focus: such a block joins the tab order, named for what it is. Checked again whenever
// its size changes (a phone turned, a tab shown).
import { part } from "../say.js";

const watcher = new ResizeObserver((entries) => {
  for (const { target } of entries) {
    if (target.scrollWidth > target.clientWidth) {
      target.tabIndex = 0;
      target.setAttribute("role", "group");
      target.setAttribute("aria-label", part("code-scrolls").textContent);
    } else {
      target.removeAttribute("tabindex");
      target.removeAttribute("role");
      target.removeAttribute("aria-label");
    }
  }
});

export function scrollableCode(blocks) {
  for (const block of blocks) watcher.observe(block);
}
