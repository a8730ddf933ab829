import { csrfToken } from "./csrf.js";

// A POST with the CSRF token, for records kept on the side (a lesson read, a demo run):
// a failure changes nothing the learner sees, so it is dropped.
export function postQuietly(url, body) {
  const token = csrfToken();
  if (!url || !token) return;
  fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": token },
    body: JSON.stringify(body),
  }).catch(() => {});
}
