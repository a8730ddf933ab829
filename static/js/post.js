import { csrfToken } from "./csrf.js";

// A POST with the CSRF token, for records kept on the side (a lesson read, a demo run, a
// prediction): a failure changes nothing the learner sees, so it is dropped. Resolves to the
// reply's JSON, or null when there is none to show.
export async function postQuietly(url, body) {
  const token = csrfToken();
  if (!url || !token) return null;
  try {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token },
      body: JSON.stringify(body),
    });
    return response.ok ? await response.json() : null;
  } catch {
    return null;
  }
}
