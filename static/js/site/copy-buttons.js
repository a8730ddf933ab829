// A Copy button on every code block, made from the page's <template data-part="copy-button">.
import { part } from "../say.js";

export function copyButtons(blocks) {
  for (const block of blocks) {
    const button = part("copy-button");
    const label = button.textContent;
    const done = (text) => {
      button.textContent = text;
      setTimeout(() => {
        button.textContent = label;
      }, 1500);
    };
    button.addEventListener("click", async () => {
      const text = (block.querySelector("pre") || block).innerText.replace(/\n$/, "");
      try {
        await navigator.clipboard.writeText(text);
        done(button.dataset.copied);
      } catch {
        done(button.dataset.failed);
      }
    });
    block.append(button);
  }
}
