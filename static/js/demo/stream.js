// A streamed run: the variant's NDJSON lines as they arrive, then what the streaming view
// itself saw, from the record the server keeps under the run's id.
import { sayText } from "../say.js";
import { errorText } from "./errors.js";
import { asRunError, getJSON, request } from "./http.js";
import { RUN_TIMEOUT_MS } from "./trace.js";

const RECORD_POLL_MS = 300;

// Calls onChunk() after every chunk read; resolves with the run, cancelled or complete.
export async function runStream({ url, query, variant, expected, signal, onChunk }) {
  const run = crypto.randomUUID();
  const result = {
    variant: variant.name,
    title: variant.title,
    run,
    stream: true,
    events: [],
    total_ms: null,
    done_ms: null,
    done: false,
    cancelled: false,
    record: null,
    // What the parameters promise, kept with the run: the inputs may change afterwards.
    expected_events: expected.events,
    expected_ms: expected.ms,
  };
  onChunk(result);
  // The whole stream may legitimately take events x interval before it ends.
  const timeout = RUN_TIMEOUT_MS + (Number.isFinite(expected.ms) ? expected.ms : 0);
  const params = new URLSearchParams(query);
  params.set("run", run);
  const started = performance.now();
  try {
    const response = await request(`${url}?${params}`, {
      signal,
      timeout,
      accept: "application/x-ndjson",
    });
    const lines = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const chunk = await lines.read();
      if (chunk.done) break;
      const at = performance.now() - started;
      buffer += chunk.value;
      const complete = buffer.split("\n");
      buffer = complete.pop();
      for (const line of complete) {
        if (!line.trim()) continue;
        const item = JSON.parse(line);
        if (item.done) {
          result.done = true;
          result.total_ms = item.total_ms;
          result.done_ms = at;
        } else {
          result.events.push({ event: item.event, produced_ms: item.produced_ms, received_ms: at });
        }
      }
      onChunk(result);
    }
  } catch (caught) {
    const error = asRunError(caught);
    if (error.kind !== "cancelled") throw error;
    result.cancelled = true;
    result.cancelled_ms = performance.now() - started;
  }
  return result;
}

// After a disconnect the server needs a moment to notice (and a sync generator runs on
// regardless), so ask until the record stops saying "streaming". Calls onRecord() with every
// answer; stops early when `signal` fires.
export async function followRecord({ url, result, signal, onRecord }) {
  const recordUrl = `${url}?${new URLSearchParams({ run: result.run })}`;
  const expected = Number.isFinite(result.expected_ms) ? result.expected_ms : 0;
  const patience = Math.max(0, expected - (result.cancelled_ms || expected)) + 3000;
  const until = performance.now() + patience;
  result.record = { pending: true };
  for (;;) {
    let record = null;
    try {
      record = await getJSON(recordUrl, { signal, timeout: RUN_TIMEOUT_MS });
    } catch (error) {
      if (signal.aborted) return;
      if (error.status !== 404) {
        result.record = { error: errorText(error, RUN_TIMEOUT_MS) };
        break;
      }
    }
    const settled = record && record.status !== "streaming";
    if (settled || performance.now() > until) {
      result.record = record || {
        error: { title: sayText("record-missing-title"), text: sayText("record-missing") },
      };
      break;
    }
    result.record = { pending: true, ...record };
    onRecord(result);
    await new Promise((resolve) => setTimeout(resolve, RECORD_POLL_MS));
    if (signal.aborted) return;
  }
  onRecord(result);
}
