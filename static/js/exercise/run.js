// One run of the learner's code: the POST, and while it waits, its place in the queue.
import { getJSON, postJSON } from "../demo/http.js";

// A run has 10 s in its sandbox and may wait up to a minute for one: the page waits longer.
export const RUN_TIMEOUT_MS = 90000;
const QUEUE_POLL_MS = 800;

// Calls onQueue(ahead) with the runs ahead of this one (0 once it runs) until the run answers.
export async function runCode({ url, statusUrl, code, signal, onQueue }) {
  const ticket = crypto.randomUUID();
  const done = new AbortController();
  const polling = pollQueue(statusUrl, ticket, AbortSignal.any([signal, done.signal]), onQueue);
  try {
    return await postJSON(url, { code, ticket }, { signal, timeout: RUN_TIMEOUT_MS });
  } finally {
    done.abort();
    await polling;
  }
}

async function pollQueue(statusUrl, ticket, signal, onQueue) {
  const query = new URLSearchParams({ ticket });
  while (!signal.aborted) {
    await new Promise((resolve) => {
      const timer = setTimeout(resolve, QUEUE_POLL_MS);
      signal.addEventListener("abort", () => {
        clearTimeout(timer);
        resolve();
      }, { once: true });
    });
    if (signal.aborted) return;
    try {
      const status = await getJSON(`${statusUrl}?${query}`, { signal, timeout: 5000 });
      if (!signal.aborted) onQueue(typeof status.position === "number" ? status.position : 0);
    } catch {
      // The status is a courtesy: the run itself says how it went.
    }
  }
}
