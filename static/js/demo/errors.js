// What a failed request means to the learner: a title and a sentence, both from the templates.
import { sayText } from "../say.js";
import { el } from "./dom.js";

export function errorText(error, timeoutMs) {
  switch (error.kind) {
    case "timeout":
      return {
        title: sayText("error-timeout-title"),
        text: sayText("error-timeout", { seconds: Math.round(timeoutMs / 1000) }),
      };
    case "network":
      return { title: sayText("error-network-title"), text: sayText("error-network") };
    case "cancelled":
      return { title: sayText("error-cancelled-title"), text: "" };
    default: {
      const status = error.status;
      const key = status === 429 ? "limited" : status >= 500 ? "failed" : "refused";
      const seconds = error.retryAfter;
      const retry = seconds === null ? "" : ` ${sayText("error-retry", { seconds })}`;
      return { title: sayText(`error-${key}-title`, { status }), text: error.message + retry };
    }
  }
}

export function showError(box, error, timeoutMs) {
  const message = errorText(error, timeoutMs);
  box.replaceChildren(
    el("strong", { class: "demo-error-title", text: message.title }),
    message.text ? el("span", { class: "demo-error-text", text: ` ${message.text}` }) : null,
  );
  box.dataset.kind = error.kind;
  box.dataset.status = error.status === null ? "" : String(error.status);
  box.hidden = false;
}

export function hideError(box) {
  box.hidden = true;
  box.replaceChildren();
}
