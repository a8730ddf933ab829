// One run of a variant that answers with a trace, with the probe pinging beside it when the
// panel has one.
import { sayText } from "../say.js";
import { readJSON, request, RunError } from "./http.js";
import { startProbe } from "./probe.js";

export const RUN_TIMEOUT_MS = 30000;

export async function runTrace({ url, query, probeUrl, signal }) {
  const started = performance.now();
  const probe = probeUrl ? startProbe(probeUrl, started, signal) : null;
  let data;
  try {
    const response = await request(`${url}?${query}`, { signal, timeout: RUN_TIMEOUT_MS });
    data = await readJSON(response);
    // The server runs a few demos at a time; a run that waited for its turn says how long.
    if (data) data.queued_ms = Number(response.headers.get("X-Demo-Queued-Ms") ?? 0) || 0;
  } finally {
    if (probe) {
      const probed = await probe.stop();
      if (data) data.probe = probed;
    }
  }
  if (!data || !Array.isArray(data.spans)) {
    throw new RunError("http", sayText("error-not-a-trace"), { status: 200 });
  }
  data.browser_ms = performance.now() - started;
  return data;
}
